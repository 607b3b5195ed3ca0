/* SPDX-License-Identifier: ISC */
/*
 * The verified-token cache (see tokcache.h).  Open addressing: a digest's
 * first bytes choose a slot, and it may sit in that one or the next
 * TOKCACHE_WAYS - 1.  The digest is keyed with a random key of the
 * process, so nobody outside can aim tokens at one slot, and all 32 bytes
 * are compared (in constant time, as the checks want every digest
 * compared): two tokens share an entry only if BLAKE2b collides.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/tokcache.h"

#define TOKCACHE_DIGEST	32

struct tokcache_slot {
	unsigned char	 digest[TOKCACHE_DIGEST];
	int		 used;
	uint32_t	 seen;		/* the tick of its last put or hit */
	struct tokcache_hit v;
};

struct tokcache {
	unsigned char	 key[crypto_generichash_KEYBYTES];
	size_t		 count;
	uint32_t	 tick;		/* counts puts and hits */
	struct tokcache_slot slot[TOKCACHE_SLOTS];
};

struct tokcache *
tokcache_new(void)
{
	struct tokcache	*tc;

	/* calloc: the pages are touched only as entries fill them. */
	if (sodium_init() == -1 || (tc = calloc(1, sizeof(*tc))) == NULL)
		return NULL;
	randombytes_buf(tc->key, sizeof(tc->key));
	return tc;
}

void
tokcache_free(struct tokcache *tc)
{
	if (tc == NULL)
		return;
	sodium_memzero(tc->key, sizeof(tc->key));
	free(tc);
}

void
tokcache_clear(struct tokcache *tc)
{
	size_t	 i;

	if (tc == NULL || tc->count == 0)
		return;
	for (i = 0; i < TOKCACHE_SLOTS; i++)
		tc->slot[i].used = 0;
	tc->count = 0;
}

/* The digest of tok into d, and the first slot it may sit in. */
static size_t
tokcache_slot(const struct tokcache *tc, const char *tok, size_t len,
    unsigned char *d)
{
	uint32_t	 h;

	crypto_generichash(d, TOKCACHE_DIGEST, (const unsigned char *)tok,
	    len, tc->key, sizeof(tc->key));
	memcpy(&h, d, sizeof(h));
	return h & (TOKCACHE_SLOTS - 1);
}

int
tokcache_get(struct tokcache *tc, const char *tok, size_t len,
    struct tokcache_hit *hit)
{
	unsigned char		 d[TOKCACHE_DIGEST];
	struct tokcache_slot	*s;
	size_t			 i, at;

	if (tc == NULL || tc->count == 0)
		return 0;
	at = tokcache_slot(tc, tok, len, d);
	/* Slots empty only together (tokcache_clear): past an empty one
	 * the digest was never put. */
	for (i = 0; i < TOKCACHE_WAYS; i++) {
		s = &tc->slot[(at + i) & (TOKCACHE_SLOTS - 1)];
		if (!s->used)
			return 0;
		if (sodium_memcmp(s->digest, d, sizeof(d)) == 0) {
			s->seen = ++tc->tick;
			*hit = s->v;
			return 1;
		}
	}
	return 0;
}

void
tokcache_put(struct tokcache *tc, const char *tok, size_t len,
    const struct tokcache_hit *hit)
{
	unsigned char		 d[TOKCACHE_DIGEST];
	struct tokcache_slot	*s, *victim = NULL;
	size_t			 i, at;

	if (tc == NULL)
		return;
	at = tokcache_slot(tc, tok, len, d);
	for (i = 0; i < TOKCACHE_WAYS; i++) {
		s = &tc->slot[(at + i) & (TOKCACHE_SLOTS - 1)];
		if (!s->used || sodium_memcmp(s->digest, d, sizeof(d)) == 0) {
			victim = s;
			break;
		}
		/* The least recently used gives way (ticks wrap: compare
		 * ages): a token used once, or expired, before one in use. */
		if (victim == NULL ||
		    tc->tick - s->seen > tc->tick - victim->seen)
			victim = s;
	}
	if (!victim->used)
		tc->count++;
	memcpy(victim->digest, d, sizeof(d));
	victim->used = 1;
	victim->seen = ++tc->tick;
	victim->v = *hit;
}

size_t
tokcache_count(const struct tokcache *tc)
{
	return tc != NULL ? tc->count : 0;
}
