/* SPDX-License-Identifier: ISC */
/*
 * The PostgreSQL store: store.h on libpq, for several nodes sharing one
 * database.  It answers as the SQLite store does, byte for byte; what
 * differs is how.
 *
 * - The connection (common/pgconn.c) sends every statement through
 *   PQexecParams' protocol and every setting as SET LOCAL inside a
 *   transaction, so the store works behind pgbouncer in transaction
 *   pooling mode; bounds every wait (statement_timeout in each write's
 *   transaction, a deadline on every answer); and when the database is
 *   down answers STORE_BUSY (503) while it reconnects with a backoff.
 * - The schema is versioned in jwt_auth_schema and migrated once, under
 *   pg_advisory_xact_lock inside the migration's transaction (a session
 *   lock would not survive transaction pooling), however many workers on
 *   however many nodes start together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STORE_BACKEND	pg	/* common/store_backend.h */
#include "common/store_rename.h"
#include "common/store.h"
#include "common/store_backend.h"
#include "common/pgconn.h"

#define PG_PRUNE_AFTER		86400	/* keep spent tokens a day (reuse) */
#define PG_SCHEMA_VERSION	3
#define PG_LOCK_CLASS		"19031"	/* as pgconn.c's */

/* Schema migrations: entry i takes version i to i + 1. */
static const char *const pg_migrations[PG_SCHEMA_VERSION] = {
	"CREATE TABLE users ("
	"  id bigserial PRIMARY KEY,"
	"  username text NOT NULL UNIQUE,"
	"  pwhash text NOT NULL,"
	"  created_at bigint NOT NULL,"
	"  disabled_at bigint);"
	"CREATE TABLE orders ("
	"  id bigserial PRIMARY KEY,"
	"  username text NOT NULL,"
	"  item text NOT NULL,"
	"  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),"
	"  created_at bigint NOT NULL);"
	/* "This user's orders, oldest first", from the index alone. */
	"CREATE INDEX orders_by_user ON orders (username, id) "
	"  INCLUDE (item, quantity, created_at);"
	"CREATE TABLE refresh_families ("
	"  id bigserial PRIMARY KEY,"
	"  username text NOT NULL,"
	"  created_at bigint NOT NULL,"
	"  revoked_at bigint);"
	"CREATE INDEX refresh_families_user ON refresh_families (username);"
	"CREATE TABLE refresh_tokens ("
	"  id bigserial PRIMARY KEY,"
	"  hash bytea NOT NULL UNIQUE,"	/* SHA-256 of the token */
	"  family bigint NOT NULL REFERENCES refresh_families (id),"
	"  created_at bigint NOT NULL,"
	"  expires_at bigint NOT NULL,"
	"  spent_at bigint);"
	"CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);"
	"CREATE INDEX refresh_tokens_family ON refresh_tokens (family);"
	"CREATE TABLE throttle ("
	"  key bytea PRIMARY KEY,"
	"  hits bigint NOT NULL,"
	"  window_start bigint NOT NULL);"
	"CREATE INDEX throttle_window ON throttle (window_start);"
	"CREATE TABLE login_known ("
	"  key bytea PRIMARY KEY,"
	"  at bigint NOT NULL);"
	"CREATE INDEX login_known_at ON login_known (at);"
	"CREATE TABLE deleted_users ("
	"  username text PRIMARY KEY,"
	"  deleted_at bigint NOT NULL);",
	/* 1 -> 2: Idempotency-Key on POST /api/userOrders. */
	"CREATE TABLE order_keys ("
	"  username text NOT NULL,"
	"  key text NOT NULL,"
	"  order_id bigint REFERENCES orders (id) ON DELETE CASCADE,"
	"  created_at bigint NOT NULL,"
	"  PRIMARY KEY (username, key));"
	"CREATE INDEX order_keys_created ON order_keys (created_at);",
	/*
	 * 2 -> 3: the order list, the hot read, as a PL/pgSQL function.  An
	 * unnamed statement (PQexecParams) is parsed and planned on every
	 * call, most of its cost; PL/pgSQL keeps the plan in the server
	 * process, per connection, without a named statement on the
	 * client's side, so it also holds behind pgbouncer's transaction
	 * pooling.
	 */
	"CREATE FUNCTION jwt_auth_orders_page(u text, after bigint, lim integer)"
	"  RETURNS TABLE (id bigint, item text, quantity integer,"
	"  created_at bigint) LANGUAGE plpgsql STABLE AS $$ BEGIN"
	"  RETURN QUERY SELECT o.id, o.item, o.quantity, o.created_at"
	"  FROM orders o WHERE o.username = u AND o.id > after"
	"  ORDER BY o.id LIMIT lim; END $$;",
};

