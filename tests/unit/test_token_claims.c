/* SPDX-License-Identifier: ISC */
/*
 * token_verify on the claims: exp, nbf and iat with the leeway, iss and
 * aud when configured, and the user name (username and/or sub).  Each
 * token is built by hand and correctly signed with HS256, so the claim
 * under test is the only reason for a refusal; a positive control that
 * differs in that one claim sits beside each.  The header, shape and
 * signature checks are in test_token.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/token.h"
#include "common/username.h"
#include "tests/unit/tokenkit.h"
#include "tests/unit/unit.h"

#define NOW	1767225600L		/* 2026-01-01T00:00:00Z */
#define TOKBUF	(2 * TOKEN_MAX_LEN)

#define HDR	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
/* iat = NOW, exp = NOW + 1800 */
#define CLAIMS	"\"iat\":1767225600,\"exp\":1767227400"

/*
 * Verify an HS256 token made of hdr and payload at NOW, twice: both
 * answers must be the same, user name included.
 */
static enum token_err
try_cfg(const struct config *cfg, const char *hdr, const char *payload)
{
	char		 tok[TOKBUF], user[USERNAME_MAX + 1];
	char		 again[USERNAME_MAX + 1];
	enum token_err	 rc;

	memset(user, 0, sizeof(user));
	memset(again, 0, sizeof(again));
	rc = token_verify(cfg, tokenkit_mint(tok, TOKBUF, hdr, payload), NOW, user);
	CHECK_INT(token_verify(cfg, tok, NOW, again), rc);
	if (rc == TOKEN_OK)
		CHECK_STR(again, user);
	return rc;
}

/* A token {"sub":"alice",extra} verified with the given leeway. */
static enum token_err
try_claims(long leeway, const char *extra)
{
	struct config	 cfg;
	char		 payload[512];

	tokenkit_cfg(&cfg);
	cfg.leeway = leeway;
	snprintf(payload, sizeof(payload), "{\"sub\":\"alice\",%s}", extra);
	return try_cfg(&cfg, HDR, payload);
}

static void
test_exp_missing_refused(void)
{
	CHECK_INT(try_claims(0, "\"iat\":1767225600"), TOKEN_NOEXP);
	CHECK_INT(try_claims(0, "\"exp\":1767227400"), TOKEN_OK);
}

static void
test_exp_string_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":\"1767227400\""), TOKEN_NOEXP);
}

static void
test_exp_float_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":1767227400.5"), TOKEN_NOEXP);
	CHECK_INT(try_claims(0, "\"exp\":1.7672274e9"), TOKEN_NOEXP);
}

static void
test_exp_other_types_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":true"), TOKEN_NOEXP);
	CHECK_INT(try_claims(0, "\"exp\":null"), TOKEN_NOEXP);
	CHECK_INT(try_claims(0, "\"exp\":[1767227400]"), TOKEN_NOEXP);
}

/* Expired when now >= exp (jsonwebtoken's rule). */
static void
test_exp_past_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":1767225599"), TOKEN_EXPIRED);
	CHECK_INT(try_claims(0, "\"exp\":1767225600"), TOKEN_EXPIRED);
	CHECK_INT(try_claims(0, "\"exp\":0"), TOKEN_EXPIRED);
	CHECK_INT(try_claims(0, "\"exp\":-1"), TOKEN_EXPIRED);
	CHECK_INT(try_claims(0, "\"exp\":1767225601"), TOKEN_OK);
}

static void
test_exp_within_leeway(void)
{
	CHECK_INT(try_claims(60, "\"exp\":1767225570"), TOKEN_OK);
	CHECK_INT(try_claims(60, "\"exp\":1767225541"), TOKEN_OK);
	CHECK_INT(try_claims(60, "\"exp\":1767225540"), TOKEN_EXPIRED);
	CHECK_INT(try_claims(0, "\"exp\":1767225570"), TOKEN_EXPIRED);
}

static void
test_nbf_future_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"nbf\":1767225601"),
	    TOKEN_NOTYET);
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"nbf\":1767225600"),
	    TOKEN_OK);
}

static void
test_nbf_past_accepted(void)
{
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"nbf\":1767220000"),
	    TOKEN_OK);
}

static void
test_nbf_within_leeway(void)
{
	CHECK_INT(try_claims(60, "\"exp\":1767227400,\"nbf\":1767225660"),
	    TOKEN_OK);
	CHECK_INT(try_claims(60, "\"exp\":1767227400,\"nbf\":1767225661"),
	    TOKEN_NOTYET);
}

static void
test_nbf_not_integer_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"nbf\":\"1\""),
	    TOKEN_BADNBF);
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"nbf\":1.5"),
	    TOKEN_BADNBF);
}

static void
test_iat_future_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"iat\":1767225601"),
	    TOKEN_BADIAT);
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"iat\":1767225600"),
	    TOKEN_OK);
	CHECK_INT(try_claims(60, "\"exp\":1767227400,\"iat\":1767225660"),
	    TOKEN_OK);
	CHECK_INT(try_claims(60, "\"exp\":1767227400,\"iat\":1767225661"),
	    TOKEN_BADIAT);
}

