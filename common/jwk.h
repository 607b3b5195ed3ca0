/* SPDX-License-Identifier: ISC */
/*
 * Asymmetric signing keys, parsed once: a PEM private key (the signer's)
 * or a JWK Set of public keys (RFC 7517, the verifiers'), each into one
 * OpenSSL EVP_PKEY with the algorithm it serves and its kid, the key's
 * RFC 7638 thumbprint.  The algorithm belongs to the key, never to a
 * token (docs/security.md, "Asymmetric tokens").
 *
 * Accepted: Ed25519 (EdDSA, RFC 8037), P-256 (ES256) and RSA of at least
 * JWK_RSA_MIN_BITS (RS256, RFC 7518 §3.3).
 */
#ifndef COMMON_JWK_H
#define COMMON_JWK_H

#include <stddef.h>

#define JWK_KID_LEN		43	/* base64url of a SHA-256 thumbprint */
#define JWK_HDR_MAX		128	/* base64url of our protected header */
#define JWK_RSA_MIN_BITS	2048
#define JWK_RSA_MAX_BITS	8192
#define JWK_SET_MAX		64	/* keys in one set */
#define JWK_JSON_MAX		2048	/* one public JWK as JSON text */

enum jwk_alg {
	JWK_HS256 = 0,		/* no key of ours: the HMAC mode */
	JWK_EDDSA,
	JWK_ES256,
	JWK_RS256,
	JWK__MAX
};

struct evp_pkey_st;		/* OpenSSL's EVP_PKEY */

struct jwk {
	enum jwk_alg		 alg;	/* the only one this key verifies */
	struct evp_pkey_st	*pkey;	/* public, or private with priv */
	int			 priv;	/* holds the private half */
	char			 kid[JWK_KID_LEN + 1];
	/* base64url of {"alg":…,"typ":"JWT","kid":…}: the header we sign
	 * with, known without decoding when a token carries it. */
	char			 hdr[JWK_HDR_MAX + 1];
};

/* "HS256", "EdDSA", "ES256", "RS256"; NULL for anything else. */
const char	*jwk_alg_name(enum jwk_alg alg);

/* The algorithm called exactly s (case matters).  Returns 0 or -1. */
int		 jwk_alg_parse(const char *s, enum jwk_alg *alg);

/*
 * The private key in len bytes of PEM (PKCS#8 or the traditional forms;
 * never a passphrase prompt).  Returns the key (release with jwk_free), or
 * NULL with a reason in err that never quotes the key.
 */
struct jwk	*jwk_from_pem(const char *pem, size_t len, char *err,
		    size_t errlen);

/*
 * The public keys of a JWK Set in len bytes of JSON into keys (at most
 * JWK_SET_MAX), *n set to how many.  Every key must be of a supported
 * type with only public members, of the right size, "use" "sig" and
 * "alg" the key's when present, "kid" its thumbprint when present, and no
 * two alike.  Returns 0, or -1 with the reason in err (the keys are then
 * freed).
 */
int		 jwk_set_parse(const char *json, size_t len, struct jwk **keys,
		    size_t *n, char *err, size_t errlen);

/*
 * The public JWK of key as JSON text into buf (cap bytes): kty, the
 * public members, kid, alg and use "sig", nothing else.  Returns the
 * length, or -1.
 */
int		 jwk_public_json(const struct jwk *key, char *buf, size_t cap);

/*
 * A new private key for alg (not JWK_HS256) as PEM (PKCS#8) into a
 * malloc'd string (caller wipes and frees), *len its length.  Returns 0
 * or -1.
 */
int		 jwk_generate_pem(enum jwk_alg alg, char **pem, size_t *len);

/* Free key and wipe what OpenSSL holds of it; NULL is fine. */
void		 jwk_free(struct jwk *key);

#endif
