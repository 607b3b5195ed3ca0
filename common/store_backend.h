/* SPDX-License-Identifier: ISC */
/*
 * The store's backends, each in a file of its own behind store.h:
 * SQLite (common/store_sqlite.c) and PostgreSQL (common/store_pg.c),
 * chosen once by store_connect (common/store_dispatch.c).
 *
 * A backend's file defines STORE_BACKEND (sqlite or pg) and includes
 * common/store_rename.h before common/store.h: its store_* functions and
 * its struct store are then named <backend>_store_* and struct
 * <backend>_store, so it reads as one implementation of store.h, while
 * the dispatch and authctl, which include this header, call each by its
 * own name.
 */
#ifndef COMMON_STORE_BACKEND_H
#define COMMON_STORE_BACKEND_H

#include "common/store.h"

/*
 * The functions of one backend, under its prefix (B_store_*), as one list
 * X(B, return type, name, parameters) read three ways: declarations
 * (below), the PostgreSQL module's table of pointers (struct pg_ops) and
 * its initialiser (common/store_pg.c).
 */
#define STORE_BACKEND_FUNCS(X, B)					\
X(B, struct B##_store *, open, (const char *, char *, size_t))		\
X(B, void, close, (struct B##_store *))					\
X(B, const char *, errmsg, (const struct B##_store *))			\
X(B, uint64_t, write_ticket, (const struct B##_store *))		\
X(B, enum store_rc, user_create, (struct B##_store *, const char *,	\
    const char *, const unsigned char [RTOKEN_HASHLEN], time_t, time_t, \
    long))								\
X(B, enum store_rc, user_hash, (struct B##_store *, const char *,	\
    char [PWHASH_LEN]))							\
X(B, enum store_rc, user_set_hash, (struct B##_store *, const char *,	\
    const char *))							\
X(B, enum store_rc, user_rehash, (struct B##_store *, const char *,	\
    const char *, const char *))					\
X(B, enum store_rc, user_list, (struct B##_store *, store_user_cb,	\
    void *))								\
X(B, enum store_rc, user_state, (struct B##_store *, const char *,	\
    int *))								\
X(B, enum store_rc, user_disable, (struct B##_store *, const char *,	\
    time_t, int *))							\
X(B, enum store_rc, user_enable, (struct B##_store *, const char *))	\
X(B, enum store_rc, user_delete, (struct B##_store *, const char *,	\
    int, time_t, int *, int *))						\
X(B, enum store_rc, user_revoke_all, (struct B##_store *, const char *, \
    time_t, int *))							\
X(B, enum store_rc, order_add, (struct B##_store *, const char *,	\
    const char *, int, time_t, struct order *))				\
X(B, enum store_rc, order_list, (struct B##_store *, const char *,	\
    int64_t, int, store_order_cb, void *))				\
X(B, enum store_rc, limit_take, (struct B##_store *,			\
    struct store_limit *, size_t, time_t, long, long *))		\
X(B, enum store_rc, limit_give_back, (struct B##_store *,		\
    const struct store_limit *, size_t, time_t))			\
X(B, enum store_rc, login_known, (struct B##_store *,			\
    const unsigned char [STORE_KEYLEN], time_t, int *))			\
X(B, enum store_rc, login_succeeded, (struct B##_store *,		\
    const struct store_limit *, const struct store_limit *, size_t,	\
    const unsigned char [STORE_KEYLEN], time_t, time_t, time_t))	\
X(B, enum store_rc, refresh_issue, (struct B##_store *, const char *,	\
    const unsigned char [RTOKEN_HASHLEN], time_t, time_t))		\
X(B, enum store_rc, refresh_rotate, (struct B##_store *,		\
    const unsigned char [RTOKEN_HASHLEN],				\
    const unsigned char [RTOKEN_HASHLEN], time_t, time_t, char *))	\
X(B, enum store_rc, refresh_revoke, (struct B##_store *,		\
    const unsigned char [RTOKEN_HASHLEN], time_t))

/* PostgreSQL's own: whether the database answers now (health), and
 * idempotency keys in its schema. */
#define STORE_PG_FUNCS(X, B)						\
X(B, enum store_rc, ping, (struct B##_store *))				\
X(B, enum store_rc, order_add_key, (struct B##_store *, const char *,	\
    const char *, const char *, int, time_t, time_t, struct order *,	\
    int *))

#define STORE_BACKEND_DECL(B, ret, name, params)			\
ret B##_store_##name params;
#define STORE_BACKEND_PTR(B, ret, name, params)				\
ret (*name) params;

struct sqlite_store;
struct pg_store;
STORE_BACKEND_FUNCS(STORE_BACKEND_DECL, sqlite)
STORE_BACKEND_FUNCS(STORE_BACKEND_DECL, pg)
STORE_PG_FUNCS(STORE_BACKEND_DECL, pg)

/*
 * PostgreSQL lives in a module of its own, jwt-auth-pg.so, loaded only
 * when DATABASE_URL is set (common/pgmodule.c): libpq brings GnuTLS,
 * Kerberos and LDAP, about half a megabyte of private memory in every
 * process that merely links it, which an SQLite installation would pay
 * for nothing.  The module exports one table, PG_OPS_SYMBOL, whose build
 * string and size must equal the program's: a module from another build
 * is refused, never called.
 */
#define PG_OPS_SYMBOL	"jwt_auth_pg_ops"
struct pg_ops {
	const char	*build;		/* JWT_AUTH_VERSION */
	size_t		 size;		/* sizeof(struct pg_ops) */
	STORE_BACKEND_FUNCS(STORE_BACKEND_PTR, pg)
	STORE_PG_FUNCS(STORE_BACKEND_PTR, pg)
};

/* The PostgreSQL module's table, or NULL with err set (DATABASE_URL). */
const struct pg_ops *pgmodule_load(char *err, size_t errlen);

/*
 * SQLite's idempotency keys (common/store_key.c): a table of their own in
 * the same file (schema version 6), on a connection of their own.
 * store_key_open never fails: a failure shows at the first use.
 */
struct store_key;
struct store_key *store_key_open(const char *path);
void		 store_key_close(struct store_key *);
enum store_rc	 store_key_order_add(struct store_key *, const char *,
		    const char *, const char *, int, time_t, time_t,
		    struct order *, int *);

#endif /* COMMON_STORE_BACKEND_H */
