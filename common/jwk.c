/* SPDX-License-Identifier: ISC */
/*
 * Keys (see jwk.h).  Both ways in, a PEM private key and a public JWK,
 * end in the same description of the public half (jwk_pub), from which
 * the kid (RFC 7638) and the published JWK are written: what we publish
 * and the kid we sign with cannot disagree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "common/jwk.h"
#include "common/strictjson.h"

#define JWK_B64(n)	sodium_base64_ENCODED_LEN(n, \
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)
#define JWK_EC_LEN	32	/* bytes of a P-256 coordinate */
#define JWK_ED_LEN	32	/* bytes of an Ed25519 public key */
#define JWK_N_MAX	(JWK_RSA_MAX_BITS / 8)
#define JWK_E_MAX	8	/* bytes of an RSA public exponent */

static const char *const jwk_algs[JWK__MAX] = {
	"HS256", "EdDSA", "ES256", "RS256"
};

/* The public half as JWK members (RFC 7518 §6, RFC 8037 §2), base64url. */
struct jwk_pub {
	const char	*kty;			/* "OKP", "EC", "RSA" */
	const char	*crv;			/* "Ed25519", "P-256", NULL */
	char		 x[JWK_B64(JWK_EC_LEN)];	/* OKP, EC */
	char		 y[JWK_B64(JWK_EC_LEN)];	/* EC */
	char		 n[JWK_B64(JWK_N_MAX)];		/* RSA */
	char		 e[JWK_B64(JWK_E_MAX)];		/* RSA */
};

const char *
jwk_alg_name(enum jwk_alg alg)
{
	if (alg < 0 || alg >= JWK__MAX)
		return NULL;
	return jwk_algs[alg];
}

int
jwk_alg_parse(const char *s, enum jwk_alg *alg)
{
	int	 i;

	for (i = 0; s != NULL && i < JWK__MAX; i++)
		if (strcmp(s, jwk_algs[i]) == 0) {
			*alg = (enum jwk_alg)i;
			return 0;
		}
	return -1;
}

static void
jwk_b64(char *out, size_t cap, const unsigned char *in, size_t len)
{
	sodium_bin2base64(out, cap, in, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* A BIGNUM parameter of pkey as base64url, big-endian, padded to pad
 * bytes (0: minimal, as RFC 7518 §6.3.1.1 wants n and e).  0 or -1. */
static int
jwk_bn_b64(const EVP_PKEY *pkey, const char *name, size_t pad, char *out,
    size_t cap)
{
	unsigned char	 buf[JWK_N_MAX];
	BIGNUM		*bn = NULL;
	int		 len, rc = -1;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return -1;
	len = pad > 0 ? (int)pad : BN_num_bytes(bn);
	if (len > 0 && (size_t)len <= sizeof(buf) &&
	    BN_bn2binpad(bn, buf, len) == len) {
		jwk_b64(out, cap, buf, (size_t)len);
		rc = 0;
	}
	BN_free(bn);
	return rc;
}

/*
 * Describe pkey: its algorithm and public members.  Refuses every other
 * key type, curves other than P-256, and RSA outside the size bounds.
 * Returns 0, or -1 with err.
 */
static int
jwk_describe(const EVP_PKEY *pkey, enum jwk_alg *alg, struct jwk_pub *pub,
    char *err, size_t errlen)
{
	unsigned char	 raw[JWK_ED_LEN];
	char		 grp[32];
	size_t		 len = sizeof(raw);
	int		 bits = EVP_PKEY_get_bits(pkey);

	memset(pub, 0, sizeof(*pub));
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 ||
		    len != JWK_ED_LEN)
			goto bad;
		*alg = JWK_EDDSA;
		pub->kty = "OKP";
		pub->crv = "Ed25519";
		jwk_b64(pub->x, sizeof(pub->x), raw, len);
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp), NULL) != 1 ||
		    (strcmp(grp, "prime256v1") != 0 &&
		    strcmp(grp, "P-256") != 0)) {
			snprintf(err, errlen, "an EC key not on P-256 (ES256 "
			    "takes only P-256)");
			return -1;
		}
		if (jwk_bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, JWK_EC_LEN,
		    pub->x, sizeof(pub->x)) == -1 ||
		    jwk_bn_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, JWK_EC_LEN,
		    pub->y, sizeof(pub->y)) == -1)
			goto bad;
		*alg = JWK_ES256;
		pub->kty = "EC";
		pub->crv = "P-256";
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		if (bits < JWK_RSA_MIN_BITS || bits > JWK_RSA_MAX_BITS) {
			snprintf(err, errlen, "an RSA key of %d bits (RS256 "
			    "takes %d to %d)", bits, JWK_RSA_MIN_BITS,
			    JWK_RSA_MAX_BITS);
			return -1;
		}
		if (jwk_bn_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0, pub->n,
		    sizeof(pub->n)) == -1 ||
		    jwk_bn_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0, pub->e,
		    sizeof(pub->e)) == -1)
			goto bad;
		*alg = JWK_RS256;
		pub->kty = "RSA";
		return 0;
	}
	snprintf(err, errlen, "not an Ed25519, P-256 or RSA key");
	return -1;