static void
test_iat_not_integer_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"iat\":\"now\""),
	    TOKEN_BADIAT);
	CHECK_INT(try_claims(0, "\"exp\":1767227400,\"iat\":1767225600.0"),
	    TOKEN_BADIAT);
}

static enum token_err
try_iss_aud(const char *iss, const char *aud, const char *extra)
{
	struct config	 cfg;
	char		 payload[512], ibuf[64], abuf[64];

	tokenkit_cfg(&cfg);
	if (iss != NULL) {
		snprintf(ibuf, sizeof(ibuf), "%s", iss);
		cfg.issuer = ibuf;
	}
	if (aud != NULL) {
		snprintf(abuf, sizeof(abuf), "%s", aud);
		cfg.audience = abuf;
	}
	snprintf(payload, sizeof(payload), "{\"sub\":\"alice\"," CLAIMS
	    "%s}", extra);
	return try_cfg(&cfg, HDR, payload);
}

static void
test_iss_configured(void)
{
	CHECK_INT(try_iss_aud("auth", NULL, ",\"iss\":\"auth\""), TOKEN_OK);
	CHECK_INT(try_iss_aud("auth", NULL, ""), TOKEN_BADISS);
	CHECK_INT(try_iss_aud("auth", NULL, ",\"iss\":\"evil\""),
	    TOKEN_BADISS);
	CHECK_INT(try_iss_aud("auth", NULL, ",\"iss\":\"Auth\""),
	    TOKEN_BADISS);
	CHECK_INT(try_iss_aud("auth", NULL, ",\"iss\":\"auth2\""),
	    TOKEN_BADISS);
	CHECK_INT(try_iss_aud("auth", NULL, ",\"iss\":[\"auth\"]"),
	    TOKEN_BADISS);
}

static void
test_iss_not_configured(void)
{
	CHECK_INT(try_iss_aud(NULL, NULL, ",\"iss\":\"anyone\""), TOKEN_OK);
}

static void
test_aud_string(void)
{
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":\"api\""), TOKEN_OK);
	CHECK_INT(try_iss_aud(NULL, "api", ""), TOKEN_BADAUD);
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":\"web\""), TOKEN_BADAUD);
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":\"api2\""),
	    TOKEN_BADAUD);
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":1"), TOKEN_BADAUD);
}

static void
test_aud_array(void)
{
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":[\"web\",\"api\"]"),
	    TOKEN_OK);
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":[\"web\",\"app\"]"),
	    TOKEN_BADAUD);
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":[]"), TOKEN_BADAUD);
	CHECK_INT(try_iss_aud(NULL, "api", ",\"aud\":[1,null]"),
	    TOKEN_BADAUD);
}

static void
test_iss_and_aud_both(void)
{
	CHECK_INT(try_iss_aud("auth", "api",
	    ",\"iss\":\"auth\",\"aud\":\"api\""), TOKEN_OK);
	CHECK_INT(try_iss_aud("auth", "api", ",\"iss\":\"auth\""),
	    TOKEN_BADAUD);
	CHECK_INT(try_iss_aud("auth", "api", ",\"aud\":\"api\""),
	    TOKEN_BADISS);
}

/* A payload with user claims user_claims and valid times. */
static enum token_err
try_user(const char *user_claims, char *user)
{
	struct config	 cfg;
	char		 payload[512], tok[TOKBUF];

	tokenkit_cfg(&cfg);
	snprintf(payload, sizeof(payload), "{%s%s" CLAIMS "}", user_claims,
	    *user_claims != '\0' ? "," : "");
	tokenkit_mint(tok, TOKBUF, HDR, payload);
	return token_verify(&cfg, tok, NOW, user);
}

static void
test_user_username_only(void)
{
	char	 user[USERNAME_MAX + 1] = "";

	CHECK_INT(try_user("\"username\":\"alice\"", user), TOKEN_OK);
	CHECK_STR(user, "alice");
}

static void
test_user_sub_only(void)
{
	char	 user[USERNAME_MAX + 1] = "";

	CHECK_INT(try_user("\"sub\":\"bob\"", user), TOKEN_OK);
	CHECK_STR(user, "bob");
}

static void
test_user_both_agree(void)
{
	char	 user[USERNAME_MAX + 1] = "";

	CHECK_INT(try_user("\"sub\":\"bob\",\"username\":\"bob\"", user),
	    TOKEN_OK);
	CHECK_STR(user, "bob");
}

static void
test_user_both_disagree_refused(void)
{
	char	 user[USERNAME_MAX + 1];

	CHECK_INT(try_user("\"sub\":\"admin\",\"username\":\"bob\"", user),
	    TOKEN_NOUSER);
	CHECK_INT(try_user("\"sub\":\"bob\",\"username\":\"bobx\"", user),
	    TOKEN_NOUSER);
}

static void
test_user_missing_refused(void)
{
	char	 user[USERNAME_MAX + 1];

	CHECK_INT(try_user("", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"name\":\"alice\"", user), TOKEN_NOUSER);
}

