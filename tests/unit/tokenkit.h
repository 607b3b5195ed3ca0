/* SPDX-License-Identifier: ISC */
/*
 * What the token tests share: a config keyed with the test key (as
 * config_load would key it), and tokens minted by hand with libsodium's
 * HMAC, so each test controls every byte of header and payload.
 */
#ifndef TESTS_UNIT_TOKENKIT_H
#define TESTS_UNIT_TOKENKIT_H

#include <stddef.h>

#include "common/config.h"

#define TOKENKIT_KEY	"0123456789abcdef0123456789abcdef"	/* 32 bytes */

/*
 * Fill cfg: the test key, set up once for the process, a 1800 s access
 * TTL, invalid status 403, no issuer, audience or leeway.
 */
void	tokenkit_cfg(struct config *cfg);

/*
 * base64url(hdr).base64url(payload).base64url(HS256 with the test key)
 * into tok (len bytes).  Returns tok.
 */
char	*tokenkit_mint(char *tok, size_t len, const char *hdr,
	    const char *payload);

/*
 * Write a fresh Ed25519 key pair, each file by rename through dir: the
 * PEM private key at pem and a JWK Set of its public key at set.  Its kid
 * into kid (JWK_KID_LEN + 1 bytes).  Exits 2 on failure.
 */
void	tokenkit_pair(const char *dir, const char *pem, const char *set,
	    char *kid);

#endif