struct store {
	struct pgconn	 c;
};

struct store *
store_open(const char *url, char *err, size_t errlen)
{
	struct store	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "DATABASE_URL: out of memory");
		return NULL;
	}
	if (pgconn_open(&st->c, url, pg_migrations, PG_SCHEMA_VERSION, err,
	    errlen) == -1) {
		free(st);
		return NULL;
	}
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	pgconn_close(&st->c);
	free(st);
}

const char *
store_errmsg(const struct store *st)
{
	return st != NULL ? st->c.reason : "no store";
}

uint64_t
store_write_ticket(const struct store *st)
{
	(void)st;
	return 0;
}

enum store_rc
pg_store_ping(struct store *st)
{
	PGresult	*r;
	enum store_rc	 rc;

	if ((r = pgconn_first(&st->c, "SELECT 1", NULL, &rc)) != NULL)
		PQclear(r);
	return rc;
}

/* A new family with its first token; inside a transaction. */
static enum store_rc
pg_family_new(struct store *st, const char *user,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t expires)
{
	struct pgparams	 p;

	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_int(&p, now);
	pgconn_bytes(&p, rhash, RTOKEN_HASHLEN);
	pgconn_int(&p, expires);
	return pgconn_run(&st->c, "WITH f AS (INSERT INTO refresh_families "
	    "(username, created_at) VALUES ($1, $2) RETURNING id) "
	    "INSERT INTO refresh_tokens (hash, family, created_at, expires_at) "
	    "SELECT $3, id, $2, $4 FROM f", &p);
}

enum store_rc
store_user_create(struct store *st, const char *user, const char *pwhash,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t rexpires,
    long reserve)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;
	int			 taken;

	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	/* A name nobody may take: see the SQLite store. */
	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_int(&p, now - reserve);
	if ((r = pgconn_exec(&st->c, "SELECT (EXISTS (SELECT 1 FROM orders "
	    "WHERE username = $1) OR EXISTS (SELECT 1 FROM deleted_users "
	    "WHERE username = $1 AND deleted_at > $2::bigint))::int",
	    &p, &rc)) == NULL)
		return pgconn_end(&st->c, rc);
	taken = pgconn_get_int(r, 0, 0) != 0;
	PQclear(r);
	if (taken)
		return pgconn_abort(&st->c, STORE_EXISTS);
	/* Of two sign-ups of one name, the second waits for the first to
	 * commit and then inserts nothing. */
	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_text(&p, pwhash);
	pgconn_int(&p, now);
	if ((r = pgconn_exec(&st->c, "INSERT INTO users (username, pwhash, "
	    "created_at) VALUES ($1, $2, $3) ON CONFLICT (username) "
	    "DO NOTHING RETURNING id", &p, &rc)) == NULL)
		return pgconn_end(&st->c, rc);
	taken = PQntuples(r) == 0;
	PQclear(r);
	if (taken)
		return pgconn_abort(&st->c, STORE_EXISTS);
	return pgconn_end(&st->c, pg_family_new(st, user, rhash, now,
	    rexpires));
}

/* Copy the one text column of the one row r holds into out (size
 * outlen), or STORE_NOTFOUND for no row. */
static enum store_rc
pg_one_text(PGresult *r, char *out, size_t outlen)
{
	const char	*v;
	enum store_rc	 rc = STORE_NOTFOUND;

	if (PQntuples(r) == 1) {
		v = PQgetvalue(r, 0, 0);
		if (v != NULL && strlen(v) < outlen) {
			memcpy(out, v, strlen(v) + 1);
			rc = STORE_OK;
		} else
			rc = STORE_ERROR;
	}
	PQclear(r);
	return rc;
}

enum store_rc
store_user_hash(struct store *st, const char *user, char hash[PWHASH_LEN])
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;

	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	/* A disabled user logs in no more than one who does not exist. */
	if ((r = pgconn_first(&st->c, "SELECT pwhash FROM users "
	    "WHERE username = $1 AND disabled_at IS NULL", &p, &rc)) == NULL)
		return rc;
	return pg_one_text(r, hash, PWHASH_LEN);
}

/* Run a write of one statement over the parameters given; STORE_NOTFOUND
 * when it touched no row. */
