/* SPDX-License-Identifier: ISC */
/*
 * The SQLite store, on a fresh database in a mkdtemp directory per test:
 * schema and version, users, orders, refresh token rotation with reuse
 * detection, and several processes at once (each with its own
 * store_open, as the three executables and their FastCGI children are).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/store.h"
#include "common/username.h"
#include "tests/unit/unit.h"

#define NOW	1767225600L
#define HOUR	3600L
#define FAKEHASH "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"
#define NPROC	4
#define NORDERS	100

static char	dir[64];
static char	dbpath[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(dbpath, sizeof(dbpath), "%s/auth.db", dir);
}

static void
teardown(void)
{
	char	 p[160];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-queue", dbpath);
	unlink(p);
	rmdir(p);	/* test_queue_unusable made it a folder */
	rmdir(dir);
}

static struct store *
open_store(void)
{
	struct store	*st;
	char		 err[256] = "";

	if ((st = store_open(dbpath, err, sizeof(err))) == NULL)
		fprintf(stderr, "  store_open: %s\n", err);
	CHECK(st != NULL);
	return st;
}

/* A distinct refresh token hash per n. */
static const unsigned char *
rhash(int n)
{
	static unsigned char	 h[8][RTOKEN_HASHLEN];
	unsigned char		*p = h[n % 8];

	memset(p, 0, RTOKEN_HASHLEN);
	p[0] = (unsigned char)n;
	p[1] = (unsigned char)(n >> 8);
	p[31] = 0xa5;
	return p;
}

/* One integer from SQL run on the database directly, or -1. */
static long long
sql_int(const char *sql)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*s = NULL;
	long long	 v = -1;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/*
 * The query plan of the orders list, its "detail" lines joined by "; ",
 * read on the database directly (the statement is the one store_sqlite.c uses).
 */
static void
order_list_plan(char *out, size_t len)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*s = NULL;
	size_t		 n = 0;
	const char	*d;

	out[0] = '\0';
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN "
	    "SELECT id, item, quantity, created_at FROM orders "
	    "WHERE username = ?1 AND id > ?2 ORDER BY id LIMIT ?3", -1, &s,
	    NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(s) == SQLITE_ROW && n < len) {
		d = (const char *)sqlite3_column_text(s, 3);
		n += (size_t)snprintf(out + n, len - n, "%s; ", d ? d : "");
	}
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
}

struct orders {
	struct order	 o[NPROC * NORDERS + 1];
	size_t		 n;
	size_t		 stop_after;	/* 0: walk them all */
};

static int
collect(const struct order *o, void *arg)
{
	struct orders	*list = arg;

	if (list->n < sizeof(list->o) / sizeof(list->o[0]))
		list->o[list->n] = *o;
	list->n++;
	return list->stop_after != 0 && list->n >= list->stop_after;
}

/* Everything a test needs in place: a store with user alice. */
static struct store *
with_alice(void)
{
	struct store	*st;

	setup();
	if ((st = open_store()) == NULL)
		return NULL;
	CHECK_INT(store_user_create(st, "alice", FAKEHASH, rhash(100), NOW,
	    NOW + HOUR, 60), STORE_OK);
	return st;
}

