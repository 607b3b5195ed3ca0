/* SPDX-License-Identifier: ISC */
/*
 * The cache of verified tokens (common/tokcache.c) and its use by
 * token_verify: a hit gives what was stored and its time claims are
 * judged again; only the whole token hits; the table stays bounded and
 * holds a 1000-user load; new keys or SIGHUP empty it, so a retired key's
 * token is refused after a rotation even though it was cached.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/hs256.h"
#include "common/jwk.h"
#include "common/tokcache.h"
#include "common/token.h"
#include "tests/unit/tokenkit.h"
#include "tests/unit/unit.h"

static char	 dir[] = "/tmp/test_tokcache.XXXXXX";
static char	 pem_path[64], set_path[64];

static void
hit_of(struct tokcache_hit *h, const char *user, int64_t exp)
{
	memset(h, 0, sizeof(*h));
	h->exp = exp;
	h->nbf = TOKCACHE_NONE;
	h->iat = exp - 900;
	h->until = INT64_MAX;
	snprintf(h->user, sizeof(h->user), "%s", user);
}

static void
test_hit_and_miss(void)
{
	struct tokcache		*tc = tokcache_new();
	struct tokcache_hit	 h, got;

	CHECK(tc != NULL);
	if (tc == NULL)
		return;
	CHECK_INT(tokcache_get(tc, "a.b.c", 5, &got), 0);
	hit_of(&h, "alice", 1000);
	tokcache_put(tc, "a.b.c", 5, &h);
	memset(&got, 0, sizeof(got));
	CHECK_INT(tokcache_get(tc, "a.b.c", 5, &got), 1);
	CHECK_STR(got.user, "alice");
	CHECK_INT(got.exp, 1000);
	CHECK_INT(got.nbf, TOKCACHE_NONE);
	CHECK_INT(got.iat, 100);
	/* The whole token, never a prefix or a neighbour. */
	CHECK_INT(tokcache_get(tc, "a.b.c", 4, &got), 0);
	CHECK_INT(tokcache_get(tc, "a.b.d", 5, &got), 0);
	CHECK_INT(tokcache_count(tc), 1);
	/* The same token again replaces its entry. */
	hit_of(&h, "alice", 2000);
	tokcache_put(tc, "a.b.c", 5, &h);
	CHECK_INT(tokcache_count(tc), 1);
	CHECK_INT(tokcache_get(tc, "a.b.c", 5, &got), 1);
	CHECK_INT(got.exp, 2000);
	tokcache_clear(tc);
	CHECK_INT(tokcache_count(tc), 0);
	CHECK_INT(tokcache_get(tc, "a.b.c", 5, &got), 0);
	tokcache_free(tc);
}

/* Every token of a 1000-user load stays; a flood stays within the table. */
static void
test_bounded(void)
{
	struct tokcache		*tc = tokcache_new();
	struct tokcache_hit	 h, got;
	char			 tok[32];
	int			 i, n, held = 0;

	CHECK(tc != NULL);
	if (tc == NULL)
		return;
	for (i = 0; i < 1000; i++) {
		n = snprintf(tok, sizeof(tok), "user%d.tok", i);
		hit_of(&h, "u", 5000 + i);
		tokcache_put(tc, tok, (size_t)n, &h);
	}
	for (i = 0; i < 1000; i++) {
		n = snprintf(tok, sizeof(tok), "user%d.tok", i);
		held += tokcache_get(tc, tok, (size_t)n, &got);
	}
	CHECK_INT(held, 1000);
	CHECK_INT(tokcache_count(tc), 1000);
	/* A flood of tokens sent once: the table stays full, no larger,
	 * and the newest is always there. */
	for (i = 0; i < 10 * TOKCACHE_SLOTS; i++) {
		n = snprintf(tok, sizeof(tok), "flood%d", i);
		hit_of(&h, "u", 9000 + i);
		tokcache_put(tc, tok, (size_t)n, &h);
		if (tokcache_get(tc, tok, (size_t)n, &got) != 1) {
			CHECK(0);
			break;
		}
	}
	CHECK_INT(tokcache_count(tc), TOKCACHE_SLOTS);
	/* The 1000 come back; new tokens then push out the flood's, used
	 * less recently, never theirs (unless the 32 slots a token may sit
	 * in held none of the flood's: about 1 in 10^7). */
	for (i = 0; i < 1100; i++) {
		n = i < 1000 ? snprintf(tok, sizeof(tok), "user%d.tok", i) :
		    snprintf(tok, sizeof(tok), "new%d", i);
		hit_of(&h, "u", 5000 + i);
		tokcache_put(tc, tok, (size_t)n, &h);
	}
	for (i = held = 0; i < 1000; i++) {
		n = snprintf(tok, sizeof(tok), "user%d.tok", i);
		held += tokcache_get(tc, tok, (size_t)n, &got);
	}
	CHECK_INT(held, 1000);
	CHECK_INT(tokcache_count(tc), TOKCACHE_SLOTS);
	tokcache_free(tc);
}

