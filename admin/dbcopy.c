/* SPDX-License-Identifier: ISC */
/*
 * authctl db copy: the SQLite store's rows into an empty PostgreSQL
 * schema, in one transaction on each side (a read snapshot of SQLite, one
 * transaction on PostgreSQL that commits only once the counts agree).
 * Ids are kept (orders, families, tokens), so order ids and page cursors
 * mean the same afterwards, and the sequences go on after the largest.
 */
#include <sys/types.h>

#include <dirent.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "common/store.h"

#include "admin/dbcopy.h"

#define DBCOPY_COLS		6
#define DBCOPY_SPENT_KEEP	86400	/* as the store: spent tokens a day */

/* One table: what is read from SQLite, what is written to PostgreSQL. */
struct dbcopy_table {
	const char	*name;
	const char	*select;	/* SQLite; ?1: now - a day */
	const char	*insert;	/* PostgreSQL, $1... per column */
	unsigned	 binary;	/* bit i: column i is a blob (bytea) */
	size_t		 count;		/* offset of its count in the counts */
};

static const struct dbcopy_table dbcopy_tables[] = {
	{ "users", "SELECT username, pwhash, created_at, disabled_at "
	    "FROM users",
	    "INSERT INTO users (username, pwhash, created_at, disabled_at) "
	    "VALUES ($1, $2, $3, $4)", 0,
	    offsetof(struct dbcopy_counts, users) },
	{ "orders", "SELECT id, username, item, quantity, created_at "
	    "FROM orders",
	    "INSERT INTO orders (id, username, item, quantity, created_at) "
	    "VALUES ($1, $2, $3, $4, $5)", 0,
	    offsetof(struct dbcopy_counts, orders) },
	/* The live sessions of users that exist: the rest is history. */
	{ "refresh_families", "SELECT id, username, created_at "
	    "FROM refresh_families WHERE revoked_at IS NULL "
	    "AND username IN (SELECT username FROM users)",
	    "INSERT INTO refresh_families (id, username, created_at) "
	    "VALUES ($1, $2, $3)", 0,
	    offsetof(struct dbcopy_counts, families) },
	/* Their tokens, spent ones too while they can catch a reuse. */
	{ "refresh_tokens", "SELECT t.id, t.hash, t.family, t.created_at, "
	    "t.expires_at, t.spent_at FROM refresh_tokens t "
	    "JOIN refresh_families f ON f.id = t.family "
	    "WHERE f.revoked_at IS NULL "
	    "AND f.username IN (SELECT username FROM users) "
	    "AND t.expires_at >= ?1",
	    "INSERT INTO refresh_tokens (id, hash, family, created_at, "
	    "expires_at, spent_at) VALUES ($1, $2, $3, $4, $5, $6)", 1u << 1,
	    offsetof(struct dbcopy_counts, tokens) },
	{ "deleted_users", "SELECT username, deleted_at FROM deleted_users",
	    "INSERT INTO deleted_users (username, deleted_at) "
	    "VALUES ($1, $2)", 0,
	    offsetof(struct dbcopy_counts, deleted) },
};

/* The tables whose ids come from a sequence, to go on after the copy. */
static const char *const dbcopy_serials[] = {
	"users", "orders", "refresh_families", "refresh_tokens",
};

/*
 * The PID of another process that has the file at path, its -wal or its
 * -shm open, or 0 for none (that this process may see: run as root, or
 * as the service's user, to see the service).
 */
