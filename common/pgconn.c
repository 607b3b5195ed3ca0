/* SPDX-License-Identifier: ISC */
/*
 * A PostgreSQL connection for the PostgreSQL store (pgconn.h): every
 * statement through PQexecParams' protocol (an unnamed statement, one
 * round trip) but the hot read, which is named on a connection that
 * keeps it (pgconn_first_named); every setting SET LOCAL inside a
 * transaction; every answer awaited until PGCONN_DEADLINE_MS (a database
 * that stopped answering altogether cancels nothing itself), after which
 * the connection is dropped.  A database that is away costs each call
 * STORE_BUSY while the connection is made again, at most once per backoff
 * period, which doubles from PGCONN_BACKOFF_MIN_MS to
 * PGCONN_BACKOFF_MAX_MS.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "common/pgconn.h"
#include "common/store.h"

#define PGCONN_CONNECT_TIMEOUT	"3"	/* seconds, unless the URL says */
#define PGCONN_STATEMENT_SET	"SET LOCAL statement_timeout = 4000"
#define PGCONN_DEADLINE_MS	5000	/* for any one answer */
#define PGCONN_BACKOFF_MIN_MS	100
#define PGCONN_BACKOFF_MAX_MS	2000
/* The first key of every pg_advisory_xact_lock(a, b) of ours ("JW"). */
#define PGCONN_LOCK_CLASS	"19031"

static long
pgconn_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
pgconn_text(struct pgparams *p, const char *s)
{
	p->v[p->n] = s;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

void
pgconn_int(struct pgparams *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof(p->num[p->n]), "%" PRId64, v);
	pgconn_text(p, p->num[p->n]);
}

void
pgconn_bytes(struct pgparams *p, const unsigned char *b, size_t len)
{
	p->v[p->n] = (const char *)b;
	p->len[p->n] = (int)len;
	p->fmt[p->n++] = 1;
}

/* Column col of row as an integer (NULL: 0). */
int64_t
pgconn_get_int(const PGresult *r, int row, int col)
{
	const char	*s = PQgetvalue(r, row, col);

	return s != NULL && *s != '\0' ? strtoll(s, NULL, 10) : 0;
}

/* The rows a command touched. */
int
pgconn_changed(PGresult *r)
{
	return (int)strtol(PQcmdTuples(r), NULL, 10);
}

/*
 * A one-line reason from libpq's message: lines joined, no final newline.
 * libpq names hosts, ports, users and databases in it, never a password.
 */
static void
pgconn_set_reason(struct pgconn *pc, const char *what, const char *msg)
{
	size_t	 i, len;

	len = (size_t)snprintf(pc->reason, sizeof(pc->reason), "%s: %s", what,
	    msg != NULL ? msg : "");
	if (len >= sizeof(pc->reason))
		len = sizeof(pc->reason) - 1;
	while (len > 0 && (pc->reason[len - 1] == '\n' ||
	    pc->reason[len - 1] == ' '))
		pc->reason[--len] = '\0';
	for (i = 0; i < len; i++)
		if (pc->reason[i] == '\n' || pc->reason[i] == '\t')
			pc->reason[i] = ' ';
}

/* Forget the connection; the next attempt waits out the backoff. */
static void
pgconn_drop(struct pgconn *pc)
{
	PQfinish(pc->conn);
	pc->conn = NULL;
	pc->named_sql = NULL;
	pc->backoff = pc->backoff == 0 ? PGCONN_BACKOFF_MIN_MS :
	    pc->backoff * 2 > PGCONN_BACKOFF_MAX_MS ? PGCONN_BACKOFF_MAX_MS :
	    pc->backoff * 2;
	pc->retry_at = pgconn_now_ms() + pc->backoff;
}

/*
 * Whether a failed connection was refused by the server itself (a wrong
 * password, an unknown role or database: a configuration error) rather
 * than not made (down, starting, restarting, full: it will pass).
 */
static int
pgconn_refused(const char *msg)
{
	return msg != NULL && strstr(msg, "FATAL:") != NULL &&
	    strstr(msg, "the database system is") == NULL &&
	    strstr(msg, "too many") == NULL &&
	    strstr(msg, "remaining connection slots") == NULL &&
	    strstr(msg, "terminating connection") == NULL;
}

