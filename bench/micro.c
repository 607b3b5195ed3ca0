/* SPDX-License-Identifier: ISC */
/*
 * Microbenchmark of the auth object: ns per token_verify (shape, header,
 * MAC, claims: every token is verified in full, and ns per verification of
 * a token whose claims need the strict reader, a payload with an escape)
 * and token_sign beside an HMAC-SHA256 floor (key set once, OpenSSL's EVP_MAC
 * re-initialised per message; libsodium's beside it), and logins per
 * second (pwhash_check) beside raw crypto_pwhash_str_verify with the
 * same parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "common/config.h"
#include "common/hs256.h"
#include "common/pwhash.h"
#include "common/token.h"
#include "common/username.h"

static double
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * A token of the usual header and {"sub":sub,"iat":now,"exp":now + 1800},
 * sub as JSON text, signed with cfg's key as token_sign would.
 */
static char *
micro_token(const struct config *cfg, const char *sub, time_t now)
{
	const int	 v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	crypto_auth_hmacsha256_state st;
	unsigned char	 mac[crypto_auth_hmacsha256_BYTES];
	char		 payload[256], b64[512];
	char		*tok;
	size_t		 len, n;

	snprintf(payload, sizeof(payload), "{\"sub\":%s,\"iat\":%lld,"
	    "\"exp\":%lld}", sub, (long long)now, (long long)now + 1800);
	sodium_bin2base64(b64, sizeof(b64), (unsigned char *)payload,
	    strlen(payload), v);
	len = sizeof("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.") + strlen(b64) +
	    sodium_base64_ENCODED_LEN(sizeof(mac), v);
	if ((tok = malloc(len)) == NULL)
		return NULL;
	n = (size_t)snprintf(tok, len, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.%s.",
	    b64);
	crypto_auth_hmacsha256_init(&st, cfg->secret, cfg->secret_len);
	crypto_auth_hmacsha256_update(&st, (unsigned char *)tok, n - 1);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(tok + n, len - n, mac, sizeof(mac), v);
	return tok;
}

int
main(int argc, char **argv)
{
	static unsigned char	 key[] =
	    "micro-bench-secret-0123456789abcdef0123456789abcdef";
	struct config		 cfg;
	crypto_auth_hmacsha256_state keyed, st;
	unsigned char		 mac[crypto_auth_hmacsha256_BYTES];
	char			 user[USERNAME_MAX + 1], hash[PWHASH_LEN];
	char			*tok, *t, *odd;
	double			 t0, verify, strict, sign, floor_ns;
	double			 sodium_ns;
	double			 login, raw;
	EVP_MAC			*hmac;
	EVP_MAC_CTX		*ctx;
	OSSL_PARAM		 params[2];
	size_t			 signed_len, maclen;
	long			 i, n = argc > 1 ? atol(argv[1]) : 200000;
	long			 nl = argc > 2 ? atol(argv[2]) : 20;
	int			 rehash, ok = 0;
	time_t			 now = time(NULL);

	if (sodium_init() < 0 || pwhash_init() == -1)
		return 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.secret = key;
	cfg.secret_len = sizeof(key) - 1;
	if ((cfg.key = hs256_key_new(key, cfg.secret_len,
	    CONFIG_SECRET_MIN)) == NULL)
		return 1;
	cfg.access_ttl = 1800;
	cfg.invalid_status = 403;
	if ((tok = token_sign(&cfg, "alice", now)) == NULL)
		return 1;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		ok += token_verify(&cfg, tok, now, user) == TOKEN_OK;
	verify = (now_ns() - t0) / n;

	/* A name with an escape (\u002e is ".") is past the flat reader:
	 * the strict one, json-c's tree, reads it. */
	if ((odd = micro_token(&cfg, "\"al\\u002ece\"", now)) == NULL)
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		ok += token_verify(&cfg, odd, now, user) == TOKEN_OK;
	strict = (now_ns() - t0) / n;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		t = token_sign(&cfg, "alice", now);
		free(t);
	}
	sign = (now_ns() - t0) / n;

	/*
	 * The floor: HMAC-SHA256 over the signed part with the key set once,
	 * straight through OpenSSL (the fastest HMAC here); and libsodium's,
	 * a state copied per message, for comparison.
	 */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(hmac)) == NULL ||
	    EVP_MAC_init(ctx, key, sizeof(key) - 1, params) != 1)
		return 1;
	signed_len = (size_t)(strrchr(tok, '.') - tok);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		ok += EVP_MAC_init(ctx, NULL, 0, NULL) == 1 &&
		    EVP_MAC_update(ctx, (unsigned char *)tok,
		    signed_len) == 1 &&
		    EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) == 1;
	floor_ns = (now_ns() - t0) / n;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);

	crypto_auth_hmacsha256_init(&keyed, key, sizeof(key) - 1);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		st = keyed;
		crypto_auth_hmacsha256_update(&st, (unsigned char *)tok,
		    signed_len);
		crypto_auth_hmacsha256_final(&st, mac);
	}
	sodium_ns = (now_ns() - t0) / n;

	if (pwhash_make(hash, "correct horse battery", 21) == -1)
		return 1;
	/* In turn, one of each per round: a machine that slows down for a
	 * while slows both alike (each takes tens of milliseconds). */
	login = raw = 0;
	for (i = 0; i < nl; i++) {
		t0 = now_ns();
		ok += pwhash_check(hash, "correct horse battery", 21, &rehash);
		login += now_ns() - t0;
		t0 = now_ns();
		ok += crypto_pwhash_str_verify(hash, "correct horse battery",
		    21) == 0;
		raw += now_ns() - t0;
	}
	login /= nl;
	raw /= nl;

	if (ok != 3 * n + 2 * nl) {
		fprintf(stderr, "micro: a verification failed\n");
		return 1;
	}
	printf("token_verify_ns=%.0f token_verify_strict_reader_ns=%.0f "
	    "token_sign_ns=%.0f hmac_floor_ns=%.0f verify_vs_floor=%.1fx "
	    "libsodium_hmac_ns=%.0f\n", verify, strict, sign, floor_ns,
	    verify / floor_ns, sodium_ns);
	printf("logins_per_s=%.1f raw_pwhash_verify_per_s=%.1f "
	    "login_vs_raw=%.3f\n", 1e9 / login, 1e9 / raw, raw / login);
	free(tok);
	free(odd);
	return 0;
}
