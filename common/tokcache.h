/* SPDX-License-Identifier: ISC */
/*
 * A cache of verified tokens, one per process.  An Ed25519 or P-256
 * verification costs more than a whole request at the FastCGI ceiling
 * (an HS256 one a few percent of it: bench/README.md, "Per-process
 * caches"), and a client sends the same token for many requests, so what
 * a full verification yields (the user name and the time claims) is kept
 * under a keyed BLAKE2b digest of the whole token.  A hit is never "valid"
 * by itself: the caller judges the time claims again at its now.  A fixed
 * table, allocated once, so a worker's private memory stays bounded.
 */
#ifndef COMMON_TOKCACHE_H
#define COMMON_TOKCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/username.h"

/*
 * 2048 entries of 144 bytes (288 KiB), what a worker's
 * 2 MB of private memory has room for.  A digest may sit in any of 32
 * slots from its own, so at a 1000-user load (half full) a token finds
 * all 32 taken about once in 10^10.
 */
#define TOKCACHE_SLOTS	2048	/* entries; a power of two */
#define TOKCACHE_WAYS	32	/* slots a digest may sit in */
#define TOKCACHE_NONE	INT64_MIN /* a time claim the token lacks */

struct tokcache;

/* What a verification yielded, as stored. */
struct tokcache_hit {
	int64_t		 exp;
	int64_t		 nbf;		/* or TOKCACHE_NONE */
	int64_t		 iat;		/* or TOKCACHE_NONE */
	/* When the key that verified it stops verifying (an old secret's
	 * window ends), or INT64_MAX: no hit from then on. */
	int64_t		 until;
	char		 user[USERNAME_MAX + 1];
};

/* A cache with its own random digest key, or NULL when out of memory. */
struct tokcache	*tokcache_new(void);
void		 tokcache_free(struct tokcache *tc);

/* Forget every entry (the keys changed, or SIGHUP). tc may be NULL. */
void		 tokcache_clear(struct tokcache *tc);

/* Whether the len bytes at tok were stored; if so, what into *hit. */
int		 tokcache_get(struct tokcache *tc, const char *tok, size_t len,
		    struct tokcache_hit *hit);

/*
 * Store a fully verified token.  When its slots are full the entry least
 * recently used gives way: tokens sent once (a flood of new ones, or
 * expired ones) leave before those clients keep sending.
 */
void		 tokcache_put(struct tokcache *tc, const char *tok, size_t len,
		    const struct tokcache_hit *hit);

/* How many entries are stored (for tests and the bench). */
size_t		 tokcache_count(const struct tokcache *tc);

#endif