/*
 * Wait for every result of the statement sent, until PGCONN_DEADLINE_MS.
 * Returns the first failed result, else the last one; NULL when the
 * connection failed or the deadline passed (then it is dropped).
 */
static PGresult *
pgconn_collect(struct pgconn *pc)
{
	struct pollfd	 pfd;
	PGresult	*r, *keep = NULL;
	long		 deadline = pgconn_now_ms() + PGCONN_DEADLINE_MS, left;
	int		 n;

	for (;;) {
		while (PQisBusy(pc->conn)) {
			if ((left = deadline - pgconn_now_ms()) <= 0) {
				pgconn_set_reason(pc, "database", "no answer "
				    "within the deadline");
				pc->stalled = 1;
				goto fail;
			}
			pfd.fd = PQsocket(pc->conn);
			pfd.events = POLLIN;
			n = poll(&pfd, 1, (int)left);
			if (n == -1 && errno != EINTR)
				goto lost;
			if (n > 0 && PQconsumeInput(pc->conn) == 0)
				goto lost;
		}
		if ((r = PQgetResult(pc->conn)) == NULL)
			break;
		if (keep != NULL && (PQresultStatus(keep) ==
		    PGRES_COMMAND_OK || PQresultStatus(keep) ==
		    PGRES_TUPLES_OK)) {
			PQclear(keep);
			keep = NULL;
		}
		if (keep == NULL)
			keep = r;
		else
			PQclear(r);
	}
	if (keep == NULL) {
		pgconn_set_reason(pc, "database", "no result");
		goto fail;
	}
	return keep;
lost:
	pgconn_set_reason(pc, "database connection lost",
	    PQerrorMessage(pc->conn));
fail:
	PQclear(keep);
	pgconn_drop(pc);
	return NULL;
}

/* How a statement is sent. */
enum pgconn_how {
	PGCONN_SQL,		/* text, maybe several statements */
	PGCONN_PARAMS,		/* one unnamed statement with parameters */
	PGCONN_PREPARE,		/* make the named statement pc->name */
	PGCONN_PREPARED		/* run it with parameters */
};

/*
 * Send a statement as how says and return its result, or NULL with the
 * outcome in *rc: STORE_BUSY for what passes (the connection, a timeout,
 * a conflict, a database starting or stopping), STORE_ERROR for the rest.
 */
static PGresult *
pgconn_do(struct pgconn *pc, enum pgconn_how how, const char *sql,
    const struct pgparams *p, enum store_rc *rc)
{
	PGresult	*r;
	const char	*state;
	int		 sent = 0;

	*rc = STORE_BUSY;
	pc->sqlstate[0] = '\0';
	pc->stalled = 0;
	if (pc->conn == NULL)
		return NULL;
	switch (how) {
	case PGCONN_SQL:
		sent = PQsendQuery(pc->conn, sql);
		break;
	case PGCONN_PARAMS:
		sent = PQsendQueryParams(pc->conn, sql, p->n, NULL, p->v,
		    p->len, p->fmt, 0);
		break;
	case PGCONN_PREPARE:
		sent = PQsendPrepare(pc->conn, pc->name, sql, p->n, NULL);
		break;
	case PGCONN_PREPARED:
		sent = PQsendQueryPrepared(pc->conn, pc->name, p->n, p->v,
		    p->len, p->fmt, 0);
		break;
	}
	if (sent == 0) {
		pgconn_set_reason(pc, "database connection lost",
		    PQerrorMessage(pc->conn));
		pgconn_drop(pc);
		return NULL;
	}
	if ((r = pgconn_collect(pc)) == NULL)
		return NULL;
	if (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK) {
		*rc = STORE_OK;
		return r;
	}
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(pc->sqlstate, sizeof(pc->sqlstate), "%s",
	    state != NULL ? state : "");
	pgconn_set_reason(pc, "database", PQresultErrorMessage(r));
	PQclear(r);
	if (PQstatus(pc->conn) != CONNECTION_OK) {
		pgconn_drop(pc);
		return NULL;
	}
	/* 08 connection, 40 conflicts, 53 resources, 57 shut down or
	 * cancelled (statement_timeout), 55P03 lock not available. */
	if (strncmp(pc->sqlstate, "08", 2) != 0 &&
	    strncmp(pc->sqlstate, "40", 2) != 0 &&
	    strncmp(pc->sqlstate, "53", 2) != 0 &&
	    strncmp(pc->sqlstate, "57", 2) != 0 &&
	    strcmp(pc->sqlstate, "55P03") != 0)
		*rc = STORE_ERROR;
	return NULL;
}

