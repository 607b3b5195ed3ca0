/* SPDX-License-Identifier: ISC */
/*
 * Access tokens: HS256 JWTs, signed with libjwt 1.10.2 and verified here
 * with the key set up once (hs256.c), with every check libjwt would leave
 * to callers (docs/security.md): shape and size before decoding, the header's
 * alg pinned, and the claims (exp, nbf, iat, iss, aud, user name) read
 * with strict JSON types.
 */
#ifndef COMMON_TOKEN_H
#define COMMON_TOKEN_H

#include <stddef.h>
#include <time.h>

#include "common/config.h"
#include "common/username.h"

#define TOKEN_MAX_LEN	4096	/* bytes; longer is invalid (docs/api.md) */
#define TOKEN_JTI_BYTES	16	/* random bytes of a token's id (jti) */

enum token_err {
	TOKEN_OK = 0,
	TOKEN_MALFORMED,	/* not three non-empty base64url segments */
	TOKEN_TOOLONG,		/* over TOKEN_MAX_LEN */
	TOKEN_BADHEADER,	/* header is not a JSON object, or has crit */
	TOKEN_BADALG,		/* alg is not exactly "HS256" */
	TOKEN_BADSIG,		/* signature does not verify */
	TOKEN_BADPAYLOAD,	/* payload is not a JSON object */
	TOKEN_NOEXP,		/* exp missing or not an integer */
	TOKEN_EXPIRED,		/* exp is past, beyond the leeway */
	TOKEN_BADNBF,		/* nbf not an integer */
	TOKEN_NOTYET,		/* nbf in the future, beyond the leeway */
	TOKEN_BADIAT,		/* iat not an integer, or in the future */
	TOKEN_BADISS,		/* iss missing or not the configured one */
	TOKEN_BADAUD,		/* aud missing or not the configured one */
	TOKEN_NOUSER,		/* no valid username/sub claim */
	TOKEN__MAX
};

/* A short English reason for error_description; never holds token data. */
const char	*token_err_str(enum token_err err);

/*
 * Verify tok (NUL-terminated) against cfg at time now.  On TOKEN_OK the
 * user name (at most USERNAME_MAX bytes) is copied into user, which must
 * hold USERNAME_MAX + 1 bytes.
 */
enum token_err	 token_verify(const struct config *cfg, const char *tok,
		    time_t now, char *user);

/*
 * Set up cfg->key from cfg->secret: the HMAC key is made once at start-up,
 * not per verification.  Returns 0, or -1 with one line in err.  Release
 * it with token_fini() before config_free().
 */
int		 token_init(struct config *cfg, char *err, size_t errlen);
void		 token_fini(struct config *cfg);

/*
 * Sign an access token for user, issued at now, expiring after
 * cfg->access_ttl.  Returns the token (caller frees with free(3)), or
 * NULL on failure, never an unsigned token.
 */
char		*token_sign(const struct config *cfg, const char *user,
		    time_t now);

#endif
