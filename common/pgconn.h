/* SPDX-License-Identifier: ISC */
/*
 * One PostgreSQL connection as the PostgreSQL store uses it (libpq):
 * made, its schema migrated, and made again after the database went away,
 * with a backoff; statements with parameters, each answer awaited until a
 * deadline; transactions that open with SET LOCAL statement_timeout.
 * Nothing lives in the session but the hot read's named statement, made
 * only where the server keeps it (no settings), so it works behind
 * pgbouncer in transaction pooling mode.  Outcomes are
 * enum store_rc: STORE_BUSY for what passes (the database down, a
 * timeout, a conflict), STORE_ERROR for the rest.
 */
#ifndef COMMON_PGCONN_H
#define COMMON_PGCONN_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/store.h"

#define PGCONN_PARAMS_MAX	8
#define PGCONN_NAME_LEN		25	/* "jwt_auth_" and 16 hex digits */

struct pgconn {
	PGconn		*conn;		/* NULL while the database is away */
	char		*url;		/* DATABASE_URL, wiped at close */
	const char *const *migrations;	/* entry i: version i to i + 1 */
	int		 version;	/* how many there are */
	int		 migrated;	/* schema checked by this process */
	long		 backoff;	/* ms until the next attempt */
	long		 retry_at;	/* monotonic ms of that attempt */
	int		 stalled;	/* the last answer came too late */
	const char	*named_sql;	/* made as name on this connection */
	int		 unnamed;	/* a pooler: no named statements */
	char		 name[PGCONN_NAME_LEN + 1];
	char		 sqlstate[6];	/* of the last failed statement */
	char		 reason[200];	/* for logs; never user data */
};

/* The parameters of one statement: text, or binary for bytea.  Start
 * from a zeroed one; each call adds the next. */
struct pgparams {
	const char	*v[PGCONN_PARAMS_MAX];
	int		 len[PGCONN_PARAMS_MAX];
	int		 fmt[PGCONN_PARAMS_MAX];
	char		 num[PGCONN_PARAMS_MAX][24];
	int		 n;
};

void		 pgconn_text(struct pgparams *, const char *);
void		 pgconn_int(struct pgparams *, int64_t);
void		 pgconn_bytes(struct pgparams *, const unsigned char *, size_t);

/* Column col of row as an integer (NULL: 0); the rows a command touched. */
int64_t		 pgconn_get_int(const PGresult *, int row, int col);
int		 pgconn_changed(PGresult *);

/*
 * Check url's form (never echoing it: it may hold a password), connect
 * and migrate the schema through the n migrations.  -1 with err for a
 * malformed url, a login the server refused or a schema that cannot be
 * used; 0 otherwise, a database that is down too (pc then connects at
 * its first use).  Release with pgconn_close.
 */
int		 pgconn_open(struct pgconn *pc, const char *url,
		    const char *const *migrations, int n, char *err,
		    size_t errlen);
void		 pgconn_close(struct pgconn *pc);

/* Run sql (several statements when p is NULL): the result (PQclear it),
 * or NULL with the outcome in *rc. */
PGresult	*pgconn_exec(struct pgconn *pc, const char *sql,
		    const struct pgparams *p, enum store_rc *rc);
enum store_rc	 pgconn_run(struct pgconn *pc, const char *sql,
		    const struct pgparams *p);

/* The first statement of a call: connects when needed, and once more on
 * a connection that died while idle. */
PGresult	*pgconn_first(struct pgconn *pc, const char *sql,
		    const struct pgparams *p, enum store_rc *rc);
/* The same for a read made often (one per connection): named where the
 * connection keeps it, once, unnamed behind a pooler that does not. */
PGresult	*pgconn_first_named(struct pgconn *pc, const char *sql,
		    const struct pgparams *p, enum store_rc *rc);

/* A write's transaction: begin; end commits when rc is an answer (as the
 * SQLite store: STORE_OK, INVALID, REUSED, EXISTS, NOTFOUND), else rolls
 * back; abort rolls back.  Both return rc, or the commit's failure. */
enum store_rc	 pgconn_begin(struct pgconn *pc);
enum store_rc	 pgconn_end(struct pgconn *pc, enum store_rc rc);
enum store_rc	 pgconn_abort(struct pgconn *pc, enum store_rc rc);

/* One statement that writes, in a transaction of its own; *changed gets
 * the rows it touched. */
enum store_rc	 pgconn_write1(struct pgconn *pc, const char *sql,
		    const struct pgparams *p, int *changed);

#endif
