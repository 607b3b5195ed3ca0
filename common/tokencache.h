/* SPDX-License-Identifier: ISC */
/*
 * Recently verified tokens and what their claims say, so that a client
 * sending the same access token again (a page polling its orders, say) is
 * neither MACed nor parsed again.  HMAC is deterministic: the exact token
 * text whose signature verified under a key verifies under that key again,
 * so a hit stands for the check.  The times are not kept as a verdict: they
 * are judged on every request against the clock.
 *
 * Entries are keyed by the whole token text (header, payload and
 * signature, compared byte for byte in constant time), by the key it
 * verified under (hs256_key_id) and by the issuer and audience the verdict
 * was reached under.  Only tokens whose signature verified are ever stored,
 * so the cache holds nothing a client made up, and a token that differs in
 * any byte, or a new key, misses and is verified in full.  One per process
 * (FastCGI workers are single-threaded).
 */
#ifndef COMMON_TOKENCACHE_H
#define COMMON_TOKENCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/token.h"
#include "common/username.h"

#define TOKENCACHE_SLOTS	64	/* direct-mapped entries */
#define TOKENCACHE_TOKEN	1024	/* bytes; longer tokens go uncached */
#define TOKENCACHE_NAME		128	/* bytes of issuer and audience */

/* The claims as read, before the clock is consulted. */
struct token_reading {
	int		 exp_rc;	/* strictjson_int: 0, 1 missing, -1 bad */
	int		 nbf_rc;
	int		 iat_rc;
	int64_t		 exp;
	int64_t		 nbf;
	int64_t		 iat;
	enum token_err	 rest;		/* iss, aud, then user: first failure */
	char		 user[USERNAME_MAX + 1]; /* when rest is TOKEN_OK */
};

/*
 * The reading stored for tok (len bytes), verified under key_id, issuer
 * and audience (either NULL), or NULL.  Borrowed until the next
 * tokencache_put().
 */
const struct token_reading *tokencache_get(uint64_t key_id, const char *tok,
			    size_t len, const char *issuer,
			    const char *audience);

/* Store r for tok, whose signature has just verified under key_id;
 * silently skips what is too long to keep. */
void			 tokencache_put(uint64_t key_id, const char *tok,
			    size_t len, const char *issuer,
			    const char *audience,
			    const struct token_reading *r);

/* Forget everything (tests, and a change of key). */
void			 tokencache_clear(void);

#endif
