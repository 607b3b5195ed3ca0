/* SPDX-License-Identifier: ISC */
/*
 * Access tokens: JWTs signed with HS256 (libjwt 1.10.2) or, with TOKEN_ALG,
 * EdDSA, ES256 or RS256 (jws.c, kid the key's thumbprint), and verified
 * here with keys set up once (hs256.c, keyring.c), with every check libjwt
 * would leave to callers (docs/security.md): shape and size before
 * decoding, the key chosen by kid and the header's alg pinned to it, and
 * the claims (exp, nbf, iat, iss, aud, user name) read with strict JSON
 * types.
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
	TOKEN_BADALG,		/* alg is not exactly the key's */
	TOKEN_BADKID,		/* kid names no key of the verify set */
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
 * Set up cfg->key (and key_prev) from the secrets and cfg->keys from the
 * key files: made once at start-up, not per verification.  Returns 0, or
 * -1 with one line naming the variable in err.  Release them with
 * token_fini() before config_free().
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

/*
 * Whether cfg can sign (sign 1: a secret, or a signing key) and verify
 * (verify 1: a secret or a verify set), as an executable's init checks at
 * start-up.  Returns 0, or -1 after one line on stderr, "prog: " and the
 * variable's name first.
 */
int		 token_require(const struct config *cfg, const char *prog,
		    int sign, int verify);

#endif
