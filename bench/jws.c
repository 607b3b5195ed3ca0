/* SPDX-License-Identifier: ISC */
/*
 * build/bench/jws [N]: nanoseconds per token_sign and token_verify for each
 * asymmetric algorithm (and HS256 beside them), with a fresh key set up the
 * way the executables set it up (key files read once by token_init), and
 * per bare jws_verify of the same text, the floor.  bench/jws.sh prints
 * `openssl speed` for the same key types beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/config.h"
#include "common/jwk.h"
#include "common/jws.h"
#include "common/token.h"

static double
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Write len bytes to path.  0 or -1. */
static int
put(const char *path, const char *s, size_t len)
{
	FILE	*fp;
	int	 rc;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	rc = fwrite(s, 1, len, fp) == len ? 0 : -1;
	return fclose(fp) == 0 ? rc : -1;
}

/* A key pair for alg in dir: dir/key.pem and dir/jwks.json; the parsed key
 * into *key (for the floor).  0 or -1. */
static int
keypair(enum jwk_alg alg, const char *dir, struct jwk **key)
{
	char	 path[256], json[JWK_JSON_MAX + 16], err[256], *pem;
	size_t	 len;
	int	 n;

	if (jwk_generate_pem(alg, &pem, &len) == -1 ||
	    (*key = jwk_from_pem(pem, len, err, sizeof(err))) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (put(path, pem, len) == -1)
		return -1;
	free(pem);
	n = snprintf(json, sizeof(json), "{\"keys\":[");
	n += jwk_public_json(*key, json + n, sizeof(json) - (size_t)n);
	n += snprintf(json + n, sizeof(json) - (size_t)n, "]}");
	snprintf(path, sizeof(path), "%s/jwks.json", dir);
	return put(path, json, (size_t)n);
}

/* What one round times: a token_sign, a token_verify or a jws_verify. */
struct round {
	struct config	*cfg;
	const struct jwk *key;
	const char	*tok;
	unsigned char	 sig[JWS_SIG_MAX];
	size_t		 siglen;
	char		 user[USERNAME_MAX + 1];
};

static int
round_sign(struct round *r)
{
	char	*t = token_sign(r->cfg, "alice", time(NULL));

	free(t);
	return t != NULL;
}

static int
round_verify(struct round *r)
{
	return token_verify(r->cfg, r->tok, time(NULL), r->user) == TOKEN_OK;
}

static int
round_floor(struct round *r)
{
	return jws_verify(r->key, r->tok, 10, r->sig, r->siglen);
}

/* Nanoseconds per fn(r) over n rounds; -1 when one of them failed. */
static double
per_round(int (*fn)(struct round *), struct round *r, long n)
{
	double	 t0 = now_ns();
	long	 i, ok = 0;

	for (i = 0; i < n; i++)
		ok += fn(r);
	return ok == n ? (now_ns() - t0) / n : -1;
}

int
main(int argc, char **argv)
{
	static unsigned char	 secret[] =
	    "jws-bench-secret-0123456789abcdef0123456789abcdef";
	char			 dir[] = "/tmp/bench-jws.XXXXXX", path[2][256];
	char			 err[512], *tok;
	struct config		 cfg;
	struct round		 r;
	struct jwk		*key = NULL;
	double			 sign, verify, floor_ns;
	long			 n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	int			 a, rc = 0;

	if (n < 1 || sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	snprintf(path[0], sizeof(path[0]), "%s/key.pem", dir);
	snprintf(path[1], sizeof(path[1]), "%s/jwks.json", dir);
	for (a = 0; a < JWK__MAX && rc == 0; a++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.alg = (enum jwk_alg)a;
		cfg.access_ttl = 1800;
		if (a == JWK_HS256) {
			cfg.secret = secret;
			cfg.secret_len = sizeof(secret) - 1;
		} else {
			if (keypair(cfg.alg, dir, &key) == -1)
				return 1;
			cfg.signing_key_file = path[0];
			cfg.verify_keys_file = path[1];
		}
		if (token_init(&cfg, err, sizeof(err)) == -1) {
			fprintf(stderr, "jws: %s\n", err);
			return 1;
		}
		if ((tok = token_sign(&cfg, "alice", time(NULL))) == NULL)
			return 1;
		memset(&r, 0, sizeof(r));
		r.cfg = &cfg;
		r.key = key;
		r.tok = tok;
		sign = per_round(round_sign, &r, n);
		verify = per_round(round_verify, &r, n);
		floor_ns = 0;
		if (key != NULL && jws_sign(key, tok, 10, r.sig, &r.siglen) == 0)
			floor_ns = per_round(round_floor, &r, n);
		if (sign < 0 || verify < 0 || floor_ns < 0) {
			fprintf(stderr, "jws: a signature failed\n");
			rc = 1;
		}
		printf("%s sign_ns=%.0f verify_ns=%.0f jws_verify_floor_ns=%.0f "
		    "verifies_per_s=%.0f\n", jwk_alg_name(cfg.alg), sign, verify,
		    floor_ns, 1e9 / verify);
		free(tok);
		token_fini(&cfg);
		jwk_free(key);
		key = NULL;
	}
	unlink(path[0]);
	unlink(path[1]);
	rmdir(dir);
	return rc;
}