static void
test_open_creates_schema(void)
{
	struct store	*st;

	setup();
	st = open_store();
	CHECK_INT(sql_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CHECK_INT(sql_int("SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('users', 'orders', "
	    "'refresh_families', 'refresh_tokens')"), 4);
	store_close(st);
	teardown();
}

static void
test_open_uses_wal(void)
{
	struct store	*st;
	sqlite3		*db = NULL;
	sqlite3_stmt	*s = NULL;

	setup();
	st = open_store();
	CHECK_INT(sqlite3_open(dbpath, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL),
	    SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	store_close(st);
	teardown();
}

static void
test_reopen(void)
{
	struct store	*st;
	char		 hash[PWHASH_LEN] = "";

	if ((st = with_alice()) == NULL)
		return;
	store_close(st);
	st = open_store();
	CHECK_INT(sql_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	if (st != NULL) {
		CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
		CHECK_STR(hash, FAKEHASH);
	}
	store_close(st);
	teardown();
}

/*
 * A database of schema version 1 (before login throttling), as an older
 * build left it, migrates to the current version and keeps its rows.
 */
static void
test_migrates_v1(void)
{
	struct store	*st;
	sqlite3		*db = NULL;
	char		 hash[PWHASH_LEN] = "";
	struct store_limit lim = { { 1 }, 1, 0 };
	long		 retry = -1;

	setup();
	CHECK_INT(sqlite3_open(dbpath, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db,
	    "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL"
	    " UNIQUE, pwhash TEXT NOT NULL, created_at INTEGER NOT NULL);"
	    "CREATE TABLE orders (id INTEGER PRIMARY KEY, username TEXT NOT"
	    " NULL, item TEXT NOT NULL, quantity INTEGER NOT NULL, created_at"
	    " INTEGER NOT NULL);"
	    "CREATE TABLE refresh_families (id INTEGER PRIMARY KEY, username"
	    " TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);"
	    "CREATE TABLE refresh_tokens (id INTEGER PRIMARY KEY, hash BLOB NOT"
	    " NULL UNIQUE, family INTEGER NOT NULL, created_at INTEGER NOT NULL,"
	    " expires_at INTEGER NOT NULL, spent_at INTEGER);"
	    "INSERT INTO users (username, pwhash, created_at) VALUES"
	    " ('alice', '" FAKEHASH "', 1);"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_store();
	CHECK(st != NULL);
	CHECK_INT(sql_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	if (st != NULL) {
		CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
		CHECK_STR(hash, FAKEHASH);
		CHECK_INT(store_limit_take(st, &lim, 1, NOW, 60, &retry),
		    STORE_OK);
		CHECK_INT(retry, 0);
		CHECK_INT(store_limit_take(st, &lim, 1, NOW, 60, &retry),
		    STORE_OK);
		CHECK_INT(retry, 60);
	}
	store_close(st);
	teardown();
}

/*
 * A version 2 database (orders indexed by (username, id) only) migrates to
 * the covering index and keeps its orders, listed oldest first; its
 * login_failures table gives way to the throttle tables of version 4, and
 * users gain disabled_at (version 5).  The v2 file is today's schema with
 * the old index and table put back and the newer ones taken out; the
 * plan check is first shown to see that index as not covering.
 */
static void
test_migrates_v2_covering_index(void)
{
	struct store	*st;
	struct orders	 list;
	sqlite3		*db = NULL;
	char		 plan[512];

	setup();
	store_close(open_store());
	CHECK_INT(sqlite3_open(dbpath, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db,
	    "DROP INDEX orders_by_user;"
	    "CREATE INDEX orders_by_user ON orders (username, id);"
	    "DROP TABLE throttle; DROP TABLE login_known;"
	    "DROP TABLE deleted_users; ALTER TABLE users DROP COLUMN disabled_at;"
	    "CREATE TABLE login_failures (key BLOB PRIMARY KEY, failures"
	    " INTEGER NOT NULL, window_start INTEGER NOT NULL);"
	    "INSERT INTO orders (username, item, quantity, created_at) VALUES"
	    " ('alice', 'one', 1, 10), ('bob', 'other', 1, 11),"
	    " ('alice', 'two', 2, 12);"
	    "PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	order_list_plan(plan, sizeof(plan));
	CHECK(strstr(plan, "USING INDEX orders_by_user") != NULL);
	CHECK(strstr(plan, "COVERING") == NULL);	/* the control */

	st = open_store();
	CHECK(st != NULL);
	CHECK_INT(sql_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	order_list_plan(plan, sizeof(plan));
	CHECK(strstr(plan, "USING COVERING INDEX orders_by_user") != NULL);
	CHECK(strstr(plan, "TEMP B-TREE") == NULL);	/* no sort step */
	if (st != NULL) {
		memset(&list, 0, sizeof(list));
		CHECK_INT(store_order_list(st, "alice", 0, 1000000, collect, &list),
		    STORE_OK);
		CHECK_INT(list.n, 2);
		CHECK_STR(list.o[0].item, "one");
		CHECK_STR(list.o[1].item, "two");
		CHECK_INT(list.o[1].quantity, 2);
		CHECK_INT(list.o[1].created_at, 12);
	}
	CHECK_INT(sql_int("SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('throttle', 'login_known')"), 2);
	CHECK_INT(sql_int("SELECT count(*) FROM sqlite_master WHERE name = "
	    "'login_failures'"), 0);
	store_close(st);
	teardown();
}

/*
 * Version 6 holds the Idempotency-Key table, which common/store_key.c
 * made by itself at its first use before: a version 5 file without it
 * (pass 0) gets it, one that has it with a key (pass 1) keeps the key.
 * Either migrates once: opened again it is at version 6 with its keys.
 */
static void
test_migrates_v5_order_keys(void)
{
	struct store	*st;
	struct order	 o, o2;
	sqlite3		*db = NULL;
	int		 again, pass, i;

	for (pass = 0; pass < 2; pass++) {
		if ((st = with_alice()) == NULL)
			return;
		store_close(st);
		CHECK_INT(sqlite3_open(dbpath, &db), SQLITE_OK);
		CHECK_INT(sqlite3_exec(db, pass == 0 ?
		    "DROP TABLE order_keys; PRAGMA user_version = 5;" :
		    "INSERT INTO orders (username, item, quantity, created_at)"
		    " VALUES ('alice', 'old', 1, 1767225600);"
		    "INSERT INTO order_keys VALUES ('alice', 'k-old',"
		    " last_insert_rowid(), 1767225600);"
		    "PRAGMA user_version = 5;", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		CHECK_INT(sql_int("PRAGMA user_version"), 5);	/* controls */
		CHECK_INT(sql_int("SELECT count(*) FROM sqlite_master WHERE "
		    "name = 'order_keys'"), pass);
		for (i = 0; i < 2; i++) {
			if ((st = open_store()) == NULL)
				break;
			CHECK_INT(sql_int("PRAGMA user_version"), 6);
			CHECK_INT(sql_int("SELECT count(*) FROM sqlite_master "
			    "WHERE name IN ('order_keys', 'order_keys_created')"),
			    2);
			again = -1;
			CHECK_INT(store_order_add_key(st, "alice", "k-new", "new",
			    2, NOW + 1, NOW - 86400, &o, &again), STORE_OK);
			CHECK_INT(again, i);	/* added once, then found */
			CHECK_STR(o.item, "new");
			if (pass == 1) {
				CHECK_INT(store_order_add_key(st, "alice",
				    "k-old", "other", 1, NOW + 1, NOW - 86400,
				    &o2, &again), STORE_OK);
				CHECK_INT(again, 1);
				CHECK_STR(o2.item, "old");
			}
			store_close(st);
		}
		CHECK_INT(sql_int("SELECT count(*) FROM orders WHERE "
		    "item = 'new'"), 1);
		teardown();
	}
}

static void
test_newer_schema_refused(void)
{
	struct store	*st;
	sqlite3		*db = NULL;
	char		 err[256] = "";

	setup();
	CHECK_INT(sqlite3_open(dbpath, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	st = store_open(dbpath, err, sizeof(err));
	CHECK(st == NULL);
	CHECK(strstr(err, "DATABASE_PATH") != NULL);
	store_close(st);
	CHECK_INT(sql_int("PRAGMA user_version"), 99);
	teardown();
}

static void
test_open_missing_directory_fails(void)
{
	struct store	*st;
	char		 err[256] = "", path[192];

	setup();
	snprintf(path, sizeof(path), "%s/no/such/dir/auth.db", dir);
	st = store_open(path, err, sizeof(err));
	CHECK(st == NULL);
	CHECK(strstr(err, "DATABASE_PATH") != NULL);
	store_close(st);
	teardown();
}

static void
test_open_not_a_database_fails(void)
{
	struct store	*st;
	FILE		*fp;
	char		 err[256] = "";

	setup();
	if ((fp = fopen(dbpath, "w")) != NULL) {
		fputs("this is not an SQLite database, but it is long enough "
		    "to have a header of one hundred bytes in it, see? ok.\n",
		    fp);
		fclose(fp);
	}
	st = store_open(dbpath, err, sizeof(err));
	CHECK(st == NULL);
	CHECK(strstr(err, "DATABASE_PATH") != NULL);
	store_close(st);
	teardown();
}

static void
test_user_create_and_hash(void)
{
	struct store	*st;
	char		 hash[PWHASH_LEN] = "";

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
	CHECK_STR(hash, FAKEHASH);
	store_close(st);
	teardown();
}

static void
test_user_exists(void)
{
	struct store	*st;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_create(st, "alice", "$other", rhash(101), NOW,
	    NOW + HOUR, 60), STORE_EXISTS);
	CHECK_INT(store_user_create(st, "bob", FAKEHASH, rhash(102), NOW,
	    NOW + HOUR, 60), STORE_OK);
	store_close(st);
	teardown();
}

/* A refused sign-up leaves nothing behind: not its hash, not its token. */
static void
test_user_exists_keeps_nothing(void)
{
	struct store	*st;
	char		 hash[PWHASH_LEN] = "", user[USERNAME_MAX + 1];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_create(st, "alice", "$other", rhash(101), NOW,
	    NOW + HOUR, 60), STORE_EXISTS);
	CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
	CHECK_STR(hash, FAKEHASH);
	CHECK_INT(store_refresh_rotate(st, rhash(101), rhash(103), NOW + 1,
	    NOW + HOUR, user), STORE_INVALID);
	CHECK_INT(store_refresh_rotate(st, rhash(100), rhash(104), NOW + 1,
	    NOW + HOUR, user), STORE_OK);
	CHECK_STR(user, "alice");
	store_close(st);
	teardown();
}

static void
test_user_notfound(void)
{
	struct store	*st;
	char		 hash[PWHASH_LEN];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_hash(st, "bob", hash), STORE_NOTFOUND);
	CHECK_INT(store_user_hash(st, "Alice", hash), STORE_NOTFOUND);
	CHECK_INT(store_user_hash(st, "alice' OR '1'='1", hash),
	    STORE_NOTFOUND);
	store_close(st);
	teardown();
}

static void
test_user_set_hash(void)
{
	struct store	*st;
	char		 hash[PWHASH_LEN] = "";

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_set_hash(st, "alice", "$argon2id$new"),
	    STORE_OK);
	CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
	CHECK_STR(hash, "$argon2id$new");
	store_close(st);
	teardown();
}

static void
test_order_add_fills_out(void)
{
	struct store	*st;
	struct order	 o;

	if ((st = with_alice()) == NULL)
		return;
	memset(&o, 0, sizeof(o));
	CHECK_INT(store_order_add(st, "alice", "book", 2, NOW, &o), STORE_OK);
	CHECK(o.id > 0);
	CHECK_STR(o.item, "book");
	CHECK_INT(o.quantity, 2);
	CHECK_INT(o.created_at, NOW);
	store_close(st);
	teardown();
}

static void
test_orders_oldest_first(void)
{
	static struct orders	 list;
	struct store		*st;
	struct order		 o;

	if ((st = with_alice()) == NULL)
		return;
	memset(&list, 0, sizeof(list));
	/* Later created_at first: the order is by insertion, not by time. */
	CHECK_INT(store_order_add(st, "alice", "first", 1, NOW + 20, &o),
	    STORE_OK);
	CHECK_INT(store_order_add(st, "alice", "second", 2, NOW + 10, &o),
	    STORE_OK);
	CHECK_INT(store_order_add(st, "alice", "third", 3, NOW + 30, &o),
	    STORE_OK);
	CHECK_INT(store_order_list(st, "alice", 0, 1000000, collect, &list), STORE_OK);
	CHECK_INT(list.n, 3);
	CHECK_STR(list.o[0].item, "first");
	CHECK_STR(list.o[1].item, "second");
	CHECK_STR(list.o[2].item, "third");
	CHECK_INT(list.o[1].quantity, 2);
	CHECK_INT(list.o[1].created_at, NOW + 10);
	CHECK(list.o[0].id < list.o[1].id && list.o[1].id < list.o[2].id);
	store_close(st);
	teardown();
}

static void
test_orders_per_user(void)
{
	static struct orders	 list;
	struct store		*st;
	struct order		 o;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_order_add(st, "alice", "a1", 1, NOW, &o), STORE_OK);
	CHECK_INT(store_order_add(st, "bob", "b1", 1, NOW, &o), STORE_OK);
	CHECK_INT(store_order_add(st, "alice", "a2", 1, NOW, &o), STORE_OK);
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "bob", 0, 1000000, collect, &list), STORE_OK);
	CHECK_INT(list.n, 1);
	CHECK_STR(list.o[0].item, "b1");
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "alice", 0, 1000000, collect, &list), STORE_OK);
	CHECK_INT(list.n, 2);
	CHECK_STR(list.o[0].item, "a1");
	CHECK_STR(list.o[1].item, "a2");
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "carol", 0, 1000000, collect, &list), STORE_OK);
	CHECK_INT(list.n, 0);
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "alice' OR '1'='1", 0, 1000000, collect, &list),
	    STORE_OK);
	CHECK_INT(list.n, 0);
	store_close(st);
	teardown();
}