static enum store_rc
pg_write_found(struct store *st, const char *sql, const struct pgparams *p)
{
	enum store_rc	 rc;
	int		 n;

	if ((rc = pgconn_write1(&st->c, sql, p, &n)) != STORE_OK)
		return rc;
	return n > 0 ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc
store_user_set_hash(struct store *st, const char *user, const char *pwhash)
{
	struct pgparams	 p;

	memset(&p, 0, sizeof(p));
	pgconn_text(&p, pwhash);
	pgconn_text(&p, user);
	return pg_write_found(st, "UPDATE users SET pwhash = $1 "
	    "WHERE username = $2", &p);
}

enum store_rc
store_user_rehash(struct store *st, const char *user, const char *old,
    const char *fresh)
{
	struct pgparams	 p;

	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_text(&p, old);
	pgconn_text(&p, fresh);
	/* Only over the hash that was verified: never undo a change. */
	return pg_write_found(st, "UPDATE users SET pwhash = $3 "
	    "WHERE username = $1 AND pwhash = $2", &p);
}

enum store_rc
store_user_list(struct store *st, store_user_cb cb, void *arg)
{
	PGresult	*r;
	enum store_rc	 rc;
	int		 i, n = 0;

	/* By name as SQLite orders it: bytes, not the locale. */
	if ((r = pgconn_first(&st->c, "SELECT username, created_at, "
	    "(disabled_at IS NOT NULL)::int FROM users "
	    "ORDER BY username COLLATE \"C\"", NULL, &rc)) == NULL)
		return rc;
	for (i = 0; i < PQntuples(r) && n == 0; i++)
		n = cb(PQgetvalue(r, i, 0), pgconn_get_int(r, i, 1),
		    (int)pgconn_get_int(r, i, 2), arg);
	PQclear(r);
	return n < 0 ? STORE_ERROR : STORE_OK;
}

enum store_rc
store_user_state(struct store *st, const char *user, int *disabled)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;

	*disabled = 0;
	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	if ((r = pgconn_first(&st->c, "SELECT (disabled_at IS NOT NULL)::int "
	    "FROM users WHERE username = $1", &p, &rc)) == NULL)
		return rc;
	rc = PQntuples(r) == 1 ? STORE_OK : STORE_NOTFOUND;
	if (rc == STORE_OK)
		*disabled = pgconn_get_int(r, 0, 0) != 0;
	PQclear(r);
	return rc;
}

/*
 * Inside a transaction: lock the row of user (FOR UPDATE to change it,
 * else FOR SHARE), so a concurrent disable or delete waits for this
 * transaction, or this one for it.  STORE_NOTFOUND for no such user;
 * *disabled whether it is disabled.
 */
static enum store_rc
pg_user_lock(struct store *st, const char *user, int update, int *disabled)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;

	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	if ((r = pgconn_exec(&st->c, update ?
	    "SELECT (disabled_at IS NOT NULL)::int "
	    "FROM users WHERE username = $1 FOR UPDATE" :
	    "SELECT (disabled_at IS NOT NULL)::int "
	    "FROM users WHERE username = $1 FOR SHARE", &p, &rc)) == NULL)
		return rc;
	rc = PQntuples(r) == 1 ? STORE_OK : STORE_NOTFOUND;
	*disabled = rc == STORE_OK && pgconn_get_int(r, 0, 0) != 0;
	PQclear(r);
	return rc;
}

/* Inside a transaction: run sql over ($1 user) or ($1 now, $2 user);
 * *changed gets the rows touched. */
static enum store_rc
pg_user_exec(struct store *st, const char *sql, const char *user,
    const time_t *now, int *changed)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;

	*changed = 0;
	memset(&p, 0, sizeof(p));
	if (now != NULL)
		pgconn_int(&p, *now);
	pgconn_text(&p, user);
	if ((r = pgconn_exec(&st->c, sql, &p, &rc)) != NULL) {
		*changed = pgconn_changed(r);
		PQclear(r);
	}
	return rc;
}

#define PG_REVOKE_ALL	"UPDATE refresh_families SET revoked_at = $1 " \
			"WHERE username = $2 AND revoked_at IS NULL"

enum store_rc
store_user_disable(struct store *st, const char *user, time_t now,
    int *sessions)
{
	enum store_rc	 rc;
	int		 disabled, n;

	*sessions = 0;
	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	if ((rc = pg_user_lock(st, user, 1, &disabled)) != STORE_OK)
		return pgconn_end(&st->c, rc);
	if ((rc = pg_user_exec(st, "UPDATE users SET disabled_at = $1 "
	    "WHERE username = $2 AND disabled_at IS NULL", user, &now,
	    &n)) != STORE_OK)
		return pgconn_end(&st->c, rc);
	/* Its sessions end now, not when each refresh token expires. */
	rc = pg_user_exec(st, PG_REVOKE_ALL, user, &now, sessions);
	if ((rc = pgconn_end(&st->c, rc)) != STORE_OK)
		*sessions = 0;
	return rc;
}