static void
test_user_non_string_refused(void)
{
	char	 user[USERNAME_MAX + 1];

	CHECK_INT(try_user("\"username\":123", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"sub\":123", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":null,\"sub\":\"alice\"", user),
	    TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":[\"alice\"]", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"sub\":\"alice\",\"username\":true", user),
	    TOKEN_NOUSER);
}

/*
 * "al\u0000ice": strcmp would see "al".  Refused either way; jansson
 * inside libjwt already rejects \u0000, so the code may be BADSIG.
 */
static void
test_user_nul_refused(void)
{
	char	 user[USERNAME_MAX + 1];

	CHECK(try_user("\"username\":\"al\\u0000ice\"", user) != TOKEN_OK);
	CHECK(try_user("\"sub\":\"alice\\u0000\"", user) != TOKEN_OK);
	CHECK(try_user("\"sub\":\"alice\",\"username\":\"alice\\u0000x\"",
	    user) != TOKEN_OK);
	CHECK_INT(try_user("\"username\":\"alice\"", user), TOKEN_OK);
}

/*
 * A correctly signed payload whose claim name holds an escaped NUL:
 * json-c would read "username\u0000x" as username.  Refused whole.
 */
static void
test_claim_nul_name_refused(void)
{
	char	 user[USERNAME_MAX + 1] = "";

	CHECK_INT(try_user("\"username\\u0000x\":\"alice\"", user),
	    TOKEN_BADPAYLOAD);
	CHECK_INT(try_user("\"sub\\u0000\":\"alice\"", user),
	    TOKEN_BADPAYLOAD);
	/* control: the same claim without the NUL */
	CHECK_INT(try_user("\"username\":\"alice\"", user), TOKEN_OK);
	CHECK_STR(user, "alice");
}

/* "exp\u0000" would pass for exp. */
static void
test_claim_nul_name_exp_refused(void)
{
	CHECK_INT(try_claims(0, "\"exp\\u0000\":1767227400"), TOKEN_BADPAYLOAD);
	CHECK_INT(try_claims(0, "\"exp\":1767227400"), TOKEN_OK);
}

/* Beside the real claim it is a second one: refused either way round. */
static void
test_claim_nul_name_duplicate_refused(void)
{
	char	 user[USERNAME_MAX + 1] = "";

	CHECK_INT(try_user("\"sub\":\"alice\",\"sub\\u0000\":\"admin\"", user),
	    TOKEN_BADPAYLOAD);
	CHECK_INT(try_user("\"sub\\u0000\":\"admin\",\"sub\":\"alice\"", user),
	    TOKEN_BADPAYLOAD);
	/* control: a second, distinct name */
	CHECK_INT(try_user("\"sub\":\"alice\",\"sub0\":\"admin\"", user),
	    TOKEN_OK);
	CHECK_STR(user, "alice");
}

static void
test_user_invalid_chars_refused(void)
{
	char	 user[USERNAME_MAX + 1];

	CHECK_INT(try_user("\"username\":\"al ice\"", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":\"al/ice\"", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":\"al'ice\"", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":\"al\\nice\"", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":\"\\u00e5lice\"", user),
	    TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":\"\"", user), TOKEN_NOUSER);
	CHECK_INT(try_user("\"username\":\"a.l_i-c@e9\"", user), TOKEN_OK);
}

static void
test_user_length(void)
{
	char	 claim[128], user[USERNAME_MAX + 1] = "";

	snprintf(claim, sizeof(claim), "\"sub\":\"%0*d\"", USERNAME_MAX, 7);
	CHECK_INT(try_user(claim, user), TOKEN_OK);
	CHECK_INT(strlen(user), 64);
	snprintf(claim, sizeof(claim), "\"sub\":\"%0*d\"",
	    USERNAME_MAX + 1, 7);
	CHECK_INT(try_user(claim, user), TOKEN_NOUSER);
}

UNIT_TESTS(
	T(test_exp_missing_refused),
	T(test_exp_string_refused),
	T(test_exp_float_refused),
	T(test_exp_other_types_refused),
	T(test_exp_past_refused),
	T(test_exp_within_leeway),
	T(test_nbf_future_refused),
	T(test_nbf_past_accepted),
	T(test_nbf_within_leeway),
	T(test_nbf_not_integer_refused),
	T(test_iat_future_refused),
	T(test_iat_not_integer_refused),
	T(test_iss_configured),
	T(test_iss_not_configured),
	T(test_aud_string),
	T(test_aud_array),
	T(test_iss_and_aud_both),
	T(test_user_username_only),
	T(test_user_sub_only),
	T(test_user_both_agree),
	T(test_user_both_disagree_refused),
	T(test_user_missing_refused),
	T(test_user_non_string_refused),
	T(test_user_nul_refused),
	T(test_claim_nul_name_refused),
	T(test_claim_nul_name_exp_refused),
	T(test_claim_nul_name_duplicate_refused),
	T(test_user_invalid_chars_refused),
	T(test_user_length),
);
