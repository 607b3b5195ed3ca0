/* SPDX-License-Identifier: ISC */
/*
 * hs256: the key set up once and re-initialised per message.  Known
 * answers from RFC 4231 and RFC 7515 §A.1; agreement with libsodium's
 * HMAC-SHA256 (another implementation) over many lengths and with two
 * keys in turn, so no state leaks from one message or key to the next;
 * libjwt's jwt_decode as the second opinion on every one-character change
 * of a signature; and the refusals (no key, short key, wrong length,
 * non-canonical base64url), each beside its positive control.
 */
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <sodium.h>

#include "common/config.h"
#include "common/hs256.h"
#include "tests/unit/unit.h"

#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char	b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The base64url of the MAC given in hex. */
static void
hex_to_sig(const char *hex, char sig[HS256_SIG_LEN + 1])
{
	unsigned char	 mac[32];
	size_t		 n = 0;

	CHECK(sodium_hex2bin(mac, sizeof(mac), hex, strlen(hex), NULL, &n,
	    NULL) == 0 && n == 32);
	sodium_bin2base64(sig, HS256_SIG_LEN + 1, mac, sizeof(mac), B64);
}

/* sign and verify msg under secret and check the MAC is want_hex. */
static void
check_kat(const unsigned char *secret, size_t len, const char *msg,
    const char *want_hex)
{
	struct hs256_key	*key;
	char			 got[HS256_SIG_LEN + 1];
	char			 want[HS256_SIG_LEN + 1];

	hex_to_sig(want_hex, want);
	CHECK((key = hs256_key_new(secret, len, 1)) != NULL);
	CHECK_INT(hs256_sign(key, msg, strlen(msg), got), 0);
	CHECK_STR(got, want);
	CHECK_INT(hs256_verify(key, msg, strlen(msg), want, HS256_SIG_LEN), 1);
	hs256_key_free(key);
}