static pid_t
dbcopy_in_use(const char *path)
{
	char		 real[PATH_MAX], want[3][PATH_MAX + 8];
	char		 fd[320], link[PATH_MAX + 8];
	struct dirent	*p, *f;
	DIR		*proc, *fds;
	pid_t		 pid, self = getpid(), found = 0;
	ssize_t		 n;
	int		 i;

	if (realpath(path, real) == NULL)
		return 0;
	snprintf(want[0], sizeof(want[0]), "%s", real);
	snprintf(want[1], sizeof(want[1]), "%s-wal", real);
	snprintf(want[2], sizeof(want[2]), "%s-shm", real);
	if ((proc = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (p = readdir(proc)) != NULL) {
		if ((pid = (pid_t)strtol(p->d_name, NULL, 10)) <= 0 ||
		    pid == self)
			continue;
		snprintf(fd, sizeof(fd), "/proc/%d/fd", (int)pid);
		if ((fds = opendir(fd)) == NULL)
			continue;
		while (found == 0 && (f = readdir(fds)) != NULL) {
			snprintf(fd, sizeof(fd), "/proc/%d/fd/%s", (int)pid,
			    f->d_name);
			if ((n = readlink(fd, link, sizeof(link) - 1)) <= 0)
				continue;
			link[n] = '\0';
			for (i = 0; i < 3; i++)
				if (strcmp(link, want[i]) == 0)
					found = pid;
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* Run sql on conn; 0, or -1 with PostgreSQL's reason in err. */
static int
dbcopy_pg(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult	*r = PQexec(conn, sql);
	int		 rc = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "db copy: %s", PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/* How many rows a table of conn holds, or -1. */
static long
dbcopy_pg_count(PGconn *conn, const char *table)
{
	PGresult	*r;
	char		 sql[128];
	long		 n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	r = PQexec(conn, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

/* Copy one table's rows; *count gets how many.  0, or -1 with err. */
static int
dbcopy_table(sqlite3 *db, PGconn *conn, const struct dbcopy_table *t,
    time_t now, long *count, char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	PGresult	*r;
	const char	*v[DBCOPY_COLS];
	int		 len[DBCOPY_COLS], fmt[DBCOPY_COLS];
	int		 i, ncol, rc, ret = -1;

	*count = 0;
	if (sqlite3_prepare_v2(db, t->select, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "db copy: cannot read %s: %s", t->name,
		    sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int64(s, 1, now - DBCOPY_SPENT_KEEP);
	ncol = sqlite3_column_count(s);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < ncol && i < DBCOPY_COLS; i++) {
			fmt[i] = (t->binary >> i) & 1;
			v[i] = fmt[i] ? sqlite3_column_blob(s, i) :
			    (const char *)sqlite3_column_text(s, i);
			len[i] = sqlite3_column_bytes(s, i);
			if (sqlite3_column_type(s, i) == SQLITE_NULL)
				v[i] = NULL;
		}
		r = PQexecParams(conn, t->insert, ncol, NULL, v, len, fmt, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "db copy: cannot write %s: %s",
			    t->name, PQerrorMessage(conn));
			err[strcspn(err, "\n")] = '\0';
			PQclear(r);
			goto out;
		}
		PQclear(r);
		(*count)++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "db copy: cannot read %s: %s", t->name,
		    sqlite3_errmsg(db));
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	return ret;
}

/* Make (or check) the schema through the store, then connect for the
 * copy.  NULL with err on failure. */
static PGconn *
dbcopy_connect(const char *url, char *err, size_t errlen)
{
	const char *const	 kw[] = { "connect_timeout", "dbname", NULL };
	const char		*val[] = { "5", url, NULL };
	struct store		*st;
	PGconn			*conn;

	if ((st = store_connect(url, NULL, err, errlen)) == NULL)
		return NULL;
	if (store_ping(st) != STORE_OK) {
		snprintf(err, errlen, "db copy: %s", store_errmsg(st));
		store_close(st);
		return NULL;
	}
	store_close(st);
	conn = PQconnectdbParams(kw, val, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		snprintf(err, errlen, "db copy: cannot connect: %s",
		    PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* 0 when every table of ours is empty; -1 with err otherwise. */
static int
dbcopy_empty(PGconn *conn, char *err, size_t errlen)
{
	size_t	 i;
	long	 n;

	for (i = 0; i < sizeof(dbcopy_tables) / sizeof(dbcopy_tables[0]);
	    i++) {
		if ((n = dbcopy_pg_count(conn, dbcopy_tables[i].name)) != 0) {
			snprintf(err, errlen, "db copy: the target is not "
			    "empty (%s holds %ld rows): copy only into a new "
			    "database", dbcopy_tables[i].name, n);
			return -1;
		}
	}
	return 0;
}

int
dbcopy_run(const char *path, const char *url, time_t now,
    struct dbcopy_counts *n, char *err, size_t errlen)
{
	const struct dbcopy_table	*t;
	sqlite3				*db = NULL;
	PGconn				*conn = NULL;
	char				 sql[256];
	pid_t				 pid;
	size_t				 i;
	long				*count;
	int				 ret = -1;

	memset(n, 0, sizeof(*n));
	if (access(path, R_OK) == -1) {
		snprintf(err, errlen, "DATABASE_PATH: cannot read %s", path);
		return -1;
	}
	if ((pid = dbcopy_in_use(path)) != 0) {
		snprintf(err, errlen, "DATABASE_PATH: %s is in use by process "
		    "%d: stop the service before copying", path, (int)pid);
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_PATH: cannot open %s", path);
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	if ((conn = dbcopy_connect(url, err, errlen)) == NULL)
		goto out;
	/* Nobody writes to the target while it is filled. */
	if (dbcopy_pg(conn, "BEGIN; LOCK TABLE users, orders, "
	    "refresh_families, refresh_tokens, deleted_users "
	    "IN EXCLUSIVE MODE", err, errlen) == -1 ||
	    dbcopy_empty(conn, err, errlen) == -1)
		goto out;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_PATH: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (i = 0; i < sizeof(dbcopy_tables) / sizeof(dbcopy_tables[0]);
	    i++) {
		t = &dbcopy_tables[i];
		count = (long *)(void *)((char *)n + t->count);
		if (dbcopy_table(db, conn, t, now, count, err, errlen) == -1)
			goto out;
		if (dbcopy_pg_count(conn, t->name) != *count) {
			snprintf(err, errlen, "db copy: %s: %ld rows read, "
			    "another count written", t->name, *count);
			goto out;
		}
	}
	for (i = 0; i < sizeof(dbcopy_serials) / sizeof(dbcopy_serials[0]);
	    i++) {
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_"
		    "sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) "
		    "FROM %s", dbcopy_serials[i], dbcopy_serials[i]);
		if (dbcopy_pg(conn, sql, err, errlen) == -1)
			goto out;
	}
	if (dbcopy_pg(conn, "COMMIT", err, errlen) == -1)
		goto out;
	ret = 0;
out:
	if (ret == -1 && conn != NULL)
		PQclear(PQexec(conn, "ROLLBACK"));
	PQfinish(conn);
	sqlite3_close(db);
	return ret;
}
