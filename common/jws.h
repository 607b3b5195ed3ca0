/* SPDX-License-Identifier: ISC */
/*
 * JWS signatures with an asymmetric key (jwk.h), as RFC 7515 puts them in a
 * token: Ed25519 (RFC 8037 §3.1), ECDSA P-256 with SHA-256 as the 64-byte
 * R||S (RFC 7518 §3.4, never DER) and RSASSA-PKCS1-v1_5 with SHA-256
 * (RFC 7518 §3.3).  The algorithm is always the key's.
 */
#ifndef COMMON_JWS_H
#define COMMON_JWS_H

#include <stddef.h>

#include "common/jwk.h"

#define JWS_SIG_MAX	(JWK_RSA_MAX_BITS / 8)	/* bytes of a signature */

/*
 * Sign msg (len bytes) with key, which must hold its private half: the
 * raw JWS signature into sig (JWS_SIG_MAX bytes), *siglen its length.
 * Returns 0 or -1.
 */
int	jws_sign(const struct jwk *key, const char *msg, size_t len,
	    unsigned char *sig, size_t *siglen);

/*
 * Whether sig (siglen raw bytes) is key's signature of msg: 1 yes, 0 no,
 * and 0 on any failure.  An ES256 signature must be exactly 64 bytes with
 * r and s each from 1 to the group order less one, checked before
 * OpenSSL sees it (CVE-2022-21449 accepted r = s = 0); an RS256 one
 * exactly the modulus's length.
 */
int	jws_verify(const struct jwk *key, const char *msg, size_t len,
	    const unsigned char *sig, size_t siglen);

#endif