/* RFC 4231 §4.2, §4.3, §4.7, §4.8: short, long and hashed keys. */
static void
test_rfc4231(void)
{
	unsigned char	 k1[20], k6[131];

	memset(k1, 0x0b, sizeof(k1));
	memset(k6, 0xaa, sizeof(k6));
	check_kat(k1, sizeof(k1), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	check_kat((const unsigned char *)"Jefe", 4,
	    "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	check_kat(k6, sizeof(k6), "Test Using Larger Than Block-Size Key - "
	    "Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
	check_kat(k6, sizeof(k6), "This is a test using a larger than "
	    "block-size key and a larger than block-size data. The key needs "
	    "to be hashed before being used by the HMAC algorithm.",
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* RFC 7515 §A.1: the example JWS verifies with the example key. */
static void
test_rfc7515_example(void)
{
	static const char	 k[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-Es"
	    "tJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
	static const char	 msg[] = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1"
	    "NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9"
	    "leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
	static const char	 sig[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gF"
	    "WFOEjXk";
	struct hs256_key	*key;
	unsigned char		 secret[64];
	size_t			 n = 0;

	CHECK(sodium_base642bin(secret, sizeof(secret), k, strlen(k), NULL,
	    &n, NULL, B64) == 0);
	CHECK_INT(n, 64);
	CHECK((key = hs256_key_new(secret, n, CONFIG_SECRET_MIN)) != NULL);
	CHECK_INT(hs256_verify(key, msg, strlen(msg), sig, strlen(sig)), 1);
	/* One byte less of the signed text: refused. */
	CHECK_INT(hs256_verify(key, msg, strlen(msg) - 1, sig, strlen(sig)), 0);
	hs256_key_free(key);
}

/*
 * Two keys in turn over messages of 0 to 300 bytes: every MAC equals
 * libsodium's, so re-initialising keeps the key and forgets the message.
 */
static void
test_agrees_with_libsodium(void)
{
	struct hs256_key		*a, *b, *key;
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 ka[40], kb[100], msg[300], mac[32];
	unsigned char			*kbytes;
	char				 got[HS256_SIG_LEN + 1];
	char				 want[HS256_SIG_LEN + 1];
	size_t				 len, klen;
	int				 bad = 0;

	randombytes_buf(ka, sizeof(ka));
	randombytes_buf(kb, sizeof(kb));	/* over the 64-byte block */
	randombytes_buf(msg, sizeof(msg));
	CHECK((a = hs256_key_new(ka, sizeof(ka), CONFIG_SECRET_MIN)) != NULL);
	CHECK((b = hs256_key_new(kb, sizeof(kb), CONFIG_SECRET_MIN)) != NULL);
	for (len = 0; len <= sizeof(msg); len++) {
		key = len % 2 ? a : b;
		kbytes = len % 2 ? ka : kb;
		klen = len % 2 ? sizeof(ka) : sizeof(kb);
		crypto_auth_hmacsha256_init(&st, kbytes, klen);
		crypto_auth_hmacsha256_update(&st, msg, len);
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_bin2base64(want, sizeof(want), mac, sizeof(mac), B64);
		if (hs256_sign(key, (const char *)msg, len, got) != 0 ||
		    strcmp(got, want) != 0 ||
		    hs256_verify(key, (const char *)msg, len, want,
		    HS256_SIG_LEN) != 1 ||
		    hs256_verify(key == a ? b : a, (const char *)msg, len,
		    want, HS256_SIG_LEN) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	hs256_key_free(a);
	hs256_key_free(b);
}

/* libjwt's verdict on tok, with the alg pinned. */
static int
libjwt_accepts(const char *tok, const unsigned char *secret, size_t len)
{
	jwt_t	*jwt = NULL;
	int	 ok;

	ok = jwt_decode(&jwt, tok, secret, (int)len) == 0 &&
	    jwt_get_alg(jwt) == JWT_ALG_HS256;
	jwt_free(jwt);
	return ok;
}

/*
 * A token libjwt signed verifies; every signature that differs from it in
 * one character (64 × 43 of them, the non-canonical last characters among
 * them) gets the same verdict from hs256_verify as from libjwt.
 */
static void
test_agrees_with_libjwt(void)
{
	static const unsigned char	 secret[] =
	    "libjwt-oracle-0123456789abcdef-0123456789";
	struct hs256_key		*key;
	jwt_t				*jwt = NULL;
	char				*tok = NULL, *sig, orig;
	size_t				 slen = sizeof(secret) - 1, mlen, i, c;
	int				 ours, theirs, differ = 0, accepted = 0;

	CHECK(jwt_new(&jwt) == 0);
	CHECK(jwt_add_grant(jwt, "username", "alice") == 0);
	CHECK(jwt_set_alg(jwt, JWT_ALG_HS256, secret, (int)slen) == 0);
	CHECK((tok = jwt_encode_str(jwt)) != NULL);
	jwt_free(jwt);
	if (tok == NULL)
		return;
	CHECK((key = hs256_key_new(secret, slen, CONFIG_SECRET_MIN)) != NULL);
	sig = strrchr(tok, '.') + 1;
	mlen = (size_t)(sig - 1 - tok);
	CHECK_INT(strlen(sig), HS256_SIG_LEN);
	CHECK_INT(hs256_verify(key, tok, mlen, sig, strlen(sig)), 1);
	CHECK_INT(libjwt_accepts(tok, secret, slen), 1);
	for (i = 0; i < HS256_SIG_LEN; i++) {
		orig = sig[i];
		for (c = 0; c < 64; c++) {
			sig[i] = b64url[c];
			ours = hs256_verify(key, tok, mlen, sig, strlen(sig));
			theirs = libjwt_accepts(tok, secret, slen);
			differ += ours != theirs;
			accepted += ours;
		}
		sig[i] = orig;
	}
	CHECK_INT(differ, 0);
	CHECK_INT(accepted, HS256_SIG_LEN);	/* the original, once each */
	hs256_key_free(key);
	free(tok);
}

/* The last character carries 4 bits and 2 zero bits: only one spelling. */
static void
test_noncanonical_refused(void)
{
	static const unsigned char	 secret[] =
	    "noncanonical-0123456789abcdef-0123456789";
	struct hs256_key		*key;
	char				 sig[HS256_SIG_LEN + 1];
	const char			*p;
	size_t				 pos;

	CHECK((key = hs256_key_new(secret, sizeof(secret) - 1,
	    CONFIG_SECRET_MIN)) != NULL);
	CHECK_INT(hs256_sign(key, "a.b", 3, sig), 0);
	CHECK_INT(hs256_verify(key, "a.b", 3, sig, HS256_SIG_LEN), 1);
	p = strchr(b64url, sig[HS256_SIG_LEN - 1]);
	pos = (size_t)(p - b64url);
	CHECK_INT(pos & 3, 0);
	sig[HS256_SIG_LEN - 1] = b64url[pos | 1];	/* same 4 bits */
	CHECK_INT(hs256_verify(key, "a.b", 3, sig, HS256_SIG_LEN), 0);
	hs256_key_free(key);
}

static void
test_wrong_length_refused(void)
{
	static const unsigned char	 secret[] =
	    "length-0123456789abcdef-0123456789abcdef";
	struct hs256_key		*key;
	char				 sig[HS256_SIG_LEN + 2];

	CHECK((key = hs256_key_new(secret, sizeof(secret) - 1,
	    CONFIG_SECRET_MIN)) != NULL);
	CHECK_INT(hs256_sign(key, "m", 1, sig), 0);
	CHECK_INT(hs256_verify(key, "m", 1, sig, HS256_SIG_LEN - 1), 0);
	sig[HS256_SIG_LEN] = 'A';
	sig[HS256_SIG_LEN + 1] = '\0';
	CHECK_INT(hs256_verify(key, "m", 1, sig, HS256_SIG_LEN + 1), 0);
	CHECK_INT(hs256_verify(key, "m", 1, sig, 0), 0);
	CHECK_INT(hs256_verify(key, "m", 1, sig, HS256_SIG_LEN), 1);
	hs256_key_free(key);
}

/* No key, an empty key and a short one are refused, never "no check". */
static void
test_missing_or_short_key_refused(void)
{
	static const unsigned char	 secret[] =
	    "0123456789abcdef0123456789abcdef";
	struct hs256_key		*key;
	char				 sig[HS256_SIG_LEN + 1];

	CHECK(hs256_key_new(NULL, 32, CONFIG_SECRET_MIN) == NULL);
	CHECK(hs256_key_new(secret, 0, 0) == NULL);
	CHECK(hs256_key_new(secret, 31, CONFIG_SECRET_MIN) == NULL);
	CHECK_INT(hs256_sign(NULL, "m", 1, sig), -1);
	memset(sig, 'A', HS256_SIG_LEN);
	sig[HS256_SIG_LEN] = '\0';
	CHECK_INT(hs256_verify(NULL, "m", 1, sig, HS256_SIG_LEN), 0);
	hs256_key_free(NULL);
	/* The positive control: 32 bytes key, and sign-verify agree. */
	CHECK((key = hs256_key_new(secret, 32, CONFIG_SECRET_MIN)) != NULL);
	CHECK_INT(hs256_sign(key, "m", 1, sig), 0);
	CHECK_INT(hs256_verify(key, "m", 1, sig, HS256_SIG_LEN), 1);
	hs256_key_free(key);
}

UNIT_TESTS(
	T(test_rfc4231),
	T(test_rfc7515_example),
	T(test_agrees_with_libsodium),
	T(test_agrees_with_libjwt),
	T(test_noncanonical_refused),
	T(test_wrong_length_refused),
	T(test_missing_or_short_key_refused),
);
