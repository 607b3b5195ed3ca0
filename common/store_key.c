/* SPDX-License-Identifier: ISC */
/*
 * Idempotency keys on SQLite: store_order_add_key for the SQLite store.
 * The keys live in a table of their own, order_keys, in the store's
 * file, made by its schema migration (version 6, common/store_sqlite.c,
 * which has run when this opens); this file has a connection of its own
 * to it (WAL, synchronous=FULL, the same busy timeout), so the prepared
 * statements of store_sqlite.c stay as they are.  Each add runs in one
 * BEGIN IMMEDIATE transaction: the look-up of the key, the order and the
 * key's row commit together or not at all, and two adds with one key run
 * one after the other, the second finding the first's order.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/store.h"
#include "common/sqlite_rc.h"
#include "common/store_backend.h"

#define STORE_KEY_BUSY_MS	5000

struct store_key {
	char	*path;
	sqlite3	*db;		/* opened at the first add */
};

struct store_key *
store_key_open(const char *path)
{
	struct store_key	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((k->path = strdup(path)) == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

void
store_key_close(struct store_key *k)
{
	if (k == NULL)
		return;
	sqlite3_close(k->db);
	free(k->path);
	free(k);
}

/* The connection, opened once; NULL on failure. */
static sqlite3 *
store_key_db(struct store_key *k)
{
	if (k->db != NULL)
		return k->db;
	if (sqlite3_open_v2(k->path, &k->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(k->db, STORE_KEY_BUSY_MS);
	/* synchronous is per connection: a 201 only once on disk. */
	if (sqlite3_exec(k->db, "PRAGMA synchronous = FULL", NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	return k->db;
fail:
	sqlite3_close(k->db);
	k->db = NULL;
	return NULL;
}

/* Prepare sql with text parameters 1 and 2 (user, key) bound. */
static int
store_key_prepare(sqlite3 *db, const char *sql, const char *user,
    const char *key, sqlite3_stmt **s)
{
	int	 rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, s, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(*s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(*s, 2, key, -1, SQLITE_STATIC);
	return SQLITE_OK;
}

/* The order kept under (user, key) after since, into out: SQLITE_ROW,
 * or SQLITE_DONE for none. */
static int
store_key_find(sqlite3 *db, const char *user, const char *key,
    time_t since, struct order *out)
{
	sqlite3_stmt	*s = NULL;
	const char	*item;
	int		 rc, n;

	if ((rc = store_key_prepare(db, "SELECT o.id, o.item, o.quantity, "
	    "o.created_at FROM order_keys k JOIN orders o ON o.id = k.order_id "
	    "WHERE k.username = ?1 AND k.key = ?2 AND k.created_at > ?3",
	    user, key, &s)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 3, since);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		item = (const char *)sqlite3_column_text(s, 1);
		n = sqlite3_column_bytes(s, 1);
		if (item == NULL || n < 0 || n > STORE_ITEM_MAX)
			rc = SQLITE_CORRUPT;
		else {
			out->id = sqlite3_column_int64(s, 0);
			memcpy(out->item, item, (size_t)n);
			out->item[n] = '\0';
			out->quantity = sqlite3_column_int(s, 2);
			out->created_at = sqlite3_column_int64(s, 3);
		}
	}
	sqlite3_finalize(s);
	return rc;
}

/* Add the order and keep its id under (user, key); drop keys long past. */
static int
store_key_add(sqlite3 *db, const char *user, const char *key,
    const char *item, int quantity, time_t now, time_t since,
    struct order *out)
{
	sqlite3_stmt	*s = NULL;
	size_t		 len = strlen(item);
	int		 rc;

	if ((rc = store_key_prepare(db, "INSERT INTO orders (username, item, "
	    "quantity, created_at) VALUES (?1, ?3, ?4, ?5)", user, key,
	    &s)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(s, 3, item, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, quantity);
	sqlite3_bind_int64(s, 5, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	out->id = sqlite3_last_insert_rowid(db);
	memcpy(out->item, item, len + 1);
	out->quantity = quantity;
	out->created_at = now;
	if ((rc = store_key_prepare(db, "INSERT INTO order_keys (username, "
	    "key, order_id, created_at) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (username, key) DO UPDATE SET order_id = ?3, "
	    "created_at = ?4", user, key, &s)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 3, out->id);
	sqlite3_bind_int64(s, 4, now);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	if ((rc = sqlite3_prepare_v2(db, "DELETE FROM order_keys "
	    "WHERE created_at <= ?", -1, &s, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, since);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc;
}

enum store_rc
store_key_order_add(struct store_key *k, const char *user, const char *key,
    const char *item, int quantity, time_t now, time_t since,
    struct order *out, int *again)
{
	sqlite3	*db;
	int	 rc;

	*again = 0;
	if (strlen(item) > STORE_ITEM_MAX)
		return STORE_ERROR;
	if ((db = store_key_db(k)) == NULL)
		return STORE_ERROR;
	if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return sqlite_rc_status(rc);
	rc = store_key_find(db, user, key, since, out);
	if (rc == SQLITE_ROW) {
		*again = 1;
		rc = SQLITE_DONE;
	} else if (rc == SQLITE_DONE)
		rc = store_key_add(db, user, key, item, quantity, now, since,
		    out);
	if (rc == SQLITE_DONE)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*again = 0;
		if (!sqlite3_get_autocommit(db))
			(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return sqlite_rc_status(rc);
}
