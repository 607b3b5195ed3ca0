/*
 * Microbenchmark of the auth object: ns per token_verify and token_sign
 * beside an HMAC-SHA256 floor (key set once, as a pre-keyed state copied
 * per message), and logins per second (pwhash_check) beside raw
 * crypto_pwhash_str_verify with the same parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/config.h"
#include "common/pwhash.h"
#include "common/token.h"

static double
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static unsigned char	 key[] =
	    "micro-bench-secret-0123456789abcdef0123456789abcdef";
	struct config		 cfg;
	crypto_auth_hmacsha256_state keyed, st;
	unsigned char		 mac[crypto_auth_hmacsha256_BYTES];
	char			 user[TOKEN_USER_MAX + 1], hash[PWHASH_LEN];
	char			*tok, *t;
	double			 t0, verify, sign, floor_ns, login, raw;
	long			 i, n = argc > 1 ? atol(argv[1]) : 200000;
	long			 nl = argc > 2 ? atol(argv[2]) : 20;
	int			 rehash, ok = 0;
	time_t			 now = time(NULL);

	if (sodium_init() < 0 || pwhash_init() == -1)
		return 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.secret = key;
	cfg.secret_len = sizeof(key) - 1;
	cfg.access_ttl = 1800;
	cfg.invalid_status = 403;
	if ((tok = token_sign(&cfg, "alice", now)) == NULL)
		return 1;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		ok += token_verify(&cfg, tok, now, user) == TOKEN_OK;
	verify = (now_ns() - t0) / n;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		t = token_sign(&cfg, "alice", now);
		free(t);
	}
	sign = (now_ns() - t0) / n;

	/* The floor: HMAC-SHA256 over the signed part, key set once. */
	crypto_auth_hmacsha256_init(&keyed, key, sizeof(key) - 1);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		st = keyed;
		crypto_auth_hmacsha256_update(&st, (unsigned char *)tok,
		    (size_t)(strrchr(tok, '.') - tok));
		crypto_auth_hmacsha256_final(&st, mac);
	}
	floor_ns = (now_ns() - t0) / n;

	if (pwhash_make(hash, "correct horse battery", 21) == -1)
		return 1;
	t0 = now_ns();
	for (i = 0; i < nl; i++)
		ok += pwhash_check(hash, "correct horse battery", 21, &rehash);
	login = (now_ns() - t0) / nl;
	t0 = now_ns();
	for (i = 0; i < nl; i++)
		ok += crypto_pwhash_str_verify(hash, "correct horse battery",
		    21) == 0;
	raw = (now_ns() - t0) / nl;

	if (ok != n + 2 * nl) {
		fprintf(stderr, "micro: a verification failed\n");
		return 1;
	}
	printf("token_verify_ns=%.0f token_sign_ns=%.0f hmac_floor_ns=%.0f "
	    "verify_vs_floor=%.1fx\n", verify, sign, floor_ns,
	    verify / floor_ns);
	printf("logins_per_s=%.1f raw_pwhash_verify_per_s=%.1f "
	    "login_vs_raw=%.3f\n", 1e9 / login, 1e9 / raw, raw / login);
	free(tok);
	return 0;
}
