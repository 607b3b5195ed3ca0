/* SPDX-License-Identifier: ISC */
/*
 * The verified-token cache (see tokencache.h): a small direct-mapped
 * table, the slot chosen by an FNV-1a hash of the token's last bytes (its
 * signature, which is MAC output for every stored token), a hit only when
 * the key, the whole token and both names compare equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/tokencache.h"

#define TOKENCACHE_HASHED	16	/* last bytes of a token hashed */

struct tokencache_entry {
	size_t			 len;	/* of token; 0: empty */
	uint64_t		 key_id; /* it verified under (hs256_key_id) */
	char			 token[TOKENCACHE_TOKEN];
	char			 issuer[TOKENCACHE_NAME];
	char			 audience[TOKENCACHE_NAME];
	int			 has_issuer;	/* 0: issuer was NULL */
	int			 has_audience;	/* 0: audience was NULL */
	struct token_reading	 reading;
};

static struct tokencache_entry	tokencache[TOKENCACHE_SLOTS];

static size_t
tokencache_slot(const char *tok, size_t len)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	for (i = len > TOKENCACHE_HASHED ? len - TOKENCACHE_HASHED : 0;
	    i < len; i++) {
		h ^= (unsigned char)tok[i];
		h *= 16777619u;
	}
	return h % TOKENCACHE_SLOTS;
}

/* Whether name (NULL for none) is the one kept. */
static int
tokencache_name_is(int has, const char *kept, const char *name)
{
	return name == NULL ? !has : has && strcmp(kept, name) == 0;
}

/* Whether name fits a slot. */
static int
tokencache_name_fits(const char *name)
{
	return name == NULL || strlen(name) < TOKENCACHE_NAME;
}

const struct token_reading *
tokencache_get(uint64_t key_id, const char *tok, size_t len,
    const char *issuer, const char *audience)
{
	struct tokencache_entry	*e;

	if (len == 0 || len > TOKENCACHE_TOKEN || key_id == 0)
		return NULL;
	e = &tokencache[tokencache_slot(tok, len)];
	/* sodium_memcmp: the one comparison our sources allow for bytes. */
	if (e->len != len || e->key_id != key_id ||
	    sodium_memcmp(e->token, tok, len) != 0 ||
	    !tokencache_name_is(e->has_issuer, e->issuer, issuer) ||
	    !tokencache_name_is(e->has_audience, e->audience, audience))
		return NULL;
	return &e->reading;
}

void
tokencache_put(uint64_t key_id, const char *tok, size_t len,
    const char *issuer, const char *audience, const struct token_reading *r)
{
	struct tokencache_entry	*e;

	if (len == 0 || len > TOKENCACHE_TOKEN || key_id == 0 ||
	    !tokencache_name_fits(issuer) || !tokencache_name_fits(audience))
		return;
	e = &tokencache[tokencache_slot(tok, len)];
	e->len = len;
	e->key_id = key_id;
	memcpy(e->token, tok, len);
	e->has_issuer = issuer != NULL;
	e->has_audience = audience != NULL;
	snprintf(e->issuer, sizeof(e->issuer), "%s", issuer ? issuer : "");
	snprintf(e->audience, sizeof(e->audience), "%s",
	    audience ? audience : "");
	e->reading = *r;
}

void
tokencache_clear(void)
{
	sodium_memzero(tokencache, sizeof(tokencache));
}
