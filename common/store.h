/* SPDX-License-Identifier: ISC */
/*
 * The data store: users, their orders and refresh tokens, in SQLite (WAL,
 * busy timeout, schema versioned with PRAGMA user_version).  The
 * executables see only this interface, so another backend can follow.
 *
 * Every write runs in one BEGIN IMMEDIATE transaction, so concurrent
 * processes wait instead of failing mid-way; they wait in a queue, in the
 * order they came (a file beside the database, path-queue, holds it), and
 * give up with STORE_BUSY after 5 s.
 */
#ifndef COMMON_STORE_H
#define COMMON_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/pwhash.h"
#include "common/rtoken.h"
#include "common/username.h"

#define STORE_ITEM_MAX		200	/* bytes of an order's item */
#define STORE_SCHEMA_VERSION	6

enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* no such user */
	STORE_EXISTS,		/* user name taken */
	STORE_INVALID,		/* refresh token unknown, spent, expired */
	STORE_REUSED,		/* a spent refresh token again: family revoked */
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

/*
 * The store the configuration names: PostgreSQL at url (DATABASE_URL)
 * when it is set, else SQLite at path (store_open).  A malformed url or a
 * refused login fails here, with a reason that never holds the password;
 * a database that is down does not: each call then answers STORE_BUSY
 * until it is back, and the store reconnects by itself.
 */
struct store	*store_connect(const char *url, const char *path, char *err,
		    size_t errlen);

/* Whether the database answers now: STORE_OK, or STORE_BUSY/ERROR. */
enum store_rc	 store_ping(struct store *st);

/* A short reason for the last failure, for logs; never holds user data. */
const char	*store_errmsg(const struct store *st);

/* The same for a STORE_BUSY: SQLite's lock held past the busy timeout,
 * or why PostgreSQL is out of reach. */
const char	*store_busy_reason(const struct store *st);

/*
 * The place in the write queue that this store's last write took (0 before
 * any, or when it could not queue).  Writes of all processes commit in the
 * order of their places; for tests.
 */
uint64_t	 store_write_ticket(const struct store *st);

/*
 * Create a user and the first refresh token of a new family, at once.
 * STORE_EXISTS when the name is taken: by a user, by orders kept from a
 * deleted one, or by a user deleted less than reserve seconds ago (give
 * ACCESS_TOKEN_TTL + TOKEN_LEEWAY: the deleted user's access tokens would
 * otherwise be the new owner's).
 */
enum store_rc	 store_user_create(struct store *st, const char *user,
		    const char *pwhash, const unsigned char rhash[RTOKEN_HASHLEN],
		    time_t now, time_t rexpires, long reserve);

/* Copy the password hash of user into hash, or STORE_NOTFOUND. */
enum store_rc	 store_user_hash(struct store *st, const char *user,
		    char hash[PWHASH_LEN]);

/* Replace the password hash of user (a reset), or STORE_NOTFOUND. */
enum store_rc	 store_user_set_hash(struct store *st, const char *user,
		    const char *pwhash);

/*
 * Replace the hash of user with fresh only while it is still old, the one
 * a login just verified (a rehash at new limits).  STORE_NOTFOUND when it
 * changed meanwhile (a password reset wins) or the user is gone.
 */
enum store_rc	 store_user_rehash(struct store *st, const char *user,
		    const char *old, const char *fresh);

/* Called once per user, by name; 1 stops the walk, -1 fails it. */
typedef int (*store_user_cb)(const char *user, int64_t created_at,
    int disabled, void *arg);

/* Walk every user, by name. */
enum store_rc	 store_user_list(struct store *st, store_user_cb cb,
		    void *arg);

/* Whether user is disabled (*disabled), or STORE_NOTFOUND. */
enum store_rc	 store_user_state(struct store *st, const char *user,
		    int *disabled);

/*
 * Disable user: no login and no refresh from now on, and every session
 * revoked (*sessions gets how many were live).  Access tokens already
 * handed out live until they expire.  STORE_NOTFOUND for no such user.
 * Disabling a disabled user changes nothing.
 */
enum store_rc	 store_user_disable(struct store *st, const char *user,
		    time_t now, int *sessions);

/* Undo store_user_disable (sessions stay revoked), or STORE_NOTFOUND. */
enum store_rc	 store_user_enable(struct store *st, const char *user);

