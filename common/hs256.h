/* SPDX-License-Identifier: ISC */
/*
 * HS256 signatures (RFC 7515 §3.2, RFC 2104 HMAC-SHA256) with the key set
 * up once.  libjwt's jwt_decode keys a fresh OpenSSL MAC on every call, which
 * was most of a request's work; this keeps one keyed context for the life of
 * the process and re-initialises it per message (OpenSSL reuses the key when
 * EVP_MAC_init is given none).
 *
 * The key context holds key-equivalent material: it is wiped by
 * hs256_key_free() and must never be logged or copied out.
 */
#ifndef COMMON_HS256_H
#define COMMON_HS256_H

#include <stddef.h>

#define HS256_SIG_LEN	43	/* base64url characters of a 32-byte MAC */

struct hs256_key;

/*
 * Key HMAC-SHA256 with len bytes of secret; len must be at least min_len
 * (an empty or short key is refused, never treated as "no key").  Returns
 * the key (release with hs256_key_free) or NULL.
 */
struct hs256_key	*hs256_key_new(const unsigned char *secret, size_t len,
			    size_t min_len);

/* Wipe and free key; NULL is fine. */
void			 hs256_key_free(struct hs256_key *key);

/*
 * Write the signature of msg (len bytes) into sig as HS256_SIG_LEN
 * base64url characters and a NUL (HS256_SIG_LEN + 1 bytes).  Returns 0, or
 * -1 on a NULL key or a failure inside OpenSSL.
 */
int			 hs256_sign(struct hs256_key *key, const char *msg,
			    size_t len, char *sig);

/*
 * Whether sig (siglen characters) is exactly the base64url signature of msg:
 * 1 yes, 0 no, and 0 on any failure.  The comparison is of the canonical
 * encoding, so a signature whose unused low bits differ is refused, as
 * libjwt refuses it; its time does not depend on where sig differs.
 */
int			 hs256_verify(struct hs256_key *key, const char *msg,
			    size_t len, const char *sig, size_t siglen);

#endif
