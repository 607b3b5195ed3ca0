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

/* The functions of one backend, under its prefix (B_store_*). */
#define STORE_BACKEND_DECLARE(B)					\
struct B##_store;							\
struct B##_store *B##_store_open(const char *, char *, size_t);		\
void		 B##_store_close(struct B##_store *);			\
const char	*B##_store_errmsg(const struct B##_store *);		\
uint64_t	 B##_store_write_ticket(const struct B##_store *);	\
enum store_rc	 B##_store_user_create(struct B##_store *, const char *, \
		    const char *, const unsigned char [RTOKEN_HASHLEN],	\
		    time_t, time_t, long);				\
enum store_rc	 B##_store_user_hash(struct B##_store *, const char *,	\
		    char [PWHASH_LEN]);					\
enum store_rc	 B##_store_user_set_hash(struct B##_store *,		\
		    const char *, const char *);			\
enum store_rc	 B##_store_user_rehash(struct B##_store *, const char *, \
		    const char *, const char *);			\
enum store_rc	 B##_store_user_list(struct B##_store *, store_user_cb,	\
		    void *);						\
enum store_rc	 B##_store_user_state(struct B##_store *, const char *,	\
		    int *);						\
enum store_rc	 B##_store_user_disable(struct B##_store *,		\
		    const char *, time_t, int *);			\
enum store_rc	 B##_store_user_enable(struct B##_store *, const char *); \
enum store_rc	 B##_store_user_delete(struct B##_store *, const char *, \
		    int, time_t, int *, int *);				\
enum store_rc	 B##_store_user_revoke_all(struct B##_store *,		\
		    const char *, time_t, int *);			\
enum store_rc	 B##_store_order_add(struct B##_store *, const char *,	\
		    const char *, int, time_t, struct order *);		\
enum store_rc	 B##_store_order_list(struct B##_store *, const char *,	\
		    int64_t, int, store_order_cb, void *);		\
enum store_rc	 B##_store_limit_take(struct B##_store *,		\
		    struct store_limit *, size_t, time_t, long, long *); \
enum store_rc	 B##_store_limit_give_back(struct B##_store *,		\
		    const struct store_limit *, size_t, time_t);	\
enum store_rc	 B##_store_login_known(struct B##_store *,		\
		    const unsigned char [STORE_KEYLEN], time_t, int *);	\
enum store_rc	 B##_store_login_succeeded(struct B##_store *,		\
		    const struct store_limit *,				\
		    const struct store_limit *, size_t,		\
		    const unsigned char [STORE_KEYLEN], time_t, time_t,	\
		    time_t);						\
enum store_rc	 B##_store_refresh_issue(struct B##_store *,		\
		    const char *, const unsigned char [RTOKEN_HASHLEN],	\
		    time_t, time_t);					\
enum store_rc	 B##_store_refresh_rotate(struct B##_store *,		\
		    const unsigned char [RTOKEN_HASHLEN],		\
		    const unsigned char [RTOKEN_HASHLEN], time_t, time_t, \
		    char *);						\
enum store_rc	 B##_store_refresh_revoke(struct B##_store *,		\
		    const unsigned char [RTOKEN_HASHLEN], time_t);

STORE_BACKEND_DECLARE(sqlite)
STORE_BACKEND_DECLARE(pg)

/* PostgreSQL's own: whether the database answers now (health), and
 * idempotency keys in its schema. */
enum store_rc	 pg_store_ping(struct pg_store *);
enum store_rc	 pg_store_order_add_key(struct pg_store *, const char *,
		    const char *, const char *, int, time_t, time_t,
		    struct order *, int *);

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