/* A callback that returns non-zero stops the walk; the store is usable. */
static void
test_orders_walk_stops(void)
{
	static struct orders	 list;
	struct store		*st;
	struct order		 o;
	int			 i;

	if ((st = with_alice()) == NULL)
		return;
	for (i = 0; i < 5; i++)
		CHECK_INT(store_order_add(st, "alice", "x", 1, NOW, &o),
		    STORE_OK);
	memset(&list, 0, sizeof(list));
	list.stop_after = 2;
	CHECK_INT(store_order_list(st, "alice", 0, 1000000, collect, &list), STORE_OK);
	CHECK_INT(list.n, 2);
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "alice", 0, 1000000, collect, &list), STORE_OK);
	CHECK_INT(list.n, 5);
	store_close(st);
	teardown();
}

static void
test_order_quantity_checked(void)
{
	struct store	*st;
	struct order	 o;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_order_add(st, "alice", "x", 0, NOW, &o), STORE_ERROR);
	CHECK_INT(store_order_add(st, "alice", "x", 1001, NOW, &o),
	    STORE_ERROR);
	CHECK_INT(store_order_add(st, "alice", "x", 1000, NOW, &o), STORE_OK);
	CHECK_INT(sql_int("SELECT count(*) FROM orders"), 1);
	store_close(st);
	teardown();
}

static void
test_order_item_length(void)
{
	struct store	*st;
	struct order	 o;
	char		 item[STORE_ITEM_MAX + 2];

	if ((st = with_alice()) == NULL)
		return;
	memset(item, 'i', sizeof(item) - 1);
	item[sizeof(item) - 1] = '\0';
	CHECK_INT(store_order_add(st, "alice", item, 1, NOW, &o), STORE_ERROR);
	item[STORE_ITEM_MAX] = '\0';
	CHECK_INT(store_order_add(st, "alice", item, 1, NOW, &o), STORE_OK);
	CHECK_INT(strlen(o.item), STORE_ITEM_MAX);
	store_close(st);
	teardown();
}