enum store_rc
store_user_enable(struct store *st, const char *user)
{
	struct pgparams	 p;

	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	return pg_write_found(st, "UPDATE users SET disabled_at = NULL "
	    "WHERE username = $1", &p);
}

enum store_rc
store_user_delete(struct store *st, const char *user, int with_orders,
    time_t now, int *sessions, int *orders)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;
	int			 n;

	*sessions = *orders = 0;
	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	if ((rc = pg_user_exec(st, "DELETE FROM users WHERE username = $1",
	    user, NULL, &n)) != STORE_OK)
		goto out;
	if (n == 0) {
		/* Deleted before: only orders are left to remove (written
		 * with an access token that outlived the user). */
		memset(&p, 0, sizeof(p));
		pgconn_text(&p, user);
		if ((r = pgconn_exec(&st->c, "SELECT 1 FROM deleted_users "
		    "WHERE username = $1", &p, &rc)) == NULL)
			goto out;
		n = PQntuples(r);
		PQclear(r);
		if (n == 0 || !with_orders) {
			rc = STORE_NOTFOUND;
			goto out;
		}
	}
	/* The sessions counted are the live ones, as user revoke counts. */
	if ((rc = pg_user_exec(st, PG_REVOKE_ALL, user, &now, sessions)) !=
	    STORE_OK ||
	    (rc = pg_user_exec(st, "DELETE FROM refresh_tokens WHERE family "
	    "IN (SELECT id FROM refresh_families WHERE username = $1)", user,
	    NULL, &n)) != STORE_OK ||
	    (rc = pg_user_exec(st, "DELETE FROM refresh_families "
	    "WHERE username = $1", user, NULL, &n)) != STORE_OK)
		goto out;
	if (with_orders && (rc = pg_user_exec(st, "DELETE FROM orders "
	    "WHERE username = $1", user, NULL, orders)) != STORE_OK)
		goto out;
	rc = pg_user_exec(st, "INSERT INTO deleted_users (deleted_at, "
	    "username) VALUES ($1, $2) ON CONFLICT (username) "
	    "DO UPDATE SET deleted_at = EXCLUDED.deleted_at", user, &now, &n);
out:
	if ((rc = pgconn_end(&st->c, rc)) != STORE_OK)
		*sessions = *orders = 0;
	return rc;
}

enum store_rc
store_user_revoke_all(struct store *st, const char *user, time_t now,
    int *count)
{
	struct pgparams	 p;

	memset(&p, 0, sizeof(p));
	pgconn_int(&p, now);
	pgconn_text(&p, user);
	return pgconn_write1(&st->c, PG_REVOKE_ALL, &p, count);
}

/* One INSERT in a transaction of its own, committed before the 201. */
enum store_rc
store_order_add(struct store *st, const char *user, const char *item,
    int quantity, time_t now, struct order *out)
{
	struct pgparams	 p;
	PGresult		*r;
	size_t			 len = strlen(item);
	enum store_rc		 rc;

	if (len > STORE_ITEM_MAX)
		return STORE_ERROR;
	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_text(&p, item);
	pgconn_int(&p, quantity);
	pgconn_int(&p, now);
	if ((r = pgconn_exec(&st->c, "INSERT INTO orders (username, item, "
	    "quantity, "
	    "created_at) VALUES ($1, $2, $3, $4) RETURNING id", &p,
	    &rc)) == NULL)
		return pgconn_end(&st->c, rc);
	out->id = pgconn_get_int(r, 0, 0);
	PQclear(r);
	if ((rc = pgconn_end(&st->c, STORE_OK)) != STORE_OK)
		return rc;
	memcpy(out->item, item, len + 1);
	out->quantity = quantity;
	out->created_at = now;
	return STORE_OK;
}

/* Fill o from columns col.. of row 0 of r: id, item, quantity,
 * created_at.  STORE_ERROR for an item too long. */