/*
 * Delete user and every refresh token of theirs (*sessions: how many
 * sessions were live), and with with_orders their orders (*orders), at
 * now.  A user deleted before can be deleted again with with_orders:
 * orders written since (an access token outlives its user) go too.
 * STORE_NOTFOUND for no such user.  See store_user_create for when the
 * name is free again.
 */
enum store_rc	 store_user_delete(struct store *st, const char *user,
		    int with_orders, time_t now, int *sessions, int *orders);

/* Revoke every refresh-token family (session) of user; *count gets how
 * many were live. */
enum store_rc	 store_user_revoke_all(struct store *st, const char *user,
		    time_t now, int *count);

/* Add an order; on STORE_OK, out holds the stored row. */
enum store_rc	 store_order_add(struct store *st, const char *user,
		    const char *item, int quantity, time_t now,
		    struct order *out);

/*
 * store_order_add under an idempotency key (the Idempotency-Key header):
 * when user added an order under key after since, out gets that order,
 * nothing is added, and *again is 1; else the order is added and kept
 * under key, and *again is 0.  Of two adds with one key at once, one adds
 * and the other gets its order.
 */
enum store_rc	 store_order_add_key(struct store *st, const char *user,
		    const char *key, const char *item, int quantity,
		    time_t now, time_t since, struct order *out, int *again);

/* Walk at most limit orders of user whose id is above after, oldest
 * first (after 0: from the first). */
enum store_rc	 store_order_list(struct store *st, const char *user,
		    int64_t after, int limit, store_order_cb cb, void *arg);

/*
 * Throttling counters, each under a key (a hash of what it counts, so no
 * name or address is stored as such).  A counter's window opens at its
 * first hit and lasts window seconds; then it starts again from zero.
 */
#define STORE_KEYLEN	32

struct store_limit {
	unsigned char	 key[STORE_KEYLEN];
	long		 max;	/* full at this many hits; 0: count, never full */
	int		 full;	/* out: store_limit_take found this one full */
};

/*
 * All or nothing, in one transaction: when any of the n counters is full,
 * *retry_after gets the most seconds left among the full ones and nothing
 * is counted; else each counts one hit and *retry_after is 0.  So attempts
 * running at once can never get past a limit together.
 */
enum store_rc	 store_limit_take(struct store *st,
		    struct store_limit *lim, size_t n, time_t now,
		    long window, long *retry_after);

/* Undo the hits store_limit_take counted at taken_at (the attempt was not
 * made after all); a window opened since is left alone. */
enum store_rc	 store_limit_give_back(struct store *st,
		    const struct store_limit *lim, size_t n, time_t taken_at);

/* Whether key (a user and an address) logged in after since. */
enum store_rc	 store_login_known(struct store *st,
		    const unsigned char key[STORE_KEYLEN], time_t since,
		    int *known);

/*
 * A login succeeded: clear the pair counter (this user from this
 * address; NULL for none), give back the hits taken at taken_at on the n others (a
 * success is no failure), and remember known until forget_before passes.
 */
enum store_rc	 store_login_succeeded(struct store *st,
		    const struct store_limit *pair,
		    const struct store_limit *others, size_t n,
		    const unsigned char known[STORE_KEYLEN], time_t taken_at,
		    time_t now, time_t forget_before);

/* Store the first refresh token of a new family (login); STORE_NOTFOUND
 * when the user is gone or disabled by now. */
enum store_rc	 store_refresh_issue(struct store *st, const char *user,
		    const unsigned char rhash[RTOKEN_HASHLEN], time_t now,
		    time_t expires);

/*
 * Spend the token whose hash is old and store new in its family.  A token
 * already spent revokes its whole family (RFC 6819 §5.2.2.3).  Returns
 * STORE_OK with the owner in user (USERNAME_MAX + 1 bytes),
 * STORE_REUSED (the owner in user too) when the token was spent before,
 * or STORE_INVALID for an unknown, revoked or expired token.
 */
enum store_rc	 store_refresh_rotate(struct store *st,
		    const unsigned char old[RTOKEN_HASHLEN],
		    const unsigned char new[RTOKEN_HASHLEN], time_t now,
		    time_t expires, char *user);

/* Revoke the family of a token; an unknown token is STORE_OK too. */
enum store_rc	 store_refresh_revoke(struct store *st,
		    const unsigned char hash[RTOKEN_HASHLEN], time_t now);

#endif
