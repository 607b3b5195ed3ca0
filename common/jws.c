/* SPDX-License-Identifier: ISC */
/*
 * JWS signatures (see jws.h) through OpenSSL's one-shot EVP_DigestSign and
 * EVP_DigestVerify, the only form Ed25519 has in OpenSSL 3.0.  ECDSA
 * signatures are converted between the JWS form (R||S) and OpenSSL's DER
 * here, and nowhere else.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "common/jwk.h"
#include "common/jws.h"

#define JWS_EC_LEN	32	/* bytes of r and of s for P-256 */
#define JWS_DER_MAX	80	/* a DER ECDSA-Sig-Value for P-256: at most 72 */

/* The order n of P-256's base point (SEC 2 §2.4.2), big-endian. */
static const unsigned char jws_p256_n[JWS_EC_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
};

/* Whether the big-endian v is from 1 to n - 1 (a signature is public:
 * no need for constant time). */
static int
jws_scalar_ok(const unsigned char *v)
{
	int	 i, nonzero = 0;

	for (i = 0; i < JWS_EC_LEN; i++)
		nonzero |= v[i];
	if (!nonzero)
		return 0;
	for (i = 0; i < JWS_EC_LEN; i++)
		if (v[i] != jws_p256_n[i])
			return v[i] < jws_p256_n[i];
	return 0;	/* equal to n */
}

/* R||S (64 bytes) into DER in der (JWS_DER_MAX bytes).  The length or -1. */
static int
jws_es_der(const unsigned char *rs, unsigned char *der)
{
	ECDSA_SIG	*es;
	BIGNUM		*r, *s;
	unsigned char	*p = der;
	int		 n = -1;

	r = BN_bin2bn(rs, JWS_EC_LEN, NULL);
	s = BN_bin2bn(rs + JWS_EC_LEN, JWS_EC_LEN, NULL);
	if (r == NULL || s == NULL || (es = ECDSA_SIG_new()) == NULL) {
		BN_free(r);
		BN_free(s);
		return -1;
	}
	if (ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
	} else if (i2d_ECDSA_SIG(es, NULL) <= JWS_DER_MAX)
		n = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	return n;
}

/* DER (len bytes) into R||S (64 bytes).  0 or -1. */
static int
jws_es_raw(const unsigned char *der, size_t len, unsigned char *rs)
{
	const unsigned char	*p = der;
	const BIGNUM		*r, *s;
	ECDSA_SIG		*es;
	int			 rc = -1;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, rs, JWS_EC_LEN) == JWS_EC_LEN &&
	    BN_bn2binpad(s, rs + JWS_EC_LEN, JWS_EC_LEN) == JWS_EC_LEN)
		rc = 0;
	ECDSA_SIG_free(es);
	return rc;
}

/* The digest key's algorithm signs with: none for Ed25519 (PureEdDSA). */
static const EVP_MD *
jws_md(const struct jwk *key)
{
	return key->alg == JWK_EDDSA ? NULL : EVP_sha256();
}

int
jws_sign(const struct jwk *key, const char *msg, size_t len,
    unsigned char *sig, size_t *siglen)
{
	unsigned char	 der[JWS_DER_MAX];
	EVP_MD_CTX	*ctx;
	size_t		 n = JWS_SIG_MAX;
	int		 rc = -1;

	if (key == NULL || !key->priv || key->alg == JWK_HS256 ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(ctx, NULL, jws_md(key), NULL, key->pkey) != 1)
		goto out;
	if (key->alg == JWK_ES256) {
		n = sizeof(der);
		if (EVP_DigestSign(ctx, der, &n, (const unsigned char *)msg,
		    len) != 1 || jws_es_raw(der, n, sig) == -1)
			goto out;
		n = 2 * JWS_EC_LEN;
	} else if (EVP_PKEY_get_size(key->pkey) > JWS_SIG_MAX ||
	    EVP_DigestSign(ctx, sig, &n, (const unsigned char *)msg,
	    len) != 1)
		goto out;
	*siglen = n;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
jws_verify(const struct jwk *key, const char *msg, size_t len,
    const unsigned char *sig, size_t siglen)
{
	unsigned char	 der[JWS_DER_MAX];
	EVP_MD_CTX	*ctx;
	int		 n, ok = 0;

	if (key == NULL || key->alg == JWK_HS256)
		return 0;
	switch (key->alg) {
	case JWK_EDDSA:
		if (siglen != 64)
			return 0;
		break;
	case JWK_ES256:
		if (siglen != 2 * JWS_EC_LEN || !jws_scalar_ok(sig) ||
		    !jws_scalar_ok(sig + JWS_EC_LEN) ||
		    (n = jws_es_der(sig, der)) <= 0)
			return 0;
		sig = der;
		siglen = (size_t)n;
		break;
	default:
		if (siglen != (size_t)EVP_PKEY_get_size(key->pkey))
			return 0;
		break;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, jws_md(key), NULL,
	    key->pkey) == 1 && EVP_DigestVerify(ctx, sig, siglen,
	    (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}