static enum store_rc
pg_order_of(PGresult *r, int col, struct order *o)
{
	int	 len = PQgetlength(r, 0, col + 1);

	if (len < 0 || len > STORE_ITEM_MAX)
		return STORE_ERROR;
	o->id = pgconn_get_int(r, 0, col);
	memcpy(o->item, PQgetvalue(r, 0, col + 1), (size_t)len);
	o->item[len] = '\0';
	o->quantity = (int)pgconn_get_int(r, 0, col + 2);
	o->created_at = pgconn_get_int(r, 0, col + 3);
	return STORE_OK;
}

/*
 * The key's row is claimed first: a new key, or one older than since,
 * is this call's (then the order is added and its id kept there); a live
 * one is another's, and the INSERT waits for that one's transaction to
 * end, so its order is there to be read.
 */
enum store_rc
store_order_add_key(struct store *st, const char *user, const char *key,
    const char *item, int quantity, time_t now, time_t since,
    struct order *out, int *again)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;
	int			 mine;

	*again = 0;
	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_text(&p, key);
	pgconn_int(&p, now);
	pgconn_int(&p, since);
	if ((r = pgconn_exec(&st->c, "INSERT INTO order_keys AS k "
	    "(username, key, "
	    "created_at) VALUES ($1, $2, $3::bigint) ON CONFLICT (username, "
	    "key) DO UPDATE SET created_at = EXCLUDED.created_at, "
	    "order_id = NULL WHERE k.created_at <= $4::bigint RETURNING 1",
	    &p, &rc)) == NULL)
		return pgconn_end(&st->c, rc);
	mine = PQntuples(r) == 1;
	PQclear(r);
	if (!mine) {
		p.n = 2;	/* user and key only */
		if ((r = pgconn_exec(&st->c, "SELECT o.id, o.item, o.quantity, "
		    "o.created_at FROM order_keys k JOIN orders o "
		    "ON o.id = k.order_id WHERE k.username = $1 AND k.key = $2",
		    &p, &rc)) == NULL)
			return pgconn_end(&st->c, rc);
		rc = PQntuples(r) == 1 ? pg_order_of(r, 0, out) : STORE_ERROR;
		PQclear(r);
		*again = rc == STORE_OK;
		return pgconn_end(&st->c, rc);
	}
	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_text(&p, item);
	pgconn_int(&p, quantity);
	pgconn_int(&p, now);
	pgconn_text(&p, key);
	pgconn_int(&p, since);
	/* The order, its id under the key, and keys long past dropped. */
	if ((r = pgconn_exec(&st->c, "WITH o AS (INSERT INTO orders "
	    "(username, item, "
	    "quantity, created_at) VALUES ($1, $2, $3, $4) RETURNING id, "
	    "item, quantity, created_at), k AS (UPDATE order_keys SET "
	    "order_id = (SELECT id FROM o) WHERE username = $1 AND key = $5), "
	    "old AS (DELETE FROM order_keys WHERE created_at <= $6::bigint) "
	    "SELECT id, item, quantity, created_at FROM o", &p, &rc)) == NULL)
		return pgconn_end(&st->c, rc);
	rc = PQntuples(r) == 1 ? pg_order_of(r, 0, out) : STORE_ERROR;
	PQclear(r);
	return pgconn_end(&st->c, rc);
}

/* The hot read, a named statement where the connection keeps one. */
static const char	pg_order_list_sql[] = "SELECT id, item, quantity, "
    "created_at FROM jwt_auth_orders_page($1, $2, $3)";

enum store_rc
store_order_list(struct store *st, const char *user, int64_t after,
    int limit, store_order_cb cb, void *arg)
{
	struct pgparams	 p;
	struct order		 o;
	PGresult		*r;
	enum store_rc		 rc;
	int			 i, len, n = 0;

	memset(&p, 0, sizeof(p));
	pgconn_text(&p, user);
	pgconn_int(&p, after);
	pgconn_int(&p, limit);
	if ((r = pgconn_first_named(&st->c, pg_order_list_sql, &p,
	    &rc)) == NULL)
		return rc;
	for (i = 0; i < PQntuples(r) && n == 0; i++) {
		len = PQgetlength(r, i, 1);
		if (len < 0 || len > STORE_ITEM_MAX) {
			n = -1;
			break;
		}
		o.id = pgconn_get_int(r, i, 0);
		memcpy(o.item, PQgetvalue(r, i, 1), (size_t)len);
		o.item[len] = '\0';
		o.quantity = (int)pgconn_get_int(r, i, 2);
		o.created_at = pgconn_get_int(r, i, 3);
		n = cb(&o, arg);
	}
	PQclear(r);
	return n < 0 ? STORE_ERROR : STORE_OK;
}

