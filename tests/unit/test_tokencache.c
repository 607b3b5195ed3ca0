/* SPDX-License-Identifier: ISC */
/*
 * The verified-token cache, directly and through token_verify: a hit needs
 * the same token text, key, issuer and audience; the clock is consulted on
 * every hit; a cached payload under another signature or another header is
 * verified in full (and refused when the signature is not ours); a token
 * verified under one key is nothing to another key; what is too long is
 * not kept; slots that collide do not mix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/hs256.h"
#include "common/token.h"
#include "common/tokencache.h"
#include "common/username.h"
#include "tests/unit/tokenkit.h"
#include "tests/unit/unit.h"

#define NOW	1767225600L		/* 2026-01-01T00:00:00Z */
#define TOKBUF	4096
#define HDR	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* What the cache holds for tok under cfg, as token_verify asks it. */
static const struct token_reading *
cached(const struct config *cfg, const char *tok)
{
	return tokencache_get(hs256_key_id(cfg->key), tok, strlen(tok),
	    cfg->issuer, cfg->audience);
}

/* A verified token is stored; its second verification is a hit. */
static void
test_verified_token_is_cached(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], user[USERNAME_MAX + 1];

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":1767227400}");
	CHECK(cached(&cfg, tok) == NULL);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK_STR(user, "alice");
	CHECK(cached(&cfg, tok) != NULL);
	memset(user, 0, sizeof(user));
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK_STR(user, "alice");
}

/* The clock is read on every hit: a cached token still expires. */
static void
test_cached_token_still_expires(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], user[USERNAME_MAX + 1];

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
	char		 tok[TOKBUF], user[USERNAME_MAX + 1], *sig, orig;

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
	char		 tok[TOKBUF], user[USERNAME_MAX + 1];

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

/* Over TOKENCACHE_TOKEN bytes: verified each time, never stored; one
 * that just fits is stored. */
static void
test_long_token_not_cached(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], payload[1024], user[USERNAME_MAX + 1];
	int		 pad;

	tokenkit_cfg(&cfg);
	snprintf(payload, sizeof(payload), "{\"username\":\"alice\","
	    "\"exp\":1767227400,\"pad\":\"%0800d\"}", 0);
	tokenkit_mint(tok, TOKBUF, HDR, payload);
	CHECK(strlen(tok) > TOKENCACHE_TOKEN);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK(cached(&cfg, tok) == NULL);
	CHECK_INT(token_verify(&cfg, tok, NOW + 1800, user), TOKEN_EXPIRED);
	/* control: pad down until the token is exactly TOKENCACHE_TOKEN */
	for (pad = 800; pad > 0; pad--) {
		snprintf(payload, sizeof(payload), "{\"username\":\"alice\","
		    "\"exp\":1767227400,\"pad\":\"%0*d\"}", pad, 0);
		tokenkit_mint(tok, TOKBUF, HDR, payload);
		if (strlen(tok) <= TOKENCACHE_TOKEN)
			break;
	}
	CHECK(strlen(tok) <= TOKENCACHE_TOKEN && strlen(tok) > 1000);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK(cached(&cfg, tok) != NULL);
}

/*
 * A token verified under one key, then shown to a process keyed with
 * another: verified in full, and refused.  The cache never lends one key's
 * verdict to another, even for byte-identical text.
 */
static void
test_other_key_not_trusted(void)
{
	static const unsigned char	 other[] =
	    "fedcba9876543210fedcba9876543210";
	struct config			 cfg, cfg2;
	char				 tok[TOKBUF], user[USERNAME_MAX + 1];

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":1767227400}");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK(cached(&cfg, tok) != NULL);
	cfg2 = cfg;
	cfg2.secret = (unsigned char *)other;
	cfg2.key = hs256_key_new(other, sizeof(other) - 1, CONFIG_SECRET_MIN);
	CHECK(cfg2.key != NULL && hs256_key_id(cfg2.key) !=
	    hs256_key_id(cfg.key));
	CHECK(cached(&cfg2, tok) == NULL);
	CHECK_INT(token_verify(&cfg2, tok, NOW, user), TOKEN_BADSIG);
	CHECK_INT(token_verify(&cfg2, tok, NOW, user), TOKEN_BADSIG);
	hs256_key_free(cfg2.key);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK); /* control */
}

/* The same payload and signature under another header: a different
 * signing input, so no hit; it is verified, and refused. */
static void
test_other_header_not_trusted(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], forged[TOKBUF], user[USERNAME_MAX + 1];
	char		 other[TOKBUF];
	const char	*rest;

	tokenkit_cfg(&cfg);
	tokenkit_mint(tok, TOKBUF, HDR,
	    "{\"username\":\"alice\",\"exp\":1767227400}");
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	tokenkit_mint(other, TOKBUF, "{\"typ\":\"JWT\",\"alg\":\"HS256\"}",
	    "{}");
	rest = strchr(tok, '.');
	snprintf(forged, sizeof(forged), "%.*s%s",
	    (int)(strchr(other, '.') - other), other, rest);
	CHECK(cached(&cfg, forged) == NULL);
	CHECK_INT(token_verify(&cfg, forged, NOW, user), TOKEN_BADSIG);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK); /* control */
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
	char		 user[USERNAME_MAX + 1];
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
	char		 tok[TOKBUF], user[USERNAME_MAX + 1];

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
	T(test_long_token_not_cached),
	T(test_other_key_not_trusted),
	T(test_other_header_not_trusted),
	T(test_slots_do_not_mix),
	T(test_cached_refusal_stays_refused),
);