/* Run sql (several statements when p is NULL): pgconn_do's outcomes. */
PGresult *
pgconn_exec(struct pgconn *pc, const char *sql, const struct pgparams *p,
    enum store_rc *rc)
{
	return pgconn_do(pc, p == NULL ? PGCONN_SQL : PGCONN_PARAMS, sql, p,
	    rc);
}

/*
 * Whether the last statement failed because this connection is pooled:
 * its named statement is not on the server connection that ran it
 * (26000), or another client made it there already (42P05), or it was
 * made before a migration changed what it returns (0A000).
 */
static int
pgconn_lost_name(const struct pgconn *pc)
{
	return pc->conn != NULL && (strcmp(pc->sqlstate, "26000") == 0 ||
	    strcmp(pc->sqlstate, "42P05") == 0 ||
	    strcmp(pc->sqlstate, "0A000") == 0);
}

/* The statement's name: from its text (FNV-1a), so that one name never
 * stands for two statements, whichever client made it first. */
static void
pgconn_name(char name[PGCONN_NAME_LEN + 1], const char *sql)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *sql != '\0'; sql++)
		h = (h ^ (unsigned char)*sql) * 0x100000001b3ULL;
	snprintf(name, PGCONN_NAME_LEN + 1, "jwt_auth_%016" PRIx64, h);
}

/*
 * sql as a named statement, made once per connection: PostgreSQL then
 * parses and plans it once instead of at every call, half of what a
 * short read costs it (bench/README.md, "PostgreSQL").  A pooler in
 * transaction mode (pgbouncer 1.18) keeps no named statement for its
 * client: a later call may run on a server connection that never saw it,
 * or make it where another client did.  The first such failure turns the
 * connection to unnamed statements for good, and the call is made again
 * unnamed (it is a read: nothing was done).  One statement per
 * connection: any other sql runs unnamed.
 */
static PGresult *
pgconn_exec_named(struct pgconn *pc, const char *sql,
    const struct pgparams *p, enum store_rc *rc)
{
	PGresult	*r;

	if (pc->conn == NULL || pc->unnamed ||
	    (pc->named_sql != NULL && pc->named_sql != sql))
		return pgconn_exec(pc, sql, p, rc);
	if (pc->named_sql == NULL) {
		pgconn_name(pc->name, sql);
		if ((r = pgconn_do(pc, PGCONN_PREPARE, sql, p, rc)) == NULL) {
			if (!pgconn_lost_name(pc))
				return NULL;
			pc->unnamed = 1;
			return pgconn_exec(pc, sql, p, rc);
		}
		PQclear(r);
		pc->named_sql = sql;
	}
	if ((r = pgconn_do(pc, PGCONN_PREPARED, sql, p, rc)) != NULL ||
	    !pgconn_lost_name(pc))
		return r;
	pc->unnamed = 1;
	pc->named_sql = NULL;
	return pgconn_exec(pc, sql, p, rc);
}

/* Run sql, keeping only whether it worked. */
enum store_rc
pgconn_run(struct pgconn *pc, const char *sql, const struct pgparams *p)
{
	PGresult	*r;
	enum store_rc	 rc;

	if ((r = pgconn_exec(pc, sql, p, &rc)) != NULL)
		PQclear(r);
	return rc;
}

/*
 * Bring the schema to pc->version.  The version is read again under
 * the advisory lock, so of many workers starting together the first
 * migrates and the others find nothing left to do.  Returns 0, or -1
 * with the reason in pc.
 */