enum store_rc
store_refresh_issue(struct store *st, const char *user,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t expires)
{
	struct pgparams	 p;
	enum store_rc		 rc;
	int			 disabled;

	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	/*
	 * The user may have been deleted or disabled while the password was
	 * checked; the row lock orders this against authctl's change, which
	 * revokes only the sessions that exist when it runs.
	 */
	rc = pg_user_lock(st, user, 0, &disabled);
	if (rc == STORE_OK && disabled)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = pg_family_new(st, user, rhash, now, expires);
	if (rc == STORE_OK) {
		/* Spent tokens stay a day to catch reuse. */
		memset(&p, 0, sizeof(p));
		pgconn_int(&p, now - PG_PRUNE_AFTER);
		rc = pgconn_run(&st->c, "DELETE FROM refresh_tokens "
		    "WHERE expires_at < $1", &p);
	}
	return pgconn_end(&st->c, rc);
}

/* Inside a transaction: take the lock of each counter of lim, in the
 * order of their keys, so two takers never wait for each other in a
 * circle. */
static enum store_rc
pg_limit_lock(struct store *st, const struct store_limit *lim, size_t n)
{
	struct pgparams	 p;
	enum store_rc		 rc = STORE_OK;
	int32_t			 keys[8], k;
	size_t			 i, j, m = 0;

	for (i = 0; i < n && m < sizeof(keys) / sizeof(keys[0]); i++) {
		memcpy(&k, lim[i].key, sizeof(k));
		for (j = m; j > 0 && keys[j - 1] > k; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
		m++;
	}
	for (i = 0; i < m && rc == STORE_OK; i++) {
		if (i > 0 && keys[i] == keys[i - 1])
			continue;
		memset(&p, 0, sizeof(p));
		pgconn_int(&p, keys[i]);
		rc = pgconn_run(&st->c, "SELECT pg_advisory_xact_lock("
		    PG_LOCK_CLASS ", "
		    "$1::integer)", &p);
	}
	return rc;
}

/* The seconds left in the live window of lim when it is full, else 0;
 * inside the caller's transaction. */
static enum store_rc
pg_limit_left(struct store *st, const struct store_limit *lim, time_t now,
    long window, long *left)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;
	int64_t			 hits, start;

	*left = 0;
	memset(&p, 0, sizeof(p));
	pgconn_bytes(&p, lim->key, STORE_KEYLEN);
	if ((r = pgconn_exec(&st->c, "SELECT hits, window_start FROM throttle "
	    "WHERE key = $1", &p, &rc)) == NULL)
		return rc;
	if (PQntuples(r) == 1) {
		hits = pgconn_get_int(r, 0, 0);
		start = pgconn_get_int(r, 0, 1);
		if (hits >= lim->max && start > now - window)
			*left = (long)(start + window - now);
	}
	PQclear(r);
	return STORE_OK;
}

enum store_rc
store_limit_take(struct store *st, struct store_limit *lim, size_t n,
    time_t now, long window, long *retry_after)
{
	struct pgparams	 p;
	enum store_rc		 rc;
	size_t			 i;
	long			 left;

	*retry_after = 0;
	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	rc = pg_limit_lock(st, lim, n);
	for (i = 0; i < n && rc == STORE_OK; i++) {
		lim[i].full = 0;
		if (lim[i].max <= 0)
			continue;
		rc = pg_limit_left(st, &lim[i], now, window, &left);
		lim[i].full = left > 0;
		if (left > *retry_after)
			*retry_after = left;
	}
	/* A window opens at the first hit and lasts window seconds. */
	for (i = 0; i < n && rc == STORE_OK && *retry_after == 0; i++) {
		memset(&p, 0, sizeof(p));
		pgconn_bytes(&p, lim[i].key, STORE_KEYLEN);
		pgconn_int(&p, now);
		pgconn_int(&p, window);
		rc = pgconn_run(&st->c, "INSERT INTO throttle AS t (key, hits, "
		    "window_start) VALUES ($1, 1, $2::bigint) "
		    "ON CONFLICT (key) DO UPDATE SET "
		    "hits = CASE WHEN t.window_start <= $2::bigint - "
		    "$3::bigint THEN 1 ELSE t.hits + 1 END, "
		    "window_start = CASE WHEN t.window_start <= $2::bigint - "
		    "$3::bigint THEN $2::bigint ELSE t.window_start END", &p);
	}
	if (rc == STORE_OK) {
		/* Windows long over hold nothing worth keeping. */
		memset(&p, 0, sizeof(p));
		pgconn_int(&p, now - window);
		rc = pgconn_run(&st->c, "DELETE FROM throttle "
		    "WHERE window_start <= $1",
		    &p);
	}
	return pgconn_end(&st->c, rc);
}

