/* SPDX-License-Identifier: ISC */
/*
 * Keys and signatures (common/jwk.c, common/jws.c) against the RFCs' own
 * vectors: the RFC 7638 §3.1 and RFC 8037 §A.3 thumbprints, the RFC 8037
 * §A.4 Ed25519 signature; each refusal of a JWK Set beside a set that
 * passes; ES256 in its one form, r and s in range (CVE-2022-21449).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "common/jwk.h"
#include "common/jws.h"
#include "tests/unit/unit.h"

/* RFC 7638 §3.1 */
#define RFC7638_N "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbf" \
	"AAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5" \
	"JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaS" \
	"qzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vM" \
	"QFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK" \
	"nqDKgw"
#define RFC7638_KID "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
/* RFC 8037 §A.1 to §A.4 */
#define ED_D	"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define ED_X	"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define ED_KID	"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
#define ED_MSG	"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
#define ED_SIG	"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylG" \
	"jg5BhVsPt9g7sVvpAr_MuM0KAg"
#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Parse one JWK as a set; the key, or NULL (err gets why). */
static struct jwk *
one(const char *jwk, char *err, size_t errlen)
{
	struct jwk	*keys[JWK_SET_MAX];
	char		 set[JWK_JSON_MAX * 2];
	size_t		 n;

	snprintf(set, sizeof(set), "{\"keys\":[%s]}", jwk);
	if (jwk_set_parse(set, strlen(set), keys, &n, err, errlen) == -1)
		return NULL;
	if (n != 1) {
		while (n > 0)
			jwk_free(keys[--n]);
		return NULL;
	}
	return keys[0];
}

/* pkey as PKCS#8 PEM (caller frees); pkey is freed. */
static char *
pem_of(EVP_PKEY *pkey)
{
	BIO	*bio = BIO_new(BIO_s_mem());
	char	*p, *out = NULL;
	long	 n;

	if (bio != NULL && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
	    NULL, NULL) == 1 && (n = BIO_get_mem_data(bio, &p)) > 0 &&
	    (out = calloc(1, (size_t)n + 1)) != NULL)
		memcpy(out, p, (size_t)n);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return out;
}

static void
test_rfc7638_thumbprint(void)
{
	char		 err[256];
	struct jwk	*k = one("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\","
	    "\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}", err,
	    sizeof(err));

	/* That kid is not the thumbprint: refused; without it, accepted. */
	CHECK(k == NULL);
	k = one("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\"}",
	    err, sizeof(err));
	CHECK(k != NULL);
	if (k != NULL) {
		CHECK_STR(k->kid, RFC7638_KID);
		CHECK(k->alg == JWK_RS256 && !k->priv);
	}
	jwk_free(k);
}

static void
test_rfc8037_thumbprint_and_signature(void)
{
	unsigned char	 d[32], sig[JWS_SIG_MAX], want[64];
	char		 err[256], *pem;
	struct jwk	*pub, *priv = NULL;
	size_t		 n, siglen;

	pub = one("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\"}",
	    err, sizeof(err));
	CHECK(pub != NULL);
	if (pub == NULL)
		return;
	CHECK_STR(pub->kid, ED_KID);
	CHECK(sodium_base642bin(d, sizeof(d), ED_D, strlen(ED_D), NULL, &n,
	    NULL, B64) == 0 && n == 32);
	CHECK(sodium_base642bin(want, sizeof(want), ED_SIG, strlen(ED_SIG),
	    NULL, &n, NULL, B64) == 0 && n == 64);
	pem = pem_of(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d,
	    sizeof(d)));
	CHECK(pem != NULL);
	if (pem != NULL)
		priv = jwk_from_pem(pem, strlen(pem), err, sizeof(err));
	CHECK(priv != NULL && priv->priv && strcmp(priv->kid, ED_KID) == 0);
	/* Ed25519 is deterministic: exactly the RFC's signature. */
	CHECK(jws_sign(priv, ED_MSG, strlen(ED_MSG), sig, &siglen) == 0 &&
	    siglen == 64 && sodium_memcmp(sig, want, 64) == 0);
	CHECK(jws_verify(pub, ED_MSG, strlen(ED_MSG), want, 64) == 1);
	want[0] ^= 1;
	CHECK(jws_verify(pub, ED_MSG, strlen(ED_MSG), want, 64) == 0);
	CHECK(jws_sign(pub, ED_MSG, strlen(ED_MSG), sig, &siglen) == -1);
	free(pem);
	jwk_free(pub);
	jwk_free(priv);
}

