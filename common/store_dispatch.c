/* SPDX-License-Identifier: ISC */
/*
 * The store interface (store.h) over its two backends: SQLite
 * (common/store_sqlite.c) and PostgreSQL (common/store_pg.c).  store_connect
 * chooses one from the configuration, once; every other call goes to
 * the backend that store holds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/store.h"
#include "common/store_backend.h"

/* The PostgreSQL module's functions, once loaded (store_connect). */
static const struct pg_ops *pg_ops;

struct store {
	struct sqlite_store	*lite;	/* exactly one of the two */
	struct pg_store		*pg;
	struct store_key	*keys;	/* with lite: its idempotency keys */
};

/* Call function fn of st's backend with the arguments after st. */
#define STORE_CALL(st, fn, ...)						\
	((st)->pg != NULL ? pg_ops->fn((st)->pg, __VA_ARGS__) :	\
	    sqlite_store_##fn((st)->lite, __VA_ARGS__))

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_connect(NULL, path, err, errlen);
}

struct store *
store_connect(const char *url, const char *path, char *err, size_t errlen)
{
	struct store	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory",
		    url != NULL ? "DATABASE_URL" : "DATABASE_PATH");
		return NULL;
	}
	if (url != NULL) {
		if (pg_ops == NULL)
			pg_ops = pgmodule_load(err, errlen);
		if (pg_ops != NULL)
			st->pg = pg_ops->open(url, err, errlen);
	}
	else if ((st->lite = sqlite_store_open(path, err, errlen)) != NULL &&
	    (st->keys = store_key_open(path)) == NULL)
		snprintf(err, errlen, "DATABASE_PATH: out of memory");
	if (st->pg == NULL && st->keys == NULL) {
		store_close(st);
		return NULL;
	}
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->pg != NULL)
		pg_ops->close(st->pg);
	sqlite_store_close(st->lite);
	store_key_close(st->keys);
	free(st);
}

const char *
store_errmsg(const struct store *st)
{
	if (st == NULL)
		return "no store";
	return st->pg != NULL ? pg_ops->errmsg(st->pg) :
	    sqlite_store_errmsg(st->lite);
}

const char *
store_busy_reason(const struct store *st)
{
	if (st != NULL && st->pg != NULL)
		return pg_ops->errmsg(st->pg);
	return "still locked after the busy timeout";
}

uint64_t
store_write_ticket(const struct store *st)
{
	return st->pg != NULL ? 0 : sqlite_store_write_ticket(st->lite);
}

/*
 * SQLite: a read of the users table (an unknown name is an answer too),
 * which fails when the file is gone or unreadable.
 */
enum store_rc
store_ping(struct store *st)
{
	enum store_rc	 rc;
	int		 disabled;

	if (st->pg != NULL)
		return pg_ops->ping(st->pg);
	rc = sqlite_store_user_state(st->lite, "", &disabled);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

enum store_rc
store_user_create(struct store *st, const char *user, const char *pwhash,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t rexpires,
    long reserve)
{
	return STORE_CALL(st, user_create, user, pwhash, rhash, now, rexpires,
	    reserve);
}

enum store_rc
store_user_hash(struct store *st, const char *user, char hash[PWHASH_LEN])
{
	return STORE_CALL(st, user_hash, user, hash);
}

enum store_rc
store_user_set_hash(struct store *st, const char *user, const char *pwhash)
{
	return STORE_CALL(st, user_set_hash, user, pwhash);
}

enum store_rc
store_user_rehash(struct store *st, const char *user, const char *old,
    const char *fresh)
{
	return STORE_CALL(st, user_rehash, user, old, fresh);
}

enum store_rc
store_user_list(struct store *st, store_user_cb cb, void *arg)
{
	return STORE_CALL(st, user_list, cb, arg);
}

enum store_rc
store_user_state(struct store *st, const char *user, int *disabled)
{
	return STORE_CALL(st, user_state, user, disabled);
}

enum store_rc
store_user_disable(struct store *st, const char *user, time_t now,
    int *sessions)
{
	return STORE_CALL(st, user_disable, user, now, sessions);
}

enum store_rc
store_user_enable(struct store *st, const char *user)
{
	return STORE_CALL(st, user_enable, user);
}

enum store_rc
store_user_delete(struct store *st, const char *user, int with_orders,
    time_t now, int *sessions, int *orders)
{
	return STORE_CALL(st, user_delete, user, with_orders, now, sessions,
	    orders);
}

enum store_rc
store_user_revoke_all(struct store *st, const char *user, time_t now,
    int *count)
{
	return STORE_CALL(st, user_revoke_all, user, now, count);
}

enum store_rc
store_order_add(struct store *st, const char *user, const char *item,
    int quantity, time_t now, struct order *out)
{
	return STORE_CALL(st, order_add, user, item, quantity, now, out);
}

enum store_rc
store_order_list(struct store *st, const char *user, int64_t after, int limit,
    store_order_cb cb, void *arg)
{
	return STORE_CALL(st, order_list, user, after, limit, cb, arg);
}

enum store_rc
store_limit_take(struct store *st, struct store_limit *lim, size_t n,
    time_t now, long window, long *retry_after)
{
	return STORE_CALL(st, limit_take, lim, n, now, window, retry_after);
}

enum store_rc
store_limit_give_back(struct store *st, const struct store_limit *lim, size_t n,
    time_t taken_at)
{
	return STORE_CALL(st, limit_give_back, lim, n, taken_at);
}

enum store_rc
store_login_known(struct store *st, const unsigned char key[STORE_KEYLEN],
    time_t since, int *known)
{
	return STORE_CALL(st, login_known, key, since, known);
}

enum store_rc
store_login_succeeded(struct store *st, const struct store_limit *pair,
    const struct store_limit *others, size_t n,
    const unsigned char known[STORE_KEYLEN], time_t taken_at, time_t now,
    time_t forget_before)
{
	return STORE_CALL(st, login_succeeded, pair, others, n, known, taken_at,
	    now, forget_before);
}

enum store_rc
store_refresh_issue(struct store *st, const char *user,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t expires)
{
	return STORE_CALL(st, refresh_issue, user, rhash, now, expires);
}

enum store_rc
store_refresh_rotate(struct store *st, const unsigned char old[RTOKEN_HASHLEN],
    const unsigned char new[RTOKEN_HASHLEN], time_t now, time_t expires,
    char *user)
{
	return STORE_CALL(st, refresh_rotate, old, new, now, expires, user);
}

enum store_rc
store_refresh_revoke(struct store *st, const unsigned char hash[RTOKEN_HASHLEN],
    time_t now)
{
	return STORE_CALL(st, refresh_revoke, hash, now);
}

enum store_rc
store_order_add_key(struct store *st, const char *user, const char *key,
    const char *item, int quantity, time_t now, time_t since,
    struct order *out, int *again)
{
	if (st->pg != NULL)
		return pg_ops->order_add_key(st->pg, user, key, item,
		    quantity, now, since, out, again);
	return store_key_order_add(st->keys, user, key, item, quantity, now,
	    since, out, again);
}