static void
test_refresh_rotate(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1] = "";

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(2), NOW + 1,
	    NOW + HOUR, user), STORE_OK);
	CHECK_STR(user, "alice");
	CHECK_INT(store_refresh_rotate(st, rhash(2), rhash(3), NOW + 2,
	    NOW + HOUR, user), STORE_OK);
	store_close(st);
	teardown();
}

/* RFC 6819 §5.2.2.3: a spent token presented again kills its family. */
static void
test_refresh_reuse_revokes_family(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(2), NOW + 1,
	    NOW + HOUR, user), STORE_OK);
	user[0] = '\0';
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(3), NOW + 2,
	    NOW + HOUR, user), STORE_REUSED);
	CHECK_STR(user, "alice");	/* the owner, for the security log */
	CHECK_INT(store_refresh_rotate(st, rhash(2), rhash(4), NOW + 3,
	    NOW + HOUR, user), STORE_INVALID);
	CHECK_INT(store_refresh_rotate(st, rhash(3), rhash(5), NOW + 3,
	    NOW + HOUR, user), STORE_INVALID);
	store_close(st);
	teardown();
}

/* Another login's family is not touched by a reuse in this one. */
static void
test_refresh_reuse_spares_other_family(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_refresh_issue(st, "alice", rhash(10), NOW,
	    NOW + HOUR), STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(2), NOW + 1,
	    NOW + HOUR, user), STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(3), NOW + 2,
	    NOW + HOUR, user), STORE_REUSED);
	CHECK_INT(store_refresh_rotate(st, rhash(10), rhash(11), NOW + 3,
	    NOW + HOUR, user), STORE_OK);
	store_close(st);
	teardown();
}

/*
 * A spent token replayed after it expired still revokes its family: the
 * descendants it spawned got fresh expiries and would live on otherwise.
 * The control is the same chain without the replay.
 */
static void
test_refresh_reuse_after_expiry_revokes_family(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];
	int		 replay;

	for (replay = 0; replay <= 1; replay++) {
		if ((st = with_alice()) == NULL)
			return;
		CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW,
		    NOW + 10), STORE_OK);
		CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(2), NOW + 5,
		    NOW + 15, user), STORE_OK);
		CHECK_INT(store_refresh_rotate(st, rhash(2), rhash(3), NOW + 12,
		    NOW + 22, user), STORE_OK);
		if (replay)	/* rhash(1) spent and expired at NOW + 10 */
			CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(9),
			    NOW + 13, NOW + 23, user), STORE_REUSED);
		CHECK_INT(store_refresh_rotate(st, rhash(3), rhash(4), NOW + 14,
		    NOW + 24, user), replay ? STORE_INVALID : STORE_OK);
		store_close(st);
		teardown();
	}
}

static void
test_refresh_expired(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + 10),
	    STORE_OK);
	CHECK_INT(store_refresh_issue(st, "alice", rhash(2), NOW, NOW + 10),
	    STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(3), NOW + 10,
	    NOW + HOUR, user), STORE_INVALID);
	CHECK_INT(store_refresh_rotate(st, rhash(2), rhash(4), NOW + 9,
	    NOW + HOUR, user), STORE_OK);
	store_close(st);
	teardown();
}

static void
test_refresh_unknown(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_rotate(st, rhash(77), rhash(78), NOW,
	    NOW + HOUR, user), STORE_INVALID);
	store_close(st);
	teardown();
}

static void
test_refresh_revoke(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_refresh_revoke(st, rhash(1), NOW + 1), STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(2), NOW + 2,
	    NOW + HOUR, user), STORE_INVALID);
	store_close(st);
	teardown();
}

static void
test_refresh_revoke_idempotent(void)
{
	struct store	*st;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_refresh_revoke(st, rhash(1), NOW + 1), STORE_OK);
	CHECK_INT(store_refresh_revoke(st, rhash(1), NOW + 2), STORE_OK);
	CHECK_INT(store_refresh_revoke(st, rhash(77), NOW + 2), STORE_OK);
	store_close(st);
	teardown();
}

/* Logging out with the newest token kills the whole chain. */
static void
test_refresh_revoke_family(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(2), NOW + 1,
	    NOW + HOUR, user), STORE_OK);
	CHECK_INT(store_refresh_revoke(st, rhash(1), NOW + 2), STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(2), rhash(3), NOW + 3,
	    NOW + HOUR, user), STORE_INVALID);
	store_close(st);
	teardown();
}

/* The token of store_user_create is the first of a family. */
static void
test_signup_token_rotates(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1] = "";

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_rotate(st, rhash(100), rhash(1), NOW + 1,
	    NOW + HOUR, user), STORE_OK);
	CHECK_STR(user, "alice");
	store_close(st);
	teardown();
}

/*
 * Run child(i) in n processes released together; codes[i] gets each exit
 * status (100 + signal for a killed child).  Returns 0 or -1.
 */
static int
run_children(int n, int (*child)(int), int *codes)
{
	pid_t	 pids[16];
	int	 fds[2], i, status;
	char	 c;

	if (n > 16 || pipe(fds) == -1)
		return -1;
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) == -1)
			return -1;
		if (pids[i] == 0) {
			close(fds[1]);
			/* Wait for the parent to close its end: all go. */
			while (read(fds[0], &c, 1) > 0)
				;
			_exit(child(i));
		}
	}
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) == -1)
			return -1;
		codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) :
		    100 + WTERMSIG(status);
	}
	return 0;
}

/*
 * The write queue's test sends, for each order, the order's id (its place
 * among the commits) and the ticket its write took (its place in the
 * queue) to the parent through qpipe.
 */
static int	 qpipe[2] = { -1, -1 };

struct qrecord {
	int64_t		 id;
	uint64_t	 ticket;
};

/*
 * Child i adds n orders as fast as it can, each sent to qpipe when report.
 * 0 all added, 1 a STORE_BUSY, 2 another failure, 3 no store, 4 no pipe.
 */