static int
pgconn_migrate(struct pgconn *pc)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;
	int			 v = 0;

	r = pgconn_exec(pc, "SELECT version FROM jwt_auth_schema", NULL, &rc);
	if (r != NULL && PQntuples(r) == 1 &&
	    pgconn_get_int(r, 0, 0) == pc->version) {
		PQclear(r);
		return 0;
	}
	PQclear(r);
	if (pc->conn == NULL)
		return -1;
	if (pgconn_run(pc, "BEGIN; SET LOCAL statement_timeout = 60000;"
	    "SELECT pg_advisory_xact_lock(" PGCONN_LOCK_CLASS ", 0);"
	    "CREATE TABLE IF NOT EXISTS jwt_auth_schema "
	    "(version integer NOT NULL)", NULL) != STORE_OK)
		goto fail;
	if ((r = pgconn_exec(pc, "SELECT version FROM jwt_auth_schema", NULL,
	    &rc)) == NULL)
		goto fail;
	if (PQntuples(r) > 0)
		v = (int)pgconn_get_int(r, 0, 0);
	PQclear(r);
	if (v > pc->version) {
		snprintf(pc->reason, sizeof(pc->reason), "DATABASE_URL: "
		    "schema version %d is newer than this program's %d", v,
		    pc->version);
		goto fail;
	}
	for (; v < pc->version; v++)
		if (pgconn_run(pc, pc->migrations[v], NULL) != STORE_OK)
			goto fail;
	memset(&p, 0, sizeof(p));
	pgconn_int(&p, pc->version);
	if (pgconn_run(pc, "DELETE FROM jwt_auth_schema", NULL) != STORE_OK ||
	    pgconn_run(pc, "INSERT INTO jwt_auth_schema (version) VALUES ($1)",
	    &p) != STORE_OK || pgconn_run(pc, "COMMIT", NULL) != STORE_OK)
		goto fail;
	return 0;
fail:
	if (pc->conn != NULL)
		(void)pgconn_run(pc, "ROLLBACK", NULL);
	return -1;
}

/* The server's notices ("already exists, skipping") are no one's news:
 * libpq would print each on stderr, the web server's log. */
static void
pgconn_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * Connect (connect_timeout bounds it, unless the URL sets its own) and
 * check the schema.  Returns 0; 1 when the database is not there (try
 * again later); -1 when it refused us or the schema cannot be used.
 * Only connection parameters that pgbouncer passes on are added.
 */
static int
pgconn_connect(struct pgconn *pc)
{
	const char *const	 kw[] = { "connect_timeout", "client_encoding",
				     "application_name", "dbname", NULL };
	const char		*val[] = { PGCONN_CONNECT_TIMEOUT, "UTF8",
				     "jwt-auth", pc->url, NULL };
	const char		*msg;

	pc->conn = PQconnectdbParams(kw, val, 1);
	if (pc->conn == NULL) {
		pgconn_set_reason(pc, "DATABASE_URL", "out of memory");
		return 1;
	}
	if (PQstatus(pc->conn) != CONNECTION_OK) {
		msg = PQerrorMessage(pc->conn);
		pgconn_set_reason(pc, "DATABASE_URL: cannot connect", msg);
		if (pgconn_refused(msg)) {
			PQfinish(pc->conn);
			pc->conn = NULL;
			return -1;
		}
		pgconn_drop(pc);
		return 1;
	}
	pc->backoff = 0;
	PQsetNoticeProcessor(pc->conn, pgconn_quiet, NULL);
	if (!pc->migrated) {
		if (pgconn_migrate(pc) == -1) {
			if (pc->conn == NULL)
				return 1;
			PQfinish(pc->conn);
			pc->conn = NULL;
			return -1;
		}
		pc->migrated = 1;
	}
	return 0;
}

/* A connection to use now, or STORE_BUSY while the database is away. */
static enum store_rc
pgconn_ready(struct pgconn *pc)
{
	if (pc->conn != NULL && PQstatus(pc->conn) == CONNECTION_OK)
		return STORE_OK;
	if (pc->conn != NULL)
		pgconn_drop(pc);
	if (pgconn_now_ms() < pc->retry_at)
		return STORE_BUSY;
	switch (pgconn_connect(pc)) {
	case 0:
		return STORE_OK;
	case 1:
		return STORE_BUSY;
	default:
		return STORE_ERROR;
	}
}

/*
 * The first statement of a call: on a connection that died while idle
 * (the database restarted), once more on a new one; nothing was done
 * yet, so that is safe.
 */