bad:
	snprintf(err, errlen, "cannot read the public key");
	return -1;
}

/*
 * The RFC 7638 thumbprint input: the required members only, in
 * lexicographic order, no white space (§3.2).  Our base64url values and
 * names need no escaping.  Returns the length or -1.
 */
static int
jwk_thumb_input(const struct jwk_pub *pub, char *buf, size_t cap)
{
	int	 n;

	if (strcmp(pub->kty, "RSA") == 0)
		n = snprintf(buf, cap, "{\"e\":\"%s\",\"kty\":\"RSA\","
		    "\"n\":\"%s\"}", pub->e, pub->n);
	else if (strcmp(pub->kty, "EC") == 0)
		n = snprintf(buf, cap, "{\"crv\":\"%s\",\"kty\":\"EC\","
		    "\"x\":\"%s\",\"y\":\"%s\"}", pub->crv, pub->x, pub->y);
	else
		n = snprintf(buf, cap, "{\"crv\":\"%s\",\"kty\":\"%s\","
		    "\"x\":\"%s\"}", pub->crv, pub->kty, pub->x);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* Fill key's kid and hdr from its public members.  0 or -1. */
static int
jwk_finish(struct jwk *key, const struct jwk_pub *pub)
{
	unsigned char	 sum[crypto_hash_sha256_BYTES];
	char		 buf[JWK_JSON_MAX];
	int		 n;

	if ((n = jwk_thumb_input(pub, buf, sizeof(buf))) == -1)
		return -1;
	crypto_hash_sha256(sum, (const unsigned char *)buf, (size_t)n);
	jwk_b64(key->kid, sizeof(key->kid), sum, sizeof(sum));
	n = snprintf(buf, sizeof(buf), "{\"alg\":\"%s\",\"typ\":\"JWT\","
	    "\"kid\":\"%s\"}", jwk_algs[key->alg], key->kid);
	if (n < 0 || JWK_B64((size_t)n) > sizeof(key->hdr))
		return -1;
	jwk_b64(key->hdr, sizeof(key->hdr), (const unsigned char *)buf,
	    (size_t)n);
	return 0;
}

/* Wrap pkey (taken over, freed on failure) into a key.  NULL with err. */
static struct jwk *
jwk_wrap(EVP_PKEY *pkey, int priv, char *err, size_t errlen)
{
	struct jwk_pub	 pub;
	struct jwk	*key;

	if ((key = calloc(1, sizeof(*key))) == NULL) {
		EVP_PKEY_free(pkey);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	key->pkey = pkey;
	key->priv = priv;
	if (jwk_describe(pkey, &key->alg, &pub, err, errlen) == -1) {
		jwk_free(key);
		return NULL;
	}
	if (jwk_finish(key, &pub) == -1) {
		snprintf(err, errlen, "cannot compute the key's thumbprint");
		jwk_free(key);
		return NULL;
	}
	return key;
}

/* PEM passphrase callback: there is none to give, and no prompt. */
static int
jwk_nopass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

struct jwk *
jwk_from_pem(const char *pem, size_t len, char *err, size_t errlen)
{
	EVP_PKEY	*pkey;
	BIO		*bio;

	if (len > INT32_MAX ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		snprintf(err, errlen, "cannot read it");
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, jwk_nopass, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		snprintf(err, errlen, "holds no unencrypted PEM private key");
		return NULL;
	}
	return jwk_wrap(pkey, 1, err, errlen);
}

/* A base64url member of exactly want bytes (any length up to want when
 * exact is 0) into out.  Returns the length, or -1. */
static int
jwk_member(struct json_object *o, const char *name, unsigned char *out,
    size_t want, int exact)
{
	const char	*s;
	size_t		 slen, n;

	if ((s = strictjson_string(o, name, &slen)) == NULL ||
	    sodium_base642bin(out, want, s, slen, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n == 0 || (exact && n != want))
		return -1;
	return (int)n;
}

/* Build an EVP_PKEY of type from the parameters in bld.  NULL on error. */
static EVP_PKEY *
jwk_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;
	OSSL_PARAM	*params = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* An EC P-256 public key from x and y; the point must be on the curve. */
static EVP_PKEY *
jwk_ec(struct json_object *o)
{
	unsigned char	 pt[1 + 2 * JWK_EC_LEN];
	OSSL_PARAM_BLD	*bld;
	EVP_PKEY	*pkey = NULL;
	EVP_PKEY_CTX	*ctx;
	const char	*crv;
	size_t		 n;

	pt[0] = 0x04;	/* uncompressed (SEC 1 §2.3.3) */
	if ((crv = strictjson_string(o, "crv", &n)) == NULL ||
	    strcmp(crv, "P-256") != 0 ||
	    jwk_member(o, "x", pt + 1, JWK_EC_LEN, 1) == -1 ||
	    jwk_member(o, "y", pt + 1 + JWK_EC_LEN, JWK_EC_LEN, 1) == -1)
		return NULL;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return NULL;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) == 1 && OSSL_PARAM_BLD_push_octet_string(bld,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) == 1)
		pkey = jwk_fromdata("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	/* Invalid-curve points must never reach a verification. */
	if (pkey != NULL) {
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		if (ctx == NULL || EVP_PKEY_public_check(ctx) != 1) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
		EVP_PKEY_CTX_free(ctx);
	}
	return pkey;
}

/* An RSA public key from n and e (no leading zero bytes; e odd and at
 * least 3: with e = 1 a signature is its own message, forged by anyone). */
static EVP_PKEY *
jwk_rsa(struct json_object *o)
{
	unsigned char	 n[JWK_N_MAX], e[JWK_E_MAX];
	OSSL_PARAM_BLD	*bld = NULL;
	BIGNUM		*bn = NULL, *be = NULL;
	EVP_PKEY	*pkey = NULL;
	int		 nlen, elen;

	if ((nlen = jwk_member(o, "n", n, sizeof(n), 0)) == -1 ||
	    (elen = jwk_member(o, "e", e, sizeof(e), 0)) == -1 ||
	    n[0] == 0 || e[0] == 0 || (e[elen - 1] & 1) == 0 ||
	    (elen == 1 && e[0] < 3))
		return NULL;
	if ((bn = BN_bin2bn(n, nlen, NULL)) != NULL &&
	    (be = BN_bin2bn(e, elen, NULL)) != NULL &&
	    (bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1)
		pkey = jwk_fromdata("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pkey;
}

/* An Ed25519 public key from x. */
static EVP_PKEY *
jwk_okp(struct json_object *o)
{
	unsigned char	 x[JWK_ED_LEN];
	const char	*crv;
	size_t		 n;

	if ((crv = strictjson_string(o, "crv", &n)) == NULL ||
	    strcmp(crv, "Ed25519") != 0 ||
	    jwk_member(o, "x", x, sizeof(x), 1) == -1)
		return NULL;
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x,
	    sizeof(x));
}

/*
 * One JWK of a set.  Private members (RFC 7518 §6.2.2, §6.3.2, §6.4.1)
 * are refused: a set we publish must never carry them, and an "oct" key
 * would make a verifier of an HMAC.  Returns the key, or NULL with err.
 */
static struct jwk *
jwk_from_json(struct json_object *o, char *err, size_t errlen)
{
	static const char *const secret[] = {
		"d", "p", "q", "dp", "dq", "qi", "oth", "k"
	};
	EVP_PKEY	*pkey = NULL;
	struct jwk	*key;
	const char	*kty, *s;
	enum jwk_alg	 alg;
	size_t		 i, n;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (json_object_object_get_ex(o, secret[i], NULL)) {
			snprintf(err, errlen, "holds the private member "
			    "\"%s\"; publish only public keys", secret[i]);
			return NULL;
		}
	if ((kty = strictjson_string(o, "kty", &n)) == NULL)
		kty = "";
	if (strcmp(kty, "OKP") == 0)
		pkey = jwk_okp(o);
	else if (strcmp(kty, "EC") == 0)
		pkey = jwk_ec(o);
	else if (strcmp(kty, "RSA") == 0)
		pkey = jwk_rsa(o);
	else {
		snprintf(err, errlen, "kty is not OKP, EC or RSA");
		return NULL;
	}
	if (pkey == NULL) {
		snprintf(err, errlen, "not a valid %s public key "
		    "(crv, x, y, n or e)", kty);
		return NULL;
	}
	if ((key = jwk_wrap(pkey, 0, err, errlen)) == NULL)
		return NULL;
	if (json_object_object_get_ex(o, "use", NULL) &&
	    ((s = strictjson_string(o, "use", &n)) == NULL ||
	    strcmp(s, "sig") != 0))
		snprintf(err, errlen, "use is not \"sig\"");
	else if (json_object_object_get_ex(o, "alg", NULL) &&
	    (jwk_alg_parse(strictjson_string(o, "alg", &n), &alg) == -1 ||
	    alg != key->alg))
		snprintf(err, errlen, "alg is not %s, the key's",
		    jwk_algs[key->alg]);
	else if (json_object_object_get_ex(o, "kid", NULL) &&
	    ((s = strictjson_string(o, "kid", &n)) == NULL ||
	    strcmp(s, key->kid) != 0))
		snprintf(err, errlen, "kid is not the key's RFC 7638 "
		    "thumbprint (%s)", key->kid);
	else
		return key;
	jwk_free(key);
	return NULL;
}

int
jwk_set_parse(const char *json, size_t len, struct jwk **keys, size_t *n,
    char *err, size_t errlen)
{
	struct json_object	*set, *arr;
	char			 why[160];
	size_t			 i, j, cnt;
	int			 rc = -1;

	*n = 0;
	if ((set = strictjson_object(json, len, 4)) == NULL) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	if (!json_object_object_get_ex(set, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (cnt = json_object_array_length(arr)) == 0 || cnt > JWK_SET_MAX) {
		snprintf(err, errlen, "no \"keys\" array of 1 to %d keys",
		    JWK_SET_MAX);
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		keys[i] = jwk_from_json(json_object_array_get_idx(arr, i),
		    why, sizeof(why));
		if (keys[i] == NULL) {
			snprintf(err, errlen, "key %zu: %s", i + 1, why);
			goto out;
		}
		*n = i + 1;
		for (j = 0; j < i; j++)
			if (strcmp(keys[j]->kid, keys[i]->kid) == 0) {
				snprintf(err, errlen, "key %zu: the same key "
				    "as key %zu", i + 1, j + 1);
				goto out;
			}
	}
	rc = 0;
out:
	if (rc == -1) {
		for (i = 0; i < *n; i++)
			jwk_free(keys[i]);
		*n = 0;
	}
	json_object_put(set);
	return rc;
}

int
jwk_public_json(const struct jwk *key, char *buf, size_t cap)
{
	struct jwk_pub	 pub;
	enum jwk_alg	 alg;
	char		 why[128];
	int		 n;

	if (jwk_describe(key->pkey, &alg, &pub, why, sizeof(why)) == -1)
		return -1;
	if (strcmp(pub.kty, "RSA") == 0)
		n = snprintf(buf, cap, "{\"kty\":\"RSA\",\"n\":\"%s\","
		    "\"e\":\"%s\"", pub.n, pub.e);
	else if (strcmp(pub.kty, "EC") == 0)
		n = snprintf(buf, cap, "{\"kty\":\"EC\",\"crv\":\"%s\","
		    "\"x\":\"%s\",\"y\":\"%s\"", pub.crv, pub.x, pub.y);
	else
		n = snprintf(buf, cap, "{\"kty\":\"OKP\",\"crv\":\"%s\","
		    "\"x\":\"%s\"", pub.crv, pub.x);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	n += snprintf(buf + n, cap - (size_t)n, ",\"kid\":\"%s\","
	    "\"alg\":\"%s\",\"use\":\"sig\"}", key->kid, jwk_algs[alg]);
	return (size_t)n >= cap ? -1 : n;
}

int
jwk_generate_pem(enum jwk_alg alg, char **pem, size_t *len)
{
	EVP_PKEY	*pkey = NULL;
	BIO		*bio = NULL;
	char		*p;
	long		 n;
	int		 rc = -1;

	*pem = NULL;
	if (alg == JWK_EDDSA)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (alg == JWK_ES256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else if (alg == JWK_RS256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)JWK_RSA_MIN_BITS);
	if (pkey == NULL || (bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
	    NULL) != 1 || (n = BIO_get_mem_data(bio, &p)) <= 0 ||
	    (*pem = malloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(*pem, p, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	rc = 0;
out:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return rc;
}

void
jwk_free(struct jwk *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);	/* clears private key material */
	free(key);
}