/* ES256: R||S of 64 bytes verifies; another length, r or s 0 or n not. */
static void
test_es256_forms(void)
{
	static const unsigned char n[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
	};
	unsigned char	 sig[JWS_SIG_MAX], bad[64];
	char		 err[256], json[JWK_JSON_MAX], *pem;
	struct jwk	*priv, *pub = NULL;
	size_t		 siglen;

	pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	priv = pem != NULL ? jwk_from_pem(pem, strlen(pem), err,
	    sizeof(err)) : NULL;
	CHECK(priv != NULL && priv->alg == JWK_ES256);
	if (priv == NULL)
		return;
	CHECK(jwk_public_json(priv, json, sizeof(json)) > 0);
	pub = one(json, err, sizeof(err));
	CHECK(pub != NULL && strcmp(pub->kid, priv->kid) == 0);
	CHECK(jws_sign(priv, "m", 1, sig, &siglen) == 0 && siglen == 64);
	CHECK(jws_verify(pub, "m", 1, sig, 64) == 1);
	CHECK(jws_verify(pub, "n", 1, sig, 64) == 0);
	CHECK(jws_verify(pub, "m", 1, sig, 63) == 0);
	memset(bad, 0, sizeof(bad));
	CHECK(jws_verify(pub, "m", 1, bad, 64) == 0);		/* r = s = 0 */
	memcpy(bad, n, 32);
	memcpy(bad + 32, sig + 32, 32);
	CHECK(jws_verify(pub, "m", 1, bad, 64) == 0);		/* r = n */
	memcpy(bad, sig, 32);
	memcpy(bad + 32, n, 32);
	CHECK(jws_verify(pub, "m", 1, bad, 64) == 0);		/* s = n */
	free(pem);
	jwk_free(priv);
	jwk_free(pub);
}

/* Each refusal beside the same key accepted. */
static void
test_set_refusals(void)
{
	static const char *const bad[] = {
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\",\"d\":\"" ED_D "\"}",
		"{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"" ED_X "\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\",\"use\":\"enc\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\",\"alg\":\"ES256\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\",\"alg\":\"eddsa\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "=\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}",
		"{\"kty\":\"RSA\",\"n\":\"AAAA\",\"e\":\"AQAB\"}",
		"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQ\"}",
		"{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAA\"}",
		"[1]",
	};
	char		 err[256];
	struct jwk	*k, *keys[JWK_SET_MAX];
	size_t		 i, n;

	k = one("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" ED_X "\","
	    "\"alg\":\"EdDSA\",\"use\":\"sig\",\"kid\":\"" ED_KID "\"}", err,
	    sizeof(err));
	CHECK(k != NULL);
	jwk_free(k);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = one(bad[i], err, sizeof(err));
		if (k != NULL)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK(k == NULL);
		jwk_free(k);
	}
	CHECK(jwk_set_parse("{\"keys\":[]}", 11, keys, &n, err,
	    sizeof(err)) == -1 && n == 0);
	CHECK(jwk_set_parse("{}", 2, keys, &n, err, sizeof(err)) == -1);
}

static void
test_rsa_sizes(void)
{
	char		 err[256], *pem;
	struct jwk	*k;

	pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024));
	k = pem != NULL ? jwk_from_pem(pem, strlen(pem), err, sizeof(err)) :
	    NULL;
	CHECK(k == NULL && strstr(err, "1024 bits") != NULL);
	free(pem);
	pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
	k = pem != NULL ? jwk_from_pem(pem, strlen(pem), err, sizeof(err)) :
	    NULL;
	CHECK(k != NULL && k->alg == JWK_RS256);
	jwk_free(k);
	free(pem);
}

static void
test_alg_names_exact(void)
{
	enum jwk_alg	 a;

	CHECK(jwk_alg_parse("EdDSA", &a) == 0 && a == JWK_EDDSA);
	CHECK(jwk_alg_parse("RS256", &a) == 0 && a == JWK_RS256);
	CHECK(jwk_alg_parse("eddsa", &a) == -1);
	CHECK(jwk_alg_parse("none", &a) == -1);
	CHECK(jwk_alg_parse("HS512", &a) == -1);
	CHECK(jwk_alg_parse("", &a) == -1);
	CHECK(jwk_alg_name(JWK__MAX) == NULL);
}

UNIT_TESTS(
	T(test_rfc7638_thumbprint),
	T(test_rfc8037_thumbprint_and_signature),
	T(test_es256_forms),
	T(test_set_refusals),
	T(test_rsa_sizes),
	T(test_alg_names_exact),
);