/* An EdDSA verifier over fresh files; the signer's kid into kid. */
static int
asym_cfg(struct config *cfg, char *kid)
{
	char	 err[512];

	memcpy(dir + sizeof(dir) - 7, "XXXXXX", 6);
	if (mkdtemp(dir) == NULL)
		exit(2);
	snprintf(pem_path, sizeof(pem_path), "%s/key.pem", dir);
	snprintf(set_path, sizeof(set_path), "%s/jwks.json", dir);
	tokenkit_pair(dir, pem_path, set_path, kid);
	memset(cfg, 0, sizeof(*cfg));
	cfg->alg = JWK_EDDSA;
	cfg->signing_key_file = pem_path;
	cfg->verify_keys_file = set_path;
	cfg->access_ttl = 900;
	cfg->invalid_status = 403;
	if (token_init(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "  %s\n", err);
		return -1;
	}
	CHECK(cfg->cache != NULL);
	return cfg->cache != NULL ? 0 : -1;
}

static void
asym_done(struct config *cfg)
{
	token_fini(cfg);
	unlink(pem_path);
	unlink(set_path);
	rmdir(dir);
}

/* A stored entry is what a hit returns, signature or not: so the next
 * tests' hits are really hits.  Its time claims are still judged. */
static void
test_verify_uses_cache(void)
{
	struct config		 cfg;
	struct tokcache_hit	 h;
	char			 kid[JWK_KID_LEN + 1], user[USERNAME_MAX + 1];
	const char		*fake = "eyJ4IjoxfQ.eyJ4IjoxfQ.c2ln";
	time_t			 now = time(NULL);

	if (asym_cfg(&cfg, kid) == -1)
		return;
	CHECK_INT(token_verify(&cfg, fake, now, user), TOKEN_BADALG);
	hit_of(&h, "mallory", (int64_t)now + 60);
	tokcache_put(cfg.cache, fake, strlen(fake), &h);
	CHECK_INT(token_verify(&cfg, fake, now, user), TOKEN_OK);
	CHECK_STR(user, "mallory");
	CHECK_INT(token_verify(&cfg, fake, now + 60, user), TOKEN_EXPIRED);
	asym_done(&cfg);
}

/* Only a fully verified token enters; a hit is judged again at its now. */
static void
test_expiry_on_hit(void)
{
	struct config	 cfg;
	char		 kid[JWK_KID_LEN + 1], user[USERNAME_MAX + 1], *tok;
	time_t		 now = time(NULL);

	if (asym_cfg(&cfg, kid) == -1)
		return;
	cfg.leeway = 30;
	tok = token_sign(&cfg, "alice", now);
	CHECK(tok != NULL);
	if (tok == NULL)
		goto out;
	/* Refused at first (not valid yet): nothing stored. */
	CHECK_INT(token_verify(&cfg, tok, now - 31, user), TOKEN_BADIAT);
	CHECK_INT(tokcache_count(cfg.cache), 0);
	CHECK_INT(token_verify(&cfg, tok, now, user), TOKEN_OK);
	CHECK_STR(user, "alice");
	CHECK_INT(tokcache_count(cfg.cache), 1);
	memset(user, 0, sizeof(user));
	CHECK_INT(token_verify(&cfg, tok, now + 900 + 29, user), TOKEN_OK);
	CHECK_STR(user, "alice");
	CHECK_INT(token_verify(&cfg, tok, now + 900 + 30, user),
	    TOKEN_EXPIRED);
	CHECK_INT(token_verify(&cfg, tok, now - 31, user), TOKEN_BADIAT);
	CHECK_INT(tokcache_count(cfg.cache), 1);
	/* A token whose signature fails is never stored. */
	tok[strlen(tok) - 2] = tok[strlen(tok) - 2] == 'A' ? 'B' : 'A';
	CHECK_INT(token_verify(&cfg, tok, now, user), TOKEN_BADSIG);
	CHECK_INT(tokcache_count(cfg.cache), 1);
	free(tok);
out:
	asym_done(&cfg);
}

