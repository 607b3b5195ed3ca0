/*
 * The data store: users, their orders and refresh tokens, in SQLite (WAL,
 * busy timeout, schema versioned with PRAGMA user_version).  The
 * executables see only this interface, so another backend can follow.
 *
 * Every write runs in one BEGIN IMMEDIATE transaction, so concurrent
 * processes queue on the busy timeout instead of failing mid-way.
 */
#ifndef COMMON_STORE_H
#define COMMON_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/pwhash.h"
#include "common/rtoken.h"
#include "common/token.h"

#define STORE_ITEM_MAX		200	/* bytes of an order's item */
#define STORE_SCHEMA_VERSION	3

enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* no such user */
	STORE_EXISTS,		/* user name taken */
	STORE_INVALID,		/* refresh token unknown, spent, expired */
	STORE_BUSY,		/* still locked after the busy timeout */
	STORE_ERROR,		/* anything else: I/O, full disk, corrupt */
	STORE__MAX
};

struct store;

struct order {
	int64_t		 id;
	char		 item[STORE_ITEM_MAX + 1];
	int		 quantity;
	int64_t		 created_at;	/* seconds since the epoch, UTC */
};

/* Called once per order, oldest first; 1 stops the walk, -1 fails it
 * (STORE_ERROR). */
typedef int (*store_order_cb)(const struct order *o, void *arg);

/*
 * Open (creating and migrating) the database at path.  Returns the store,
 * or NULL with a reason in err.  Release with store_close().  The first
 * call sets SQLite single-threaded: a process must use its stores from one
 * thread only (every program here has one).
 */
struct store	*store_open(const char *path, char *err, size_t errlen);
void		 store_close(struct store *st);

/* A short reason for the last failure, for logs; never holds user data. */
const char	*store_errmsg(const struct store *st);

/* Create a user and the first refresh token of a new family, at once. */
enum store_rc	 store_user_create(struct store *st, const char *user,
		    const char *pwhash, const unsigned char rhash[RTOKEN_HASHLEN],
		    time_t now, time_t rexpires);

/* Copy the password hash of user into hash, or STORE_NOTFOUND. */
enum store_rc	 store_user_hash(struct store *st, const char *user,
		    char hash[PWHASH_LEN]);

/* Replace the password hash of user (rehash on login, a reset), or
 * STORE_NOTFOUND. */
enum store_rc	 store_user_set_hash(struct store *st, const char *user,
		    const char *pwhash);

/* Called once per user, by name; 1 stops the walk, -1 fails it. */
typedef int (*store_user_cb)(const char *user, int64_t created_at,
    void *arg);

/* Walk every user, by name. */
enum store_rc	 store_user_list(struct store *st, store_user_cb cb,
		    void *arg);

/* Revoke every refresh-token family (session) of user; *count gets how
 * many were live. */
enum store_rc	 store_user_revoke_all(struct store *st, const char *user,
		    time_t now, int *count);

/* Add an order; on STORE_OK, out holds the stored row. */
enum store_rc	 store_order_add(struct store *st, const char *user,
		    const char *item, int quantity, time_t now,
		    struct order *out);

/* Walk the orders of user, oldest first. */
enum store_rc	 store_order_list(struct store *st, const char *user,
		    store_order_cb cb, void *arg);

/*
 * Login throttling, keyed by a hash of the submitted user name (existing
 * or not, so the answer says nothing about existence).  A window opens at
 * the first failure and lasts window seconds.
 *
 * store_login_check: *retry_after gets the seconds left when the name has
 * max failures or more in its window, else 0.
 * store_login_failed: count one failure (a new window if the old one is
 * over).  store_login_reset: forget the name (a successful login).
 */
#define STORE_LOGIN_KEYLEN	32
enum store_rc	 store_login_check(struct store *st,
		    const unsigned char key[STORE_LOGIN_KEYLEN], time_t now,
		    long window, int max, long *retry_after);
enum store_rc	 store_login_failed(struct store *st,
		    const unsigned char key[STORE_LOGIN_KEYLEN], time_t now,
		    long window);
enum store_rc	 store_login_reset(struct store *st,
		    const unsigned char key[STORE_LOGIN_KEYLEN]);

/* Store the first refresh token of a new family (login). */
enum store_rc	 store_refresh_issue(struct store *st, const char *user,
		    const unsigned char rhash[RTOKEN_HASHLEN], time_t now,
		    time_t expires);

/*
 * Spend the token whose hash is old and store new in its family.  A token
 * already spent revokes its whole family (RFC 6819 §5.2.2.3).  Returns
 * STORE_OK with the owner in user (TOKEN_USER_MAX + 1 bytes), or
 * STORE_INVALID for an unknown, spent, revoked or expired token.
 */
enum store_rc	 store_refresh_rotate(struct store *st,
		    const unsigned char old[RTOKEN_HASHLEN],
		    const unsigned char new[RTOKEN_HASHLEN], time_t now,
		    time_t expires, char *user);

/* Revoke the family of a token; an unknown token is STORE_OK too. */
enum store_rc	 store_refresh_revoke(struct store *st,
		    const unsigned char hash[RTOKEN_HASHLEN], time_t now);

#endif