static PGresult *
pgconn_first_as(struct pgconn *pc, int named, const char *sql,
    const struct pgparams *p, enum store_rc *rc)
{
	PGresult	*r;
	int		 fresh;

	fresh = pc->conn == NULL;
	if ((*rc = pgconn_ready(pc)) != STORE_OK)
		return NULL;
	/* A database that stopped answering is not asked twice. */
	r = named ? pgconn_exec_named(pc, sql, p, rc) :
	    pgconn_exec(pc, sql, p, rc);
	if (r != NULL || fresh || pc->conn != NULL || pc->stalled)
		return r;
	pc->retry_at = 0;
	if ((*rc = pgconn_ready(pc)) != STORE_OK)
		return NULL;
	return named ? pgconn_exec_named(pc, sql, p, rc) :
	    pgconn_exec(pc, sql, p, rc);
}

PGresult *
pgconn_first(struct pgconn *pc, const char *sql, const struct pgparams *p,
    enum store_rc *rc)
{
	return pgconn_first_as(pc, 0, sql, p, rc);
}

PGresult *
pgconn_first_named(struct pgconn *pc, const char *sql,
    const struct pgparams *p, enum store_rc *rc)
{
	return pgconn_first_as(pc, 1, sql, p, rc);
}

/* Begin a write: its transaction, with its statement timeout. */
enum store_rc
pgconn_begin(struct pgconn *pc)
{
	PGresult	*r;
	enum store_rc	 rc;

	if ((r = pgconn_first(pc, "BEGIN;" PGCONN_STATEMENT_SET, NULL,
	    &rc)) != NULL)
		PQclear(r);
	return rc;
}

/* Commit, or roll back when rc says the transaction failed (as the
 * SQLite store does).  Returns rc, or the commit's failure. */
enum store_rc
pgconn_end(struct pgconn *pc, enum store_rc rc)
{
	enum store_rc	 crc;

	if (rc == STORE_OK || rc == STORE_INVALID || rc == STORE_REUSED ||
	    rc == STORE_EXISTS || rc == STORE_NOTFOUND) {
		if ((crc = pgconn_run(pc, "COMMIT", NULL)) == STORE_OK)
			return rc;
		return crc;
	}
	if (pc->conn != NULL)
		(void)pgconn_run(pc, "ROLLBACK", NULL);
	return rc;
}

/* Roll back, whatever happened.  Returns rc. */
enum store_rc
pgconn_abort(struct pgconn *pc, enum store_rc rc)
{
	if (pc->conn != NULL)
		(void)pgconn_run(pc, "ROLLBACK", NULL);
	return rc;
}

/* One statement that writes, in its own transaction; *changed gets the
 * rows it touched. */
enum store_rc
pgconn_write1(struct pgconn *pc, const char *sql, const struct pgparams *p,
    int *changed)
{
	PGresult	*r;
	enum store_rc	 rc;

	*changed = 0;
	if ((rc = pgconn_begin(pc)) != STORE_OK)
		return rc;
	if ((r = pgconn_exec(pc, sql, p, &rc)) != NULL) {
		*changed = pgconn_changed(r);
		PQclear(r);
	}
	rc = pgconn_end(pc, rc);
	if (rc != STORE_OK)
		*changed = 0;
	return rc;
}

int
pgconn_open(struct pgconn *pc, const char *url,
    const char *const *migrations, int n, char *err, size_t errlen)
{
	PQconninfoOption	*opts;
	char			*perr = NULL;

	memset(pc, 0, sizeof(*pc));
	/* libpq's parse error quotes the text: it may hold the password. */
	if ((opts = PQconninfoParse(url, &perr)) == NULL) {
		PQfreemem(perr);
		snprintf(err, errlen, "DATABASE_URL: not a valid connection "
		    "string (a postgresql:// URI or libpq key=value words)");
		return -1;
	}
	PQconninfoFree(opts);
	if ((pc->url = strdup(url)) == NULL) {
		snprintf(err, errlen, "DATABASE_URL: out of memory");
		return -1;
	}
	pc->migrations = migrations;
	pc->version = n;
	snprintf(pc->reason, sizeof(pc->reason), "no failure");
	if (pgconn_connect(pc) == -1) {
		snprintf(err, errlen, "%s", pc->reason);
		pgconn_close(pc);
		return -1;
	}
	return 0;
}

void
pgconn_close(struct pgconn *pc)
{
	PQfinish(pc->conn);
	pc->conn = NULL;
	pc->named_sql = NULL;
	if (pc->url != NULL) {
		memset(pc->url, 0, strlen(pc->url));
		free(pc->url);
		pc->url = NULL;
	}
}
