/* SPDX-License-Identifier: ISC */
/*
 * Refresh tokens are random, not JWTs: nothing in them can be forged or
 * read, and revoking one is a row update.  The store keeps SHA-256 of the
 * token only, so a leaked database holds no usable token.
 */
#include <string.h>

#include <sodium.h>

#include "common/rtoken.h"

void
rtoken_new(char tok[RTOKEN_LEN + 1], unsigned char hash[RTOKEN_HASHLEN])
{
	unsigned char	 raw[RTOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(tok, RTOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_hash_sha256(hash, (const unsigned char *)tok, RTOKEN_LEN);
	sodium_memzero(raw, sizeof(raw));
}

int
rtoken_hash(const char *tok, size_t len, unsigned char hash[RTOKEN_HASHLEN])
{
	unsigned char	 raw[RTOKEN_BYTES];
	size_t		 n;

	if (len != RTOKEN_LEN || sodium_base642bin(raw, sizeof(raw), tok, len,
	    NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != RTOKEN_BYTES)
		return -1;
	crypto_hash_sha256(hash, (const unsigned char *)tok, len);
	return 0;
}