/* A rotation empties the cache: the retired key's token, cached before,
 * is refused after; SIGHUP empties it too. */
static void
test_key_change_empties(void)
{
	struct config	 cfg;
	char		 k0[JWK_KID_LEN + 1], k1[JWK_KID_LEN + 1];
	char		 user[USERNAME_MAX + 1], *old, *new;
	time_t		 now = time(NULL);

	if (asym_cfg(&cfg, k0) == -1)
		return;
	old = token_sign(&cfg, "alice", now);
	CHECK(old != NULL);
	if (old == NULL)
		goto out;
	CHECK_INT(token_verify(&cfg, old, now, user), TOKEN_OK);
	CHECK_INT(tokcache_count(cfg.cache), 1);
	/* The same second the files are not looked at: still a hit. */
	tokenkit_pair(dir, pem_path, set_path, k1);
	CHECK_INT(token_verify(&cfg, old, now, user), TOKEN_OK);
	CHECK_INT(token_verify(&cfg, old, now + 1, user), TOKEN_BADKID);
	CHECK_INT(tokcache_count(cfg.cache), 0);
	new = token_sign(&cfg, "bob", now + 1);
	CHECK(new != NULL);
	if (new != NULL) {
		CHECK_INT(token_verify(&cfg, new, now + 1, user), TOKEN_OK);
		CHECK_STR(user, "bob");
		CHECK_INT(tokcache_count(cfg.cache), 1);
		kill(getpid(), SIGHUP);
		CHECK_INT(token_verify(&cfg, new, now + 1, user), TOKEN_OK);
		CHECK_INT(tokcache_count(cfg.cache), 1);	/* again */
		CHECK_INT(token_verify(&cfg, old, now + 1, user),
		    TOKEN_BADKID);
		free(new);
	}
	free(old);
out:
	asym_done(&cfg);
}

#define PREV_SECRET	"the-previous-secret-0123456789abcdef"

/* HS256 tokens are cached too; one verified by TOKEN_SECRET_PREVIOUS hits
 * only until that secret's window ends, then is refused though cached. */
static void
test_hs256_previous_window(void)
{
	struct config	 cfg, old;
	char		 user[USERNAME_MAX + 1], *tok, *cur;
	time_t		 now = time(NULL);

	tokenkit_cfg(&cfg);
	cfg.cache = tokcache_new();
	cfg.key_prev = hs256_key_new((const unsigned char *)PREV_SECRET,
	    strlen(PREV_SECRET), CONFIG_SECRET_MIN);
	cfg.secret_prev_until = now + 10;
	memset(&old, 0, sizeof(old));
	old.secret = (unsigned char *)PREV_SECRET;
	old.secret_len = strlen(PREV_SECRET);
	old.access_ttl = 900;
	tok = token_sign(&old, "carol", now);
	cur = token_sign(&cfg, "dave", now);
	CHECK(cfg.cache != NULL && cfg.key_prev != NULL && tok != NULL &&
	    cur != NULL);
	if (cfg.cache == NULL || cfg.key_prev == NULL || tok == NULL ||
	    cur == NULL)
		goto out;
	CHECK_INT(token_verify(&cfg, tok, now, user), TOKEN_OK);
	CHECK_INT(token_verify(&cfg, cur, now, user), TOKEN_OK);
	CHECK_INT(tokcache_count(cfg.cache), 2);
	CHECK_INT(token_verify(&cfg, tok, now + 9, user), TOKEN_OK);
	CHECK_STR(user, "carol");
	CHECK_INT(token_verify(&cfg, tok, now + 10, user), TOKEN_BADSIG);
	/* The current secret's token has no such end (control). */
	CHECK_INT(token_verify(&cfg, cur, now + 10, user), TOKEN_OK);
	CHECK_STR(user, "dave");
out:
	free(tok);
	free(cur);
	hs256_key_free(cfg.key_prev);
	tokcache_free(cfg.cache);
}

UNIT_TESTS(
	T(test_hit_and_miss),
	T(test_bounded),
	T(test_verify_uses_cache),
	T(test_expiry_on_hit),
	T(test_key_change_empties),
	T(test_hs256_previous_window),
);
