/*
 * Recently sent order lists, as the exact JSON text of the 200 body, so
 * that a client polling its orders is answered without a database read
 * transaction (most of what such a request cost).  One per process
 * (FastCGI workers are single-threaded).
 *
 * An entry is keyed by the user name (taken from a verified token by the
 * caller, never from the request) and tagged with the orders' change
 * counter read before the list was queried (store_orders_generation).  It
 * is used only while the counter still holds that value, the value is
 * even, and the entry is younger than ttl seconds: the counter catches
 * every change this program makes, in any process, before it is
 * acknowledged; the time to live bounds how long an edit made outside it
 * (the sqlite3 shell) can go unseen.  ttl 0 turns the cache off.
 */
#ifndef COMMON_ORDERCACHE_H
#define COMMON_ORDERCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/token.h"

#define ORDERCACHE_SLOTS	32	/* direct-mapped entries */
#define ORDERCACHE_BODY		4096	/* bytes; longer lists go uncached */
#define ORDERCACHE_TTL_MAX	3600	/* seconds */

/*
 * The body kept for user under generation gen, filled less than ttl
 * seconds before now; its length in *len.  NULL when there is none.
 * Borrowed until the next ordercache_put().
 */
const char	*ordercache_get(const char *user, uint64_t gen, time_t now,
		    long ttl, size_t *len);

/* Keep body (len bytes) for user, read under gen at now; silently skips
 * what must not or cannot be kept (odd gen, ttl 0, too long). */
void		 ordercache_put(const char *user, uint64_t gen, time_t now,
		    long ttl, const char *body, size_t len);

/* Forget everything (tests). */
void		 ordercache_clear(void);

#endif