/* Give back one hit taken at taken_at on each of lim; in a transaction. */
static enum store_rc
pg_limit_unhit(struct store *st, const struct store_limit *lim, size_t n,
    time_t taken_at)
{
	struct pgparams	 p;
	enum store_rc		 rc = STORE_OK;
	size_t			 i;

	for (i = 0; i < n && rc == STORE_OK; i++) {
		memset(&p, 0, sizeof(p));
		pgconn_bytes(&p, lim[i].key, STORE_KEYLEN);
		pgconn_int(&p, taken_at);
		/* A hit taken at $2 is only in a window open by then. */
		rc = pgconn_run(&st->c, "UPDATE throttle SET hits = hits - 1 "
		    "WHERE key = $1 AND hits > 0 AND window_start <= $2", &p);
	}
	return rc;
}

enum store_rc
store_limit_give_back(struct store *st, const struct store_limit *lim,
    size_t n, time_t taken_at)
{
	enum store_rc	 rc;

	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	return pgconn_end(&st->c, pg_limit_unhit(st, lim, n, taken_at));
}

enum store_rc
store_login_known(struct store *st, const unsigned char key[STORE_KEYLEN],
    time_t since, int *known)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;

	*known = 0;
	memset(&p, 0, sizeof(p));
	pgconn_bytes(&p, key, STORE_KEYLEN);
	pgconn_int(&p, since);
	if ((r = pgconn_first(&st->c, "SELECT 1 FROM login_known "
	    "WHERE key = $1 AND at > $2", &p, &rc)) == NULL)
		return rc;
	*known = PQntuples(r) > 0;
	PQclear(r);
	return STORE_OK;
}

enum store_rc
store_login_succeeded(struct store *st, const struct store_limit *pair,
    const struct store_limit *others, size_t n,
    const unsigned char known[STORE_KEYLEN], time_t taken_at, time_t now,
    time_t forget_before)
{
	struct pgparams	 p;
	enum store_rc		 rc;

	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	if (pair != NULL) {
		memset(&p, 0, sizeof(p));
		pgconn_bytes(&p, pair->key, STORE_KEYLEN);
		if ((rc = pgconn_run(&st->c, "DELETE FROM throttle "
		    "WHERE key = $1",
		    &p)) != STORE_OK)
			goto out;
	}
	if ((rc = pg_limit_unhit(st, others, n, taken_at)) != STORE_OK)
		goto out;
	memset(&p, 0, sizeof(p));
	pgconn_bytes(&p, known, STORE_KEYLEN);
	pgconn_int(&p, now);
	if ((rc = pgconn_run(&st->c, "INSERT INTO login_known (key, at) "
	    "VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = "
	    "EXCLUDED.at", &p)) != STORE_OK)
		goto out;
	memset(&p, 0, sizeof(p));
	pgconn_int(&p, forget_before);
	rc = pgconn_run(&st->c, "DELETE FROM login_known WHERE at <= $1", &p);
out:
	return pgconn_end(&st->c, rc);
}

/* What a look-up of a refresh token found. */
struct pg_token {
	int64_t		 family;
	int		 spent, revoked;
	char		 user[USERNAME_MAX + 1];
};

/* Inside a transaction: the token whose hash is given, or
 * STORE_INVALID.  A token of a user deleted since is unknown. */
static enum store_rc
pg_token_find(struct store *st, const unsigned char hash[RTOKEN_HASHLEN],
    struct pg_token *t)
{
	struct pgparams	 p;
	PGresult		*r;
	enum store_rc		 rc;
	const char		*u;

	memset(&p, 0, sizeof(p));
	pgconn_bytes(&p, hash, RTOKEN_HASHLEN);
	if ((r = pgconn_exec(&st->c, "SELECT t.family, "
	    "(t.spent_at IS NOT NULL)::int, "
	    "(coalesce(f.revoked_at, u.disabled_at) IS NOT NULL)::int, "
	    "f.username FROM refresh_tokens t "
	    "JOIN refresh_families f ON f.id = t.family "
	    "JOIN users u ON u.username = f.username WHERE t.hash = $1",
	    &p, &rc)) == NULL)
		return rc;
	rc = STORE_INVALID;
	if (PQntuples(r) == 1) {
		t->family = pgconn_get_int(r, 0, 0);
		t->spent = pgconn_get_int(r, 0, 1) != 0;
		t->revoked = pgconn_get_int(r, 0, 2) != 0;
		u = PQgetvalue(r, 0, 3);
		rc = STORE_ERROR;
		if (u != NULL && strlen(u) <= USERNAME_MAX) {
			memcpy(t->user, u, strlen(u) + 1);
			rc = STORE_OK;
		}
	}
	PQclear(r);
	return rc;
}