static int
add_orders(int i, int n, int report)
{
	struct store	*st;
	struct order	 o;
	struct qrecord	 r;
	char		 err[256], item[32];
	int		 k, rc = 0;

	if (report)
		close(qpipe[0]);
	if ((st = store_open(dbpath, err, sizeof(err))) == NULL)
		return 3;
	for (k = 0; k < n && rc == 0; k++) {
		snprintf(item, sizeof(item), "p%d-%d", i, k);
		switch (store_order_add(st, "alice", item, 1, NOW, &o)) {
		case STORE_OK:
			r.id = o.id;
			r.ticket = store_write_ticket(st);
			if (report && write(qpipe[1], &r, sizeof(r)) !=
			    (ssize_t)sizeof(r))
				rc = 4;
			break;
		case STORE_BUSY:
			rc = 1;
			break;
		default:
			rc = 2;
			break;
		}
	}
	store_close(st);
	return rc;
}

static int
child_orders(int i)
{
	return add_orders(i, NORDERS, 0);
}

static void
test_concurrent_orders(void)
{
	static struct orders	 list;
	struct store		*st;
	int			 codes[NPROC], i;

	if ((st = with_alice()) == NULL)
		return;
	store_close(st);
	CHECK_INT(run_children(NPROC, child_orders, codes), 0);
	for (i = 0; i < NPROC; i++)
		CHECK_INT(codes[i], 0);
	CHECK_INT(sql_int("SELECT count(*) FROM orders"), NPROC * NORDERS);
	if ((st = open_store()) != NULL) {
		memset(&list, 0, sizeof(list));
		CHECK_INT(store_order_list(st, "alice", 0, 1000000, collect, &list),
		    STORE_OK);
		CHECK_INT(list.n, NPROC * NORDERS);
	}
	store_close(st);
	teardown();
}

#define NQPROC		8
#define NQORDERS	60

static int
child_queued(int i)
{
	return add_orders(i, NQORDERS, 1);
}

