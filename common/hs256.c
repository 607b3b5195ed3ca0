/* SPDX-License-Identifier: ISC */
/*
 * HS256 with a key context made once (see hs256.h).  OpenSSL's provider
 * HMAC keeps the key when EVP_MAC_init() gets a NULL key and re-initialises
 * from the stored inner and outer pads; a failure anywhere refuses.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "common/hs256.h"

#define HS256_MAC_LEN	32

struct hs256_key {
	EVP_MAC_CTX	*ctx;	/* keyed at creation, re-initialised per use */
};

struct hs256_key *
hs256_key_new(const unsigned char *secret, size_t len, size_t min_len)
{
	struct hs256_key	*key;
	EVP_MAC			*mac;
	OSSL_PARAM		 params[2];

	if (secret == NULL || len == 0 || len < min_len)
		return NULL;
	if ((key = calloc(1, sizeof(*key))) == NULL)
		return NULL;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	key->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);	/* the context holds its own reference */
	if (key->ctx == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(key->ctx, secret, len, params) != 1)
		goto fail;
	return key;
fail:
	hs256_key_free(key);
	return NULL;
}

void
hs256_key_free(struct hs256_key *key)
{
	if (key == NULL)
		return;
	EVP_MAC_CTX_free(key->ctx);	/* cleanses the stored key pads */
	free(key);
}

/* The raw MAC of msg into out.  Returns 0 or -1. */
static int
hs256_mac(struct hs256_key *key, const char *msg, size_t len,
    unsigned char out[HS256_MAC_LEN])
{
	size_t	 n = 0;

	if (key == NULL || key->ctx == NULL)
		return -1;
	if (EVP_MAC_init(key->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(key->ctx, (const unsigned char *)msg, len) != 1 ||
	    EVP_MAC_final(key->ctx, out, &n, HS256_MAC_LEN) != 1 ||
	    n != HS256_MAC_LEN)
		return -1;
	return 0;
}

int
hs256_sign(struct hs256_key *key, const char *msg, size_t len, char *sig)
{
	unsigned char	 mac[HS256_MAC_LEN];
	int		 rc = -1;

	if (hs256_mac(key, msg, len, mac) == 0 &&
	    sodium_bin2base64(sig, HS256_SIG_LEN + 1, mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != NULL)
		rc = 0;
	sodium_memzero(mac, sizeof(mac));
	return rc;
}

int
hs256_verify(struct hs256_key *key, const char *msg, size_t len,
    const char *sig, size_t siglen)
{
	char	 want[HS256_SIG_LEN + 1];
	int	 ok;

	if (siglen != HS256_SIG_LEN)
		return 0;
	ok = hs256_sign(key, msg, len, want) == 0 &&
	    sodium_memcmp(want, sig, HS256_SIG_LEN) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}