static enum store_rc
pg_family_revoke(struct store *st, int64_t family, time_t now)
{
	struct pgparams	 p;

	memset(&p, 0, sizeof(p));
	pgconn_int(&p, now);
	pgconn_int(&p, family);
	return pgconn_run(&st->c, "UPDATE refresh_families SET revoked_at = $1 "
	    "WHERE id = $2 AND revoked_at IS NULL", &p);
}

/*
 * The rotation is one statement: the UPDATE spends the token only while
 * it is live, and a second UPDATE of the same row waits for the first to
 * commit, checks its WHERE again on the row as the first left it, and
 * spends nothing.  So of any number of uses at once, on any nodes,
 * exactly one gets a successor; the others find the token spent, which
 * is a reuse (as on SQLite, where the same uses run one after another).
 */
enum store_rc
store_refresh_rotate(struct store *st, const unsigned char old[RTOKEN_HASHLEN],
    const unsigned char new[RTOKEN_HASHLEN], time_t now, time_t expires,
    char *user)
{
	struct pgparams	 p;
	struct pg_token		 t;
	PGresult		*r;
	enum store_rc		 rc;

	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	pgconn_bytes(&p, old, RTOKEN_HASHLEN);
	pgconn_bytes(&p, new, RTOKEN_HASHLEN);
	pgconn_int(&p, now);
	pgconn_int(&p, expires);
	if ((r = pgconn_exec(&st->c, "WITH spent AS ("
	    "UPDATE refresh_tokens t SET spent_at = $3::bigint "
	    "FROM refresh_families f, users u "
	    "WHERE t.hash = $1 AND f.id = t.family "
	    "AND u.username = f.username AND t.spent_at IS NULL "
	    "AND f.revoked_at IS NULL AND u.disabled_at IS NULL "
	    "AND t.expires_at > $3::bigint RETURNING t.family, f.username), "
	    "next AS (INSERT INTO refresh_tokens (hash, family, created_at, "
	    "expires_at) SELECT $2, family, $3::bigint, $4::bigint FROM spent "
	    "RETURNING family) "
	    "SELECT username FROM spent", &p, &rc)) == NULL)
		return pgconn_end(&st->c, rc);
	if (PQntuples(r) == 1)
		return pgconn_end(&st->c, pg_one_text(r, user,
		    USERNAME_MAX + 1));
	PQclear(r);
	/* Not rotated: unknown, revoked, expired, or spent (a reuse). */
	if ((rc = pg_token_find(st, old, &t)) != STORE_OK)
		return pgconn_end(&st->c, rc);
	if (t.revoked || !t.spent)
		return pgconn_end(&st->c, STORE_INVALID);
	/* Reuse: someone holds a copy.  Revoke the family, so the thief's
	 * and the owner's descendants die alike. */
	if ((rc = pg_family_revoke(st, t.family, now)) == STORE_OK) {
		memcpy(user, t.user, strlen(t.user) + 1);
		rc = STORE_REUSED;
	}
	return pgconn_end(&st->c, rc);
}

enum store_rc
store_refresh_revoke(struct store *st, const unsigned char hash[RTOKEN_HASHLEN],
    time_t now)
{
	struct pg_token		 t;
	enum store_rc		 rc;

	if ((rc = pgconn_begin(&st->c)) != STORE_OK)
		return rc;
	rc = pg_token_find(st, hash, &t);
	if (rc == STORE_OK)
		rc = pg_family_revoke(st, t.family, now);
	else if (rc == STORE_INVALID)
		rc = STORE_OK;
	return pgconn_end(&st->c, rc);
}

/* What the program finds in this module (common/pgmodule.c). */
#define PG_OPS_INIT(B, ret, name, params)	.name = B##_store_##name,
extern const struct pg_ops jwt_auth_pg_ops;
const struct pg_ops jwt_auth_pg_ops = {
	.build = JWT_AUTH_VERSION,
	.size = sizeof(struct pg_ops),
	STORE_BACKEND_FUNCS(PG_OPS_INIT, pg)
	STORE_PG_FUNCS(PG_OPS_INIT, pg)
};
