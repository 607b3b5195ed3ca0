/* SPDX-License-Identifier: ISC */
/*
 * Opaque refresh tokens: 32 bytes from libsodium's random source, sent as
 * 43 characters of unpadded base64url.  Only their SHA-256 is stored.
 */
#ifndef COMMON_RTOKEN_H
#define COMMON_RTOKEN_H

#include <stddef.h>

#define RTOKEN_BYTES	32
#define RTOKEN_LEN	43		/* base64url of RTOKEN_BYTES */
#define RTOKEN_HASHLEN	32

/* Make a fresh token into tok (RTOKEN_LEN + 1 bytes) and its hash. */
void	rtoken_new(char tok[RTOKEN_LEN + 1],
	    unsigned char hash[RTOKEN_HASHLEN]);

/* Hash a presented token.  Returns 0, or -1 if it is not of our shape
 * (then no store look-up is needed: it cannot exist). */
int	rtoken_hash(const char *tok, size_t len,
	    unsigned char hash[RTOKEN_HASHLEN]);

#endif
