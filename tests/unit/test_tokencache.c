/*
 * The claims cache, directly and through token_verify: a hit needs the
 * same payload, issuer and audience; the clock is consulted on every hit;
 * a cached payload under a bad signature is still refused; what is too
 * long is not kept; slots that collide do not mix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/token.h"
#include "common/tokencache.h"
#include "tests/unit/tokenkit.h"
#include "tests/unit/unit.h"

#define NOW	1767225600L		/* 2026-01-01T00:00:00Z */
#define TOKBUF	4096
#define HDR	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* The payload segment of tok, for the direct API. */
static const char *
payload_of(const char *tok, size_t *len)
{
	const char	*p = strchr(tok, '.') + 1;

	*len = (size_t)(strchr(p, '.') - p);
	return p;
}

/* A verified token is stored; its second verification is a hit. */
static void
test_verified_token_is_cached(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], user[TOKEN_USER_MAX + 1];
	const char	*p;
	size_t		 len;

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":1767227400}");
	p = payload_of(tok, &len);
	CHECK(tokencache_get(p, len, NULL, NULL) == NULL);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK_STR(user, "alice");
	CHECK(tokencache_get(p, len, NULL, NULL) != NULL);
	memset(user, 0, sizeof(user));
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK_STR(user, "alice");
}

/* The clock is read on every hit: a cached token still expires. */
static void
test_cached_token_still_expires(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], user[TOKEN_USER_MAX + 1];

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":1767227400,"
	    "\"nbf\":1767225600}");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK_INT(token_verify(&cfg, tok, NOW + 1799, user), TOKEN_OK);
	CHECK_INT(token_verify(&cfg, tok, NOW + 1800, user), TOKEN_EXPIRED);
	CHECK_INT(token_verify(&cfg, tok, NOW - 1, user), TOKEN_NOTYET);
	cfg.leeway = 60;	/* the leeway is read per request too */
	CHECK_INT(token_verify(&cfg, tok, NOW + 1800, user), TOKEN_OK);
}

/* A payload in the cache, under a signature that is not ours: refused. */
static void
test_cached_payload_bad_signature_refused(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], user[TOKEN_USER_MAX + 1], *sig, orig;

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":1767227400}");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	sig = strrchr(tok, '.') + 1;
	orig = sig[5];
	sig[5] = orig == 'A' ? 'B' : 'A';
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADSIG);
	sig[5] = orig;			/* the positive control */
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
}

/* The verdict on iss and aud is kept per issuer and audience. */
static void
test_issuer_and_audience_are_part_of_the_key(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], user[TOKEN_USER_MAX + 1];

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":1767227400,"
	    "\"iss\":\"a\",\"aud\":\"x\"}");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	cfg.issuer = (char *)"b";
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADISS);
	cfg.issuer = (char *)"a";
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	cfg.audience = (char *)"y";
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADAUD);
	cfg.audience = (char *)"x";
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	cfg.issuer = (char *)"";	/* set but empty is not unset */
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADISS);
}

/* Over TOKENCACHE_PAYLOAD bytes: verified each time, never stored. */
static void
test_long_payload_not_cached(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], payload[1024], user[TOKEN_USER_MAX + 1];
	const char	*p;
	size_t		 len;

	tokenkit_cfg(&cfg);
	snprintf(payload, sizeof(payload), "{\"username\":\"alice\","
	    "\"exp\":1767227400,\"pad\":\"%0500d\"}", 0);
	tokenkit_mint(tok, TOKBUF, HDR, payload);
	p = payload_of(tok, &len);
	CHECK(len > TOKENCACHE_PAYLOAD);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK(tokencache_get(p, len, NULL, NULL) == NULL);
	CHECK_INT(token_verify(&cfg, tok, NOW + 1800, user), TOKEN_EXPIRED);
}

/*
 * Many users in turn, more than there are slots: each one's token names
 * that user, whatever was stored before in its slot.
 */
static void
test_slots_do_not_mix(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], payload[128], name[32];
	char		 user[TOKEN_USER_MAX + 1];
	int		 i, round, bad = 0;

	tokenkit_cfg(&cfg);
	for (round = 0; round < 2; round++)
		for (i = 0; i < 4 * TOKENCACHE_SLOTS; i++) {
			snprintf(name, sizeof(name), "user%d", i);
			snprintf(payload, sizeof(payload), "{\"username\":"
			    "\"%s\",\"exp\":1767227400}", name);
			tokenkit_mint(tok, TOKBUF, HDR, payload);
			memset(user, 0, sizeof(user));
			bad += token_verify(&cfg, tok, NOW, user) != TOKEN_OK ||
			    strcmp(user, name) != 0;
		}
	CHECK_INT(bad, 0);
}

/* Refusals read from the payload are kept, and kept as refusals. */
static void
test_cached_refusal_stays_refused(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], user[TOKEN_USER_MAX + 1];

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"al ice\",\"exp\":1767227400}");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_NOUSER);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_NOUSER);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":\"1767227400\"}");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_NOEXP);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_NOEXP);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "[1]");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADPAYLOAD);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADPAYLOAD);
}

UNIT_TESTS(
	T(test_verified_token_is_cached),
	T(test_cached_token_still_expires),
	T(test_cached_payload_bad_signature_refused),
	T(test_issuer_and_audience_are_part_of_the_key),
	T(test_long_payload_not_cached),
	T(test_slots_do_not_mix),
	T(test_cached_refusal_stays_refused),
);