static int
qrecord_by_id(const void *a, const void *b)
{
	const struct qrecord	*x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * NQPROC processes writing at once all succeed, and commit in exactly the
 * order of their tickets, which are handed out one after another: so a
 * writer waits for at most the writers that were already queued when it
 * took its ticket, one write each, NQPROC - 1 in all, however the
 * scheduler runs them.  (SQLite's busy handler alone let a writer lose
 * again and again.)  No clock is read: the bound is in commits.
 */
static void
test_queue_commits_in_ticket_order(void)
{
	static struct qrecord	 r[NQPROC * NQORDERS + 1];
	struct store		*st;
	ssize_t			 got;
	size_t			 n = 0, i;
	int			 codes[NQPROC], k, in_order = 1;

	if ((st = with_alice()) == NULL)
		return;
	CHECK(store_write_ticket(st) > 0);	/* alice's sign-up queued */
	store_close(st);
	if (pipe(qpipe) == -1) {
		CHECK(0);
		teardown();
		return;
	}
	CHECK_INT(run_children(NQPROC, child_queued, codes), 0);
	close(qpipe[1]);
	while (n < NQPROC * NQORDERS + 1 && (got = read(qpipe[0], &r[n],
	    sizeof(r[n]))) == (ssize_t)sizeof(r[n]))
		n++;
	close(qpipe[0]);
	for (k = 0; k < NQPROC; k++)
		CHECK_INT(codes[k], 0);
	CHECK_INT(n, NQPROC * NQORDERS);
	qsort(r, n, sizeof(r[0]), qrecord_by_id);
	for (i = 1; i < n; i++) {
		if (r[i].ticket != r[i - 1].ticket + 1) {
			fprintf(stderr, "  commit %zu: ticket %llu after %llu\n",
			    i, (unsigned long long)r[i].ticket,
			    (unsigned long long)r[i - 1].ticket);
			in_order = 0;
			break;
		}
	}
	CHECK(in_order);
	teardown();
}

/* Without a queue file to be had, writes still go, on SQLite's lock. */
static void
test_queue_unusable(void)
{
	struct store	*st;
	struct order	 o;
	char		 p[160];

	setup();
	snprintf(p, sizeof(p), "%s-queue", dbpath);
	CHECK_INT(mkdir(p, 0700), 0);	/* where the file would go */
	if ((st = open_store()) == NULL) {
		teardown();
		return;
	}
	CHECK_INT(store_order_add(st, "alice", "book", 1, NOW, &o),
	    STORE_OK);
	CHECK_INT(store_write_ticket(st), 0);
	store_close(st);
	teardown();
}

/* The queue file has the database's mode, whatever the umask. */
static void
test_queue_file_mode(void)
{
	struct store	*st;
	struct stat	 db, q;
	mode_t		 old;
	char		 p[160];

	setup();
	snprintf(p, sizeof(p), "%s-queue", dbpath);
	old = umask(0077);
	st = open_store();
	store_close(st);
	CHECK_INT(chmod(dbpath, 0640), 0);
	CHECK_INT(unlink(p), 0);
	umask(0);
	st = open_store();
	umask(old);
	CHECK_INT(stat(dbpath, &db), 0);
	CHECK_INT(stat(p, &q), 0);
	CHECK_INT(q.st_mode & 0777, 0640);
	CHECK_INT(q.st_mode & 0777, db.st_mode & 0777);
	store_close(st);
	teardown();
}

/* 0 rotated, 10 spent (a reuse) or revoked by one, 20 + rc otherwise, 3 no
 * store. */
static int
child_rotate(int i)
{
	struct store	*st;
	char		 err[256], user[USERNAME_MAX + 1];
	enum store_rc	 rc;

	if ((st = store_open(dbpath, err, sizeof(err))) == NULL)
		return 3;
	rc = store_refresh_rotate(st, rhash(1), rhash(2 + i), NOW + 1,
	    NOW + HOUR, user);
	store_close(st);
	if (rc == STORE_OK)
		return strcmp(user, "alice") == 0 ? 0 : 30;
	return rc == STORE_REUSED || rc == STORE_INVALID ? 10 : 20 + (int)rc;
}

static void
test_concurrent_rotate_one_wins(void)
{
	struct store	*st;
	int		 codes[NPROC], i, ok = 0, invalid = 0;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	store_close(st);
	CHECK_INT(run_children(NPROC, child_rotate, codes), 0);
	for (i = 0; i < NPROC; i++) {
		if (codes[i] == 0)
			ok++;
		else if (codes[i] == 10)
			invalid++;
		else
			fprintf(stderr, "  child %d exited %d\n", i, codes[i]);
	}
	CHECK_INT(ok, 1);
	CHECK_INT(invalid, NPROC - 1);
	/* The losers presented a spent token: the family is revoked. */
	CHECK_INT(sql_int("SELECT count(*) FROM refresh_families "
	    "WHERE revoked_at IS NULL"), 1);	/* alice's sign-up family */
	teardown();
}

/* 0 opened and wrote, 1 a write failed, 3 no store. */
static int
child_first_open(int i)
{
	struct store	*st;
	struct order	 o;
	char		 err[256];
	int		 rc;

	if ((st = store_open(dbpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "  child %d: %s\n", i, err);
		return 3;
	}
	rc = store_order_add(st, "alice", "x", 1, NOW, &o) == STORE_OK ? 0 : 1;
	store_close(st);
	return rc;
}

/*
 * The three executables start together on a fresh database.  A lost race
 * shows only now and then, so try a few rounds and stop at the first.
 */
static void
test_concurrent_first_open(void)
{
	int	 codes[NPROC], i, round, opened;

	for (round = 0; round < 50; round++) {
		setup();
		CHECK_INT(run_children(NPROC, child_first_open, codes), 0);
		for (i = opened = 0; i < NPROC; i++)
			opened += codes[i] == 0;
		CHECK_INT(opened, NPROC);
		CHECK_INT(sql_int("SELECT count(*) FROM orders"), opened);
		CHECK_INT(sql_int("PRAGMA user_version"),
		    STORE_SCHEMA_VERSION);
		teardown();
		if (opened != NPROC) {
			fprintf(stderr, "  round %d of 50 failed\n", round + 1);
			break;
		}
	}
}

static void
test_close_null(void)
{
	store_close(NULL);
	CHECK(store_errmsg(NULL) != NULL);
}

/* A store_limit with key byte k and the given max. */
static struct store_limit
limit(int k, long max)
{
	struct store_limit	 l;

	memset(&l, 0, sizeof(l));
	l.key[0] = (unsigned char)k;
	l.max = max;
	return l;
}

/*
 * All or nothing: once one counter is full, an attempt counts on none of
 * them.  B (max 100) took two hits with A; checked alone at max 3, it
 * takes one more and then refuses: the refused attempts on A+B left B
 * alone.
 */
static void
test_limit_take_all_or_nothing(void)
{
	struct store		*st;
	struct store_limit	 l[2];
	long			 retry = -1;
	int			 i;

	setup();
	if ((st = open_store()) == NULL)
		return;
	l[0] = limit(1, 2);
	l[1] = limit(2, 100);
	for (i = 0; i < 2; i++) {
		CHECK_INT(store_limit_take(st, l, 2, NOW, 60, &retry),
		    STORE_OK);
		CHECK_INT(retry, 0);
	}
	for (i = 0; i < 3; i++) {
		CHECK_INT(store_limit_take(st, l, 2, NOW + 10, 60, &retry),
		    STORE_OK);
		CHECK_INT(retry, 50);	/* A's window: NOW to NOW + 60 */
	}
	l[1].max = 3;
	CHECK_INT(store_limit_take(st, &l[1], 1, NOW + 10, 60, &retry),
	    STORE_OK);
	CHECK_INT(retry, 0);
	CHECK_INT(store_limit_take(st, &l[1], 1, NOW + 10, 60, &retry),
	    STORE_OK);
	CHECK_INT(retry, 50);
	store_close(st);
	teardown();
}

/* A full counter's window ends; then it counts from zero again. */
static void
test_limit_window_ends(void)
{
	struct store		*st;
	struct store_limit	 l = limit(1, 1);
	long			 retry = -1;

	setup();
	if ((st = open_store()) == NULL)
		return;
	CHECK_INT(store_limit_take(st, &l, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(retry, 0);
	CHECK_INT(store_limit_take(st, &l, 1, NOW + 59, 60, &retry), STORE_OK);
	CHECK_INT(retry, 1);
	CHECK_INT(store_limit_take(st, &l, 1, NOW + 60, 60, &retry), STORE_OK);
	CHECK_INT(retry, 0);
	CHECK_INT(store_limit_take(st, &l, 1, NOW + 61, 60, &retry), STORE_OK);
	CHECK_INT(retry, 59);
	store_close(st);
	teardown();
}

/* max 0 counts but never refuses: the hits show once a max is set. */
static void
test_limit_count_only(void)
{
	struct store		*st;
	struct store_limit	 l = limit(1, 0);
	long			 retry = -1;
	int			 i;

	setup();
	if ((st = open_store()) == NULL)
		return;
	for (i = 0; i < 5; i++) {
		CHECK_INT(store_limit_take(st, &l, 1, NOW, 60, &retry),
		    STORE_OK);
		CHECK_INT(retry, 0);
	}
	l.max = 5;
	CHECK_INT(store_limit_take(st, &l, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(retry, 60);
	store_close(st);
	teardown();
}

/* A hit given back no longer counts; one taken before a window reopened
 * is not taken out of the new window. */
static void
test_limit_give_back(void)
{
	struct store		*st;
	struct store_limit	 l = limit(1, 1);
	long			 retry = -1;

	setup();
	if ((st = open_store()) == NULL)
		return;
	CHECK_INT(store_limit_take(st, &l, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(store_limit_give_back(st, &l, 1, NOW), STORE_OK);
	CHECK_INT(store_limit_take(st, &l, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(retry, 0);
	/* Control: without the give-back it is full. */
	CHECK_INT(store_limit_take(st, &l, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(retry, 60);
	/* The window reopens at NOW + 100; a hit from NOW + 30 stays. */
	CHECK_INT(store_limit_take(st, &l, 1, NOW + 100, 60, &retry),
	    STORE_OK);
	CHECK_INT(store_limit_give_back(st, &l, 1, NOW + 30), STORE_OK);
	CHECK_INT(store_limit_take(st, &l, 1, NOW + 100, 60, &retry),
	    STORE_OK);
	CHECK_INT(retry, 60);
	store_close(st);
	teardown();
}

/* A login clears its pair, gives back the others' hits and remembers the
 * address until forget_before. */
static void
test_login_succeeded(void)
{
	struct store		*st;
	struct store_limit	 pair = limit(1, 2), other = limit(2, 1);
	unsigned char		 known[STORE_KEYLEN] = { 9 };
	long			 retry = -1;
	int			 k = -1;

	setup();
	if ((st = open_store()) == NULL)
		return;
	CHECK_INT(store_login_known(st, known, NOW - HOUR, &k), STORE_OK);
	CHECK_INT(k, 0);
	CHECK_INT(store_limit_take(st, &pair, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(store_limit_take(st, &pair, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(store_limit_take(st, &other, 1, NOW, 60, &retry), STORE_OK);
	CHECK_INT(store_login_succeeded(st, &pair, &other, 1, known, NOW,
	    NOW + 1, NOW - HOUR), STORE_OK);
	CHECK_INT(store_login_known(st, known, NOW - HOUR, &k), STORE_OK);
	CHECK_INT(k, 1);
	CHECK_INT(store_login_known(st, known, NOW + 1, &k), STORE_OK);
	CHECK_INT(k, 0);		/* only logins after since count */
	CHECK_INT(store_limit_take(st, &pair, 1, NOW + 2, 60, &retry),
	    STORE_OK);
	CHECK_INT(retry, 0);		/* cleared: two more would fit */
	CHECK_INT(store_limit_take(st, &other, 1, NOW + 2, 60, &retry),
	    STORE_OK);
	CHECK_INT(retry, 0);		/* given back */
	CHECK_INT(sql_int("SELECT count(*) FROM login_known"), 1);
	/* Remembering anew forgets what is older than forget_before. */
	known[0] = 10;
	CHECK_INT(store_login_succeeded(st, NULL, NULL, 0, known, NOW,
	    NOW + 2 * HOUR, NOW + 2), STORE_OK);
	CHECK_INT(sql_int("SELECT count(*) FROM login_known"), 1);
	store_close(st);
	teardown();
}

/* 0 took a hit, 1 refused, 3 no store, 4 a store error. */
static int
child_take(int i)
{
	struct store		*st;
	struct store_limit	 l = limit(7, 3);
	char			 err[256];
	long			 retry;
	int			 rc;

	(void)i;
	if ((st = store_open(dbpath, err, sizeof(err))) == NULL)
		return 3;
	rc = store_limit_take(st, &l, 1, NOW, 60, &retry) != STORE_OK ? 4 :
	    retry == 0 ? 0 : 1;
	store_close(st);
	return rc;
}

/* Processes taking at once: exactly max of them get through. */
static void
test_concurrent_limit_take(void)
{
	int	 codes[16], i, took = 0, refused = 0;

	setup();
	store_close(open_store());
	CHECK_INT(run_children(16, child_take, codes), 0);
	for (i = 0; i < 16; i++) {
		took += codes[i] == 0;
		refused += codes[i] == 1;
	}
	CHECK_INT(took, 3);
	CHECK_INT(refused, 13);
	teardown();
}

/*
 * A login that verified the old hash rehashes it only while it is still
 * that hash: a password reset made between the check and the rehash wins.
 */
static void
test_user_rehash_loses_to_reset(void)
{
	struct store	*st;
	char		 seen[PWHASH_LEN] = "", hash[PWHASH_LEN] = "";

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_hash(st, "alice", seen), STORE_OK);
	CHECK_INT(store_user_set_hash(st, "alice", "$argon2id$reset"),
	    STORE_OK);
	CHECK_INT(store_user_rehash(st, "alice", seen, "$argon2id$rehash"),
	    STORE_NOTFOUND);
	CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
	CHECK_STR(hash, "$argon2id$reset");
	/* Control: with no reset between, the rehash applies. */
	CHECK_INT(store_user_rehash(st, "alice", "$argon2id$reset",
	    "$argon2id$rehash"), STORE_OK);
	CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
	CHECK_STR(hash, "$argon2id$rehash");
	store_close(st);
	teardown();
}

/* Pages: limit orders after an id, oldest first. */
static void
test_orders_page(void)
{
	struct store	*st;
	struct orders	 list;
	struct order	 o;
	int		 i;

	if ((st = with_alice()) == NULL)
		return;
	for (i = 0; i < 5; i++)
		CHECK_INT(store_order_add(st, "alice", "x", i + 1, NOW, &o),
		    STORE_OK);
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "alice", 0, 2, collect, &list),
	    STORE_OK);
	CHECK_INT(list.n, 2);
	CHECK_INT(list.o[0].quantity, 1);
	CHECK_INT(list.o[1].quantity, 2);
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "alice", o.id - 2, 10, collect, &list),
	    STORE_OK);
	CHECK_INT(list.n, 2);
	CHECK_INT(list.o[0].quantity, 4);
	CHECK_INT(list.o[1].quantity, 5);
	memset(&list, 0, sizeof(list));
	CHECK_INT(store_order_list(st, "alice", o.id, 10, collect, &list),
	    STORE_OK);
	CHECK_INT(list.n, 0);
	store_close(st);
	teardown();
}

/* A disabled user: no hash for a login, no rotation; enable undoes the
 * first, not the second (the sessions ended). */
static void
test_user_disable_enable(void)
{
	struct store	*st;
	char		 hash[PWHASH_LEN], user[USERNAME_MAX + 1];
	int		 n = -1, disabled = -1;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_user_disable(st, "alice", NOW + 1, &n), STORE_OK);
	CHECK_INT(n, 2);	/* the sign-up's session and the login's */
	CHECK_INT(store_user_state(st, "alice", &disabled), STORE_OK);
	CHECK_INT(disabled, 1);
	CHECK_INT(store_user_hash(st, "alice", hash), STORE_NOTFOUND);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(2), NOW + 2,
	    NOW + HOUR, user), STORE_INVALID);
	CHECK_INT(store_user_enable(st, "alice"), STORE_OK);
	CHECK_INT(store_user_state(st, "alice", &disabled), STORE_OK);
	CHECK_INT(disabled, 0);
	CHECK_INT(store_user_hash(st, "alice", hash), STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(1), rhash(3), NOW + 3,
	    NOW + HOUR, user), STORE_INVALID);
	CHECK_INT(store_user_disable(st, "bob", NOW, &n), STORE_NOTFOUND);
	CHECK_INT(store_user_enable(st, "bob"), STORE_NOTFOUND);
	CHECK_INT(store_user_state(st, "bob", &disabled), STORE_NOTFOUND);
	store_close(st);
	teardown();
}

/* Delete: the user and their tokens; orders only when asked; the name
 * stays taken for reserve seconds and while kept orders remain. */
static void
test_user_delete(void)
{
	struct store	*st;
	struct order	 o;
	char		 user[USERNAME_MAX + 1];
	int		 sessions = -1, orders = -1;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_create(st, "bob", FAKEHASH, rhash(50), NOW,
	    NOW + HOUR, 60), STORE_OK);
	CHECK_INT(store_order_add(st, "alice", "a", 1, NOW, &o), STORE_OK);
	CHECK_INT(store_order_add(st, "bob", "b", 1, NOW, &o), STORE_OK);
	CHECK_INT(store_user_delete(st, "alice", 0, NOW, &sessions, &orders),
	    STORE_OK);
	CHECK_INT(sessions, 1);
	CHECK_INT(orders, 0);
	CHECK_INT(store_refresh_rotate(st, rhash(100), rhash(101), NOW + 1,
	    NOW + HOUR, user), STORE_INVALID);
	CHECK_INT(sql_int("SELECT count(*) FROM orders WHERE username = "
	    "'alice'"), 1);
	/* Kept orders hold the name, however long after. */
	CHECK_INT(store_user_create(st, "alice", FAKEHASH, rhash(102),
	    NOW + 3600, NOW + HOUR, 60), STORE_EXISTS);
	/* Deleting again with the orders frees it: nothing else is left. */
	CHECK_INT(store_user_delete(st, "alice", 0, NOW + 3600, &sessions,
	    &orders), STORE_NOTFOUND);
	CHECK_INT(store_user_delete(st, "alice", 1, NOW + 3600, &sessions,
	    &orders), STORE_OK);
	CHECK_INT(orders, 1);
	CHECK_INT(store_user_create(st, "alice", FAKEHASH, rhash(105),
	    NOW + 3660, NOW + HOUR, 60), STORE_OK);
	CHECK_INT(store_user_delete(st, "bob", 1, NOW, &sessions, &orders),
	    STORE_OK);
	CHECK_INT(orders, 1);
	CHECK_INT(sql_int("SELECT count(*) FROM orders"), 0);
	CHECK_INT(store_user_create(st, "bob", FAKEHASH, rhash(103), NOW + 59,
	    NOW + HOUR, 60), STORE_EXISTS);
	CHECK_INT(store_user_create(st, "bob", FAKEHASH, rhash(104), NOW + 60,
	    NOW + HOUR, 60), STORE_OK);
	CHECK_INT(store_user_delete(st, "carol", 1, NOW, &sessions, &orders),
	    STORE_NOTFOUND);
	store_close(st);
	teardown();
}

/*
 * A login that checked the password before its user was deleted or
 * disabled gets no session: store_refresh_issue looks again under the
 * write lock.  And a token of a user deleted since is unknown.
 */
static void
test_refresh_issue_after_delete_or_disable(void)
{
	struct store	*st;
	char		 user[USERNAME_MAX + 1];
	int		 sessions, orders;

	if ((st = with_alice()) == NULL)
		return;
	CHECK_INT(store_user_create(st, "bob", FAKEHASH, rhash(50), NOW,
	    NOW + HOUR, 60), STORE_OK);
	CHECK_INT(store_user_disable(st, "bob", NOW, &sessions), STORE_OK);
	CHECK_INT(store_refresh_issue(st, "bob", rhash(51), NOW, NOW + HOUR),
	    STORE_NOTFOUND);
	CHECK_INT(store_user_enable(st, "bob"), STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(51), rhash(52), NOW + 1,
	    NOW + HOUR, user), STORE_INVALID);	/* none was made */
	CHECK_INT(store_user_delete(st, "alice", 0, NOW, &sessions, &orders),
	    STORE_OK);
	CHECK_INT(store_refresh_issue(st, "alice", rhash(1), NOW, NOW + HOUR),
	    STORE_NOTFOUND);
	/* Control: a live user gets a session. */
	CHECK_INT(store_refresh_issue(st, "bob", rhash(53), NOW, NOW + HOUR),
	    STORE_OK);
	CHECK_INT(store_refresh_rotate(st, rhash(53), rhash(54), NOW + 1,
	    NOW + HOUR, user), STORE_OK);
	/* A family left from before the check (as an older build could
	 * leave) dies with its user: the token is unknown. */
	CHECK_INT(store_user_delete(st, "bob", 0, NOW + 2, &sessions, &orders),
	    STORE_OK);
	CHECK_INT(sql_int("SELECT count(*) FROM refresh_tokens t JOIN "
	    "refresh_families f ON f.id = t.family WHERE f.username = 'bob'"),
	    0);
	store_close(st);
	teardown();
}

UNIT_TESTS(
	T(test_open_creates_schema),
	T(test_open_uses_wal),
	T(test_reopen),
	T(test_migrates_v1),
	T(test_migrates_v2_covering_index),
	T(test_migrates_v5_order_keys),
	T(test_newer_schema_refused),
	T(test_open_missing_directory_fails),
	T(test_open_not_a_database_fails),
	T(test_user_create_and_hash),
	T(test_user_exists),
	T(test_user_exists_keeps_nothing),
	T(test_user_notfound),
	T(test_user_set_hash),
	T(test_user_disable_enable),
	T(test_user_delete),
	T(test_refresh_issue_after_delete_or_disable),
	T(test_user_rehash_loses_to_reset),
	T(test_orders_page),
	T(test_limit_take_all_or_nothing),
	T(test_limit_window_ends),
	T(test_limit_count_only),
	T(test_limit_give_back),
	T(test_login_succeeded),
	T(test_concurrent_limit_take),
	T(test_order_add_fills_out),
	T(test_orders_oldest_first),
	T(test_orders_per_user),
	T(test_orders_walk_stops),
	T(test_order_quantity_checked),
	T(test_order_item_length),
	T(test_refresh_rotate),
	T(test_refresh_reuse_revokes_family),
	T(test_refresh_reuse_spares_other_family),
	T(test_refresh_reuse_after_expiry_revokes_family),
	T(test_refresh_expired),
	T(test_refresh_unknown),
	T(test_refresh_revoke),
	T(test_refresh_revoke_idempotent),
	T(test_refresh_revoke_family),
	T(test_signup_token_rotates),
	T(test_concurrent_orders),
	T(test_concurrent_rotate_one_wins),
	T(test_concurrent_first_open),
	T(test_queue_commits_in_ticket_order),
	T(test_queue_unusable),
	T(test_queue_file_mode),
	T(test_close_null),
);
