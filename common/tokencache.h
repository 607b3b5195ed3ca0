/*
 * What the claims of recently verified tokens say, so that a client
 * sending the same access token again (a page polling its orders, say) is
 * not decoded and parsed again.  Only the reading is kept: the signature
 * is checked on every request before the cache is looked at, and the
 * times are judged on every request against the clock.
 *
 * Entries are keyed by the exact payload text and by the issuer and
 * audience the verdict was reached under.  Only tokens whose signature
 * verified are ever stored, so the cache holds nothing a client made up.
 * One per process (FastCGI workers are single-threaded).
 */
#ifndef COMMON_TOKENCACHE_H
#define COMMON_TOKENCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/token.h"

#define TOKENCACHE_SLOTS	64	/* direct-mapped entries */
#define TOKENCACHE_PAYLOAD	512	/* bytes; longer payloads go uncached */
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
	char		 user[TOKEN_USER_MAX + 1]; /* when rest is TOKEN_OK */
};

/*
 * The reading stored for payload (len bytes) under issuer and audience
 * (either NULL), or NULL.  Borrowed until the next tokencache_put().
 */
const struct token_reading *tokencache_get(const char *payload, size_t len,
			    const char *issuer, const char *audience);

/* Store r for payload under issuer and audience; silently skips what is
 * too long to keep. */
void			 tokencache_put(const char *payload, size_t len,
			    const char *issuer, const char *audience,
			    const struct token_reading *r);

/* Forget everything (tests, and a change of key). */
void			 tokencache_clear(void);

#endif
