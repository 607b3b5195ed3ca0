/* SPDX-License-Identifier: ISC */
/*
 * token_sign and token_verify: the round trip, the short-key refusals,
 * and every check made before the claims (shape, length, header, alg,
 * signature).  Tokens are built by hand, base64url of the header and
 * payload text then an HMAC from libsodium, so each test controls every
 * byte an attacker could.  Every refusal sits beside a positive control
 * that differs from it in the one attacked detail.  The claims checks
 * are in test_token_claims.c.
 *
 * HS384 has no libsodium primitive; those tokens are signed by libjwt
 * itself (jwt_set_alg HS384), which is what an attacker holding the key
 * would use anyway.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jwt.h>
#include <sodium.h>

#include "common/config.h"
#include "common/token.h"
#include "common/username.h"
#include "tests/unit/tokenkit.h"
#include "tests/unit/unit.h"

#define NOW	1767225600L		/* 2026-01-01T00:00:00Z */
#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define TOKBUF	(3 * TOKEN_MAX_LEN)

#define HDR	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
/* iat = NOW, exp = NOW + 1800 */
#define CLAIMS	"\"iat\":1767225600,\"exp\":1767227400"
#define GOOD	"{\"sub\":\"alice\",\"username\":\"alice\"," CLAIMS "}"

static unsigned char	key[] = TOKENKIT_KEY;	/* the key of tokenkit_cfg */
static unsigned char	other_key[] = "fedcba9876543210fedcba9876543210";

enum mac {
	MAC_HS256,
	MAC_HS512,
	MAC_JUNK,	/* a non-empty signature that is no MAC */
	MAC_EMPTY	/* "h.p." */
};

static size_t
b64(char *out, size_t outlen, const void *in, size_t inlen)
{
	sodium_bin2base64(out, outlen, in, inlen, B64);
	return strlen(out);
}

/* Build hdr.payload.mac into tok (TOKBUF bytes), keyed with k. */
static char *
mint_key(char *tok, const char *hdr, const char *payload, enum mac mac,
    const unsigned char *k, size_t klen)
{
	crypto_auth_hmacsha256_state	 s256;
	crypto_auth_hmacsha512_state	 s512;
	unsigned char			 sig[64];
	size_t				 n, siglen = 0;

	n = b64(tok, TOKBUF, hdr, strlen(hdr));
	tok[n++] = '.';
	n += b64(tok + n, TOKBUF - n, payload, strlen(payload));
	switch (mac) {
	case MAC_HS256:
		crypto_auth_hmacsha256_init(&s256, k, klen);
		crypto_auth_hmacsha256_update(&s256, (unsigned char *)tok, n);
		crypto_auth_hmacsha256_final(&s256, sig);
		siglen = 32;
		break;
	case MAC_HS512:
		crypto_auth_hmacsha512_init(&s512, k, klen);
		crypto_auth_hmacsha512_update(&s512, (unsigned char *)tok, n);
		crypto_auth_hmacsha512_final(&s512, sig);
		siglen = 64;
		break;
	case MAC_JUNK:
		memset(sig, 'x', 32);
		siglen = 32;
		break;
	case MAC_EMPTY:
		break;
	}
	tok[n++] = '.';
	tok[n] = '\0';
	if (siglen > 0)
		b64(tok + n, TOKBUF - n, sig, siglen);
	return tok;
}

static char *
mint(char *tok, const char *hdr, const char *payload, enum mac mac)
{
	return mint_key(tok, hdr, payload, mac, key, sizeof(key) - 1);
}

/* Append s to the token in tok (TOKBUF bytes). */
static void
append(char *tok, const char *s)
{
	size_t	 n = strlen(tok);

	snprintf(tok + n, TOKBUF - n, "%s", s);
}

static enum token_err
verify_at(const struct config *cfg, const char *tok, time_t now)
{
	char		 user[USERNAME_MAX + 1];
	enum token_err	 rc;

	/* Twice: the second may come from the claims cache; same answer. */
	rc = token_verify(cfg, tok, now, user);
	CHECK_INT(token_verify(cfg, tok, now, user), rc);
	return rc;
}

/* Verify an HS256 token made of hdr and payload at NOW. */
static enum token_err
try_cfg(const struct config *cfg, const char *hdr, const char *payload)
{
	char	 tok[TOKBUF];

	return verify_at(cfg, mint(tok, hdr, payload, MAC_HS256), NOW);
}

static enum token_err
try(const char *hdr, const char *payload)
{
	struct config	 cfg;

	tokenkit_cfg(&cfg);
	return try_cfg(&cfg, hdr, payload);
}

/* Decode segment idx (0 header, 1 payload) of tok into out. */
static int
decode_segment(const char *tok, int idx, char *out, size_t outlen)
{
	const char	*p = tok, *end;
	size_t		 n;

	while (idx-- > 0)
		p = strchr(p, '.') + 1;
	end = strchr(p, '.');
	if (sodium_base642bin((unsigned char *)out, outlen - 1, p,
	    (size_t)(end - p), NULL, &n, NULL, B64) != 0)
		return -1;
	out[n] = '\0';
	return 0;
}

static void
test_round_trip(void)
{
	struct config	 cfg;
	char		*tok;
	char		 user[USERNAME_MAX + 1] = "";

	tokenkit_cfg(&cfg);
	tok = token_sign(&cfg, "alice", NOW);
	CHECK(tok != NULL);
	if (tok == NULL)
		return;
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK_STR(user, "alice");
	free(tok);
}

static void
test_sign_header_and_claims(void)
{
	struct config	 cfg;
	char		*tok, seg[512];

	tokenkit_cfg(&cfg);
	if ((tok = token_sign(&cfg, "bob.b-1@x_y", NOW)) == NULL) {
		CHECK(tok != NULL);
		return;
	}
	CHECK_INT(decode_segment(tok, 0, seg, sizeof(seg)), 0);
	CHECK(strstr(seg, "\"alg\":\"HS256\"") != NULL);
	CHECK_INT(decode_segment(tok, 1, seg, sizeof(seg)), 0);
	CHECK(strstr(seg, "\"sub\":\"bob.b-1@x_y\"") != NULL);
	CHECK(strstr(seg, "\"username\":\"bob.b-1@x_y\"") != NULL);
	CHECK(strstr(seg, "\"iat\":1767225600") != NULL);
	CHECK(strstr(seg, "\"exp\":1767227400") != NULL);
	CHECK(strstr(seg, "\"iss\"") == NULL);
	CHECK(strstr(seg, "\"aud\"") == NULL);
	free(tok);
}

/*
 * Two tokens for one user in the same second differ (two refreshes must
 * not hand back the same token): each has its own jti, 16 random bytes
 * as 22 base64url characters.
 */
static void
test_sign_jti_unique(void)
{
	struct config	 cfg;
	char		*a, *b, seg[512], user[USERNAME_MAX + 1];
	const char	*j;

	tokenkit_cfg(&cfg);
	a = token_sign(&cfg, "alice", NOW);
	b = token_sign(&cfg, "alice", NOW);
	CHECK(a != NULL && b != NULL);
	if (a != NULL && b != NULL) {
		CHECK(strcmp(a, b) != 0);
		CHECK_INT(decode_segment(a, 1, seg, sizeof(seg)), 0);
		j = strstr(seg, "\"jti\":\"");
		CHECK(j != NULL);
		if (j != NULL) {
			j += 7;
			CHECK_INT(strspn(j, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_"), 22);
			CHECK(j[22] == '"');
		}
		/* Control: both verify as alice. */
		CHECK_INT(token_verify(&cfg, a, NOW, user), TOKEN_OK);
		CHECK_INT(token_verify(&cfg, b, NOW, user), TOKEN_OK);
	}
	free(a);
	free(b);
}

static void
test_sign_with_issuer_audience(void)
{
	struct config	 cfg;
	char		*tok, seg[512], iss[] = "https://auth.example",
			 aud[] = "orders";

	tokenkit_cfg(&cfg);
	cfg.issuer = iss;
	cfg.audience = aud;
	if ((tok = token_sign(&cfg, "alice", NOW)) == NULL) {
		CHECK(tok != NULL);
		return;
	}
	CHECK_INT(decode_segment(tok, 1, seg, sizeof(seg)), 0);
	CHECK(strstr(seg, "\"iss\":\"https:\\/\\/auth.example\"") != NULL ||
	    strstr(seg, "\"iss\":\"https://auth.example\"") != NULL);
	CHECK(strstr(seg, "\"aud\":\"orders\"") != NULL);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_OK);
	free(tok);
}

/* exp = iat + ACCESS_TOKEN_TTL, judged as jsonwebtoken does. */
static void
test_sign_expires_after_ttl(void)
{
	struct config	 cfg;
	char		*tok;

	tokenkit_cfg(&cfg);
	cfg.access_ttl = 900;
	if ((tok = token_sign(&cfg, "alice", NOW)) == NULL) {
		CHECK(tok != NULL);
		return;
	}
	CHECK_INT(verify_at(&cfg, tok, NOW + 899), TOKEN_OK);
	CHECK_INT(verify_at(&cfg, tok, NOW + 900), TOKEN_EXPIRED);
	free(tok);
}

static void
test_sign_short_secret_null(void)
{
	struct config	 cfg;
	char		*tok;

	tokenkit_cfg(&cfg);
	cfg.secret_len = 31;
	tok = token_sign(&cfg, "alice", NOW);
	CHECK(tok == NULL);
	free(tok);
	cfg.secret_len = 0;
	tok = token_sign(&cfg, "alice", NOW);
	CHECK(tok == NULL);
	free(tok);
	cfg.secret_len = 32;		/* the positive control */
	tok = token_sign(&cfg, "alice", NOW);
	CHECK(tok != NULL);
	free(tok);
}

static void
test_sign_bad_user_null(void)
{
	struct config	 cfg;
	char		 long_name[USERNAME_MAX + 2];

	tokenkit_cfg(&cfg);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(token_sign(&cfg, "", NOW) == NULL);
	CHECK(token_sign(&cfg, "al ice", NOW) == NULL);
	CHECK(token_sign(&cfg, "al\"ice", NOW) == NULL);
	CHECK(token_sign(&cfg, long_name, NOW) == NULL);
}

/*
 * token_verify against a config with a short secret must never say
 * TOKEN_OK.  It asserts secret_len >= 32, and this build keeps assert(),
 * so it runs in a child: an abort counts as a refusal.
 */
static int
verify_in_child(const struct config *cfg, const char *tok)
{
	struct rlimit	 rl = { 0, 0 };
	pid_t		 pid;
	int		 status, fd;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &rl);
		if ((fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, 2);
		_exit(verify_at(cfg, tok, NOW) == TOKEN_OK ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return TOKEN_OK;
	return 1;
}

static void
test_verify_short_secret_refuses(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	cfg.secret_len = 31;
	mint_key(tok, HDR, GOOD, MAC_HS256, key, 31);
	CHECK_INT(verify_in_child(&cfg, tok), 1);
	cfg.secret_len = 0;
	mint(tok, HDR, GOOD, MAC_JUNK);
	CHECK_INT(verify_in_child(&cfg, tok), 1);
	cfg.secret_len = 32;		/* the positive control */
	mint(tok, HDR, GOOD, MAC_HS256);
	CHECK_INT(verify_in_child(&cfg, tok), TOKEN_OK);
	/* A config whose key was never set up verifies nothing either. */
	cfg.key = NULL;
	CHECK_INT(verify_in_child(&cfg, tok), 1);
}

static void
test_positive_control(void)
{
	CHECK_INT(try(HDR, GOOD), TOKEN_OK);
	CHECK_INT(try("{\"alg\":\"HS256\"}", GOOD), TOKEN_OK);
}

static void
test_err_str(void)
{
	int	 i;

	for (i = 0; i < TOKEN__MAX; i++)
		CHECK(token_err_str((enum token_err)i) != NULL &&
		    *token_err_str((enum token_err)i) != '\0');
	CHECK(token_err_str(TOKEN__MAX) != NULL);
	CHECK(token_err_str((enum token_err)-1) != NULL);
}

static void
test_shape_two_segments(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	mint(tok, HDR, GOOD, MAC_HS256);
	*strrchr(tok, '.') = '\0';
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_MALFORMED);
}

static void
test_shape_four_segments(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	mint(tok, HDR, GOOD, MAC_HS256);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_OK);
	append(tok, ".e30");
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_MALFORMED);
	tok[strlen(tok) - 3] = '\0';	/* a trailing dot */
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_MALFORMED);
}

static void
test_shape_empty_segments(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], bad[TOKBUF];
	const char	*d1, *d2;

	tokenkit_cfg(&cfg);
	mint(tok, HDR, GOOD, MAC_HS256);
	d1 = strchr(tok, '.');
	d2 = strrchr(tok, '.');
	snprintf(bad, sizeof(bad), "%s", d1);		/* .p.s */
	CHECK_INT(verify_at(&cfg, bad, NOW), TOKEN_MALFORMED);
	snprintf(bad, sizeof(bad), "%.*s%s", (int)(d1 - tok), tok, d2);
	CHECK_INT(verify_at(&cfg, bad, NOW), TOKEN_MALFORMED);	/* h..s */
	mint(bad, HDR, GOOD, MAC_EMPTY);			/* h.p. */
	CHECK_INT(verify_at(&cfg, bad, NOW), TOKEN_MALFORMED);
	CHECK_INT(verify_at(&cfg, "..", NOW), TOKEN_MALFORMED);
	CHECK_INT(verify_at(&cfg, "", NOW), TOKEN_MALFORMED);
}

static void
test_shape_bad_chars(void)
{
	static const char	 bad[] = { '+', '/', '=', ' ', '\n', '!', '%' };
	struct config		 cfg;
	char			 tok[TOKBUF], *sig;
	size_t			 i;

	tokenkit_cfg(&cfg);
	for (i = 0; i < sizeof(bad); i++) {
		mint(tok, HDR, GOOD, MAC_HS256);
		sig = strrchr(tok, '.') + 1;
		sig[5] = bad[i];
		CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_MALFORMED);
	}
	mint(tok, HDR, GOOD, MAC_HS256);
	append(tok, "=");				/* padding */
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_MALFORMED);
	mint(tok, HDR, GOOD, MAC_HS256);
	append(tok, "\n");
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_MALFORMED);
}

/* A signed token of exactly len bytes, padded with a "pad" claim. */
static int
mint_len(char *tok, size_t len)
{
	char	 payload[TOKBUF];
	size_t	 pad;

	for (pad = 0; pad < TOKEN_MAX_LEN; pad++) {
		snprintf(payload, sizeof(payload), "{\"sub\":\"alice\","
		    CLAIMS ",\"pad\":\"%*s\"}", (int)pad, "");
		mint(tok, HDR, payload, MAC_HS256);
		if (strlen(tok) == len)
			return 0;
		if (strlen(tok) > len)
			break;
	}
	return -1;
}

static void
test_length_4096_accepted(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	CHECK_INT(mint_len(tok, TOKEN_MAX_LEN), 0);
	CHECK_INT(strlen(tok), 4096);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_OK);
}

static void
test_length_4097_refused(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	CHECK_INT(mint_len(tok, TOKEN_MAX_LEN + 1), 0);
	CHECK_INT(strlen(tok), 4097);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_TOOLONG);
}

static void
test_alg_none_refused(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	CHECK_INT(try("{\"alg\":\"none\"}", GOOD), TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":\"NoNe\",\"typ\":\"JWT\"}", GOOD),
	    TOKEN_BADALG);
	mint(tok, "{\"alg\":\"none\"}", GOOD, MAC_JUNK);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADALG);
	mint(tok, "{\"alg\":\"none\"}", GOOD, MAC_EMPTY);
	CHECK(verify_at(&cfg, tok, NOW) != TOKEN_OK);
	CHECK_INT(try(HDR, GOOD), TOKEN_OK);
}

static void
test_alg_lowercase_refused(void)
{
	CHECK_INT(try("{\"alg\":\"hs256\",\"typ\":\"JWT\"}", GOOD),
	    TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":\"Hs256\"}", GOOD), TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":\"HS256\"}", GOOD), TOKEN_OK);
}

/* Sign payload with libjwt under alg; caller frees. */
static char *
libjwt_sign(jwt_alg_t alg, const char *payload)
{
	jwt_t	*jwt = NULL;
	char	*out = NULL;

	if (jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, payload) == 0 &&
	    jwt_set_alg(jwt, alg, key, 32) == 0)
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

static void
test_alg_hs384_refused(void)
{
	struct config	 cfg;
	char		*tok;

	tokenkit_cfg(&cfg);
	tok = libjwt_sign(JWT_ALG_HS384, GOOD);
	CHECK(tok != NULL);
	if (tok != NULL)
		CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADALG);
	free(tok);
	tok = libjwt_sign(JWT_ALG_HS256, GOOD);	/* the positive control */
	CHECK(tok != NULL);
	if (tok != NULL)
		CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_OK);
	free(tok);
}

static void
test_alg_hs512_refused(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	mint(tok, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", GOOD, MAC_HS512);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADALG);
	mint(tok, HDR, GOOD, MAC_HS512);	/* HS256 named, HS512 made */
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADSIG);
	mint(tok, HDR, GOOD, MAC_HS256);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_OK);
}

static void
test_alg_other_refused(void)
{
	CHECK_INT(try("{\"typ\":\"JWT\"}", GOOD), TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":\"RS256\"}", GOOD), TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":\"ES256\"}", GOOD), TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":256}", GOOD), TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":[\"HS256\"]}", GOOD), TOKEN_BADALG);
	CHECK_INT(try("{\"alg\":\"HS256 \"}", GOOD), TOKEN_BADALG);
	/* A duplicate name is refused whichever comes last. */
	CHECK_INT(try("{\"alg\":\"HS512\",\"alg\":\"HS256\"}", GOOD),
	    TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\":\"HS256\",\"alg\":\"HS512\"}", GOOD),
	    TOKEN_BADHEADER);
}

static void
test_header_not_object_refused(void)
{
	CHECK_INT(try("[\"HS256\"]", GOOD), TOKEN_BADHEADER);
	CHECK_INT(try("\"HS256\"", GOOD), TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\":\"HS256\"} x", GOOD), TOKEN_BADHEADER);
	CHECK_INT(try("not json", GOOD), TOKEN_BADHEADER);
	CHECK_INT(try(HDR, GOOD), TOKEN_OK);
}

static void
test_crit_refused(void)
{
	CHECK_INT(try("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}",
	    GOOD), TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\":\"HS256\",\"crit\":[]}", GOOD),
	    TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\":\"HS256\",\"kid\":\"k1\"}", GOOD), TOKEN_OK);
}

/*
 * A correctly signed header whose member name holds an escaped NUL:
 * json-c would cut "alg\u0000" to "alg" and find an alg the header does
 * not name.  Refused as a malformed header.
 */
static void
test_header_nul_name_refused(void)
{
	CHECK_INT(try("{\"alg\\u0000\":\"HS256\"}", GOOD), TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\\u0000x\":\"HS256\",\"typ\":\"JWT\"}", GOOD),
	    TOKEN_BADHEADER);
	/* control: the same header without the NUL */
	CHECK_INT(try("{\"alg\":\"HS256\"}", GOOD), TOKEN_OK);
	CHECK_INT(try("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", GOOD), TOKEN_OK);
}

/* Beside a real alg, "alg\u0000" is a second alg: refused either way. */
static void
test_header_nul_name_duplicate_refused(void)
{
	CHECK_INT(try("{\"alg\":\"HS256\",\"alg\\u0000\":\"none\"}", GOOD),
	    TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\\u0000\":\"none\",\"alg\":\"HS256\"}", GOOD),
	    TOKEN_BADHEADER);
	/* control: a second, distinct name */
	CHECK_INT(try("{\"alg\":\"HS256\",\"alg0\":\"none\"}", GOOD),
	    TOKEN_OK);
}

static void
test_typ_jwt_accepted(void)
{
	CHECK_INT(try("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", GOOD), TOKEN_OK);
	CHECK_INT(try("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", GOOD), TOKEN_OK);
	CHECK_INT(try("{\"alg\":\"HS256\"}", GOOD), TOKEN_OK);
}

static void
test_typ_other_refused(void)
{
	CHECK_INT(try("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", GOOD),
	    TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\":\"HS256\",\"typ\":\"JWS\"}", GOOD),
	    TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\":\"HS256\",\"typ\":1}", GOOD),
	    TOKEN_BADHEADER);
	CHECK_INT(try("{\"alg\":\"HS256\",\"typ\":null}", GOOD),
	    TOKEN_BADHEADER);
}

static void
test_bad_signature_refused(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF], *sig;

	tokenkit_cfg(&cfg);
	mint(tok, HDR, GOOD, MAC_HS256);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_OK);
	sig = strrchr(tok, '.') + 1;
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADSIG);
	mint(tok, HDR, GOOD, MAC_JUNK);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADSIG);
}

static void
test_wrong_key_refused(void)
{
	struct config	 cfg;
	char		 tok[TOKBUF];

	tokenkit_cfg(&cfg);
	mint_key(tok, HDR, GOOD, MAC_HS256, other_key, 32);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADSIG);
	/* The same key as hex-decoded bytes, or a prefix, is another key. */
	mint_key(tok, HDR, GOOD, MAC_HS256, key, 16);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_BADSIG);
	mint_key(tok, HDR, GOOD, MAC_HS256, key, 32);
	CHECK_INT(verify_at(&cfg, tok, NOW), TOKEN_OK);
}

/* The payload of another token under this token's signature. */
static void
test_swapped_payload_refused(void)
{
	struct config	 cfg;
	char		 a[TOKBUF], b[TOKBUF], mix[TOKBUF];
	const char	*a1, *a2, *b1, *b2;

	tokenkit_cfg(&cfg);
	mint(a, HDR, GOOD, MAC_HS256);
	mint(b, HDR, "{\"sub\":\"admin\"," CLAIMS "}", MAC_HS256);
	a1 = strchr(a, '.');
	a2 = strrchr(a, '.');
	b1 = strchr(b, '.');
	b2 = strrchr(b, '.');
	snprintf(mix, sizeof(mix), "%.*s%.*s%s", (int)(a1 - a), a,
	    (int)(b2 - b1), b1, a2);
	CHECK_INT(verify_at(&cfg, mix, NOW), TOKEN_BADSIG);
	CHECK_INT(verify_at(&cfg, b, NOW), TOKEN_OK);
}

static void
test_payload_not_object_refused(void)
{
	CHECK_INT(try(HDR, "[1,2]"), TOKEN_BADPAYLOAD);
	CHECK_INT(try(HDR, "{\"sub\":\"alice\"," CLAIMS "} x"),
	    TOKEN_BADPAYLOAD);
	CHECK_INT(try(HDR, ""), TOKEN_MALFORMED);	/* "h..s" */
	CHECK_INT(try(HDR, "{\"sub\":\"alice\"," CLAIMS "}"), TOKEN_OK);
}

/* The shape rules as a per-character loop (the earlier token_shape): the
 * reference the strspn version is held to. */
static enum token_err
shape_ref(const char *tok)
{
	size_t	 i, ndots = 0, dot1 = 0, dot2 = 0;
	char	 c;

	for (i = 0; tok[i] != '\0'; i++) {
		if (i >= TOKEN_MAX_LEN)
			return TOKEN_TOOLONG;
		c = tok[i];
		if (c == '.') {
			if (++ndots > 2)
				return TOKEN_MALFORMED;
			if (ndots == 1)
				dot1 = i;
			else
				dot2 = i;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return TOKEN_MALFORMED;
	}
	if (ndots != 2 || dot1 == 0 || dot2 == dot1 + 1 ||
	    tok[dot2 + 1] == '\0')
		return TOKEN_MALFORMED;
	return TOKEN_OK;
}

/*
 * 200,000 strings from a small alphabet (dots, base64url, a few bytes
 * outside it) at lengths around the short ones and around TOKEN_MAX_LEN:
 * where the reference finds a shape fault, token_verify gives that very
 * code; where it finds none, token_verify gives neither shape code.
 */
static void
test_shape_matches_reference(void)
{
	static const char	 alpha[] = "..aZ09-_+/= \x80";
	static char		 tok[TOKEN_MAX_LEN + 16];
	struct config		 cfg;
	char			 user[USERNAME_MAX + 1];
	enum token_err		 want, got;
	uint32_t		 seed = 12345;
	size_t			 len, i;
	int			 n, bad = 0, faults = 0, toolong = 0;

	tokenkit_cfg(&cfg);
	for (n = 0; n < 200000; n++) {
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % 24;
		if (n % 50 == 0)
			len = TOKEN_MAX_LEN - 4 + (seed >> 16) % 8;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly base64url, so long runs reach the limit */
			tok[i] = (seed >> 28) < 12 ? alpha[2 + (seed >> 16) % 4] :
			    alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		if (len > 100) {
			/* A long one: base64url with two dots, then one byte
			 * of the small alphabet near the limit. */
			for (i = 0; i < len; i++)
				tok[i] = alpha[2 + (i * 7 + n) % 4];
			tok[(seed >> 4) % 100 + 1] = '.';
			tok[(seed >> 12) % 100 + 200] = '.';
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 30) != 0)
				tok[TOKEN_MAX_LEN - 3 + (seed >> 8) % 6] =
				    alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		tok[len] = '\0';
		want = shape_ref(tok);
		got = token_verify(&cfg, tok, NOW, user);
		toolong += want == TOKEN_TOOLONG;
		if (want != TOKEN_OK) {
			faults++;
			bad += got != want;
		} else
			bad += got == TOKEN_MALFORMED || got == TOKEN_TOOLONG;
	}
	CHECK_INT(bad, 0);
	CHECK(faults > 1000 && faults < 200000);	/* both kinds seen */
	CHECK(toolong > 100);
}

UNIT_TESTS(
	T(test_shape_matches_reference),
	T(test_round_trip),
	T(test_sign_header_and_claims),
	T(test_sign_jti_unique),
	T(test_sign_with_issuer_audience),
	T(test_sign_expires_after_ttl),
	T(test_sign_short_secret_null),
	T(test_sign_bad_user_null),
	T(test_verify_short_secret_refuses),
	T(test_positive_control),
	T(test_err_str),
	T(test_shape_two_segments),
	T(test_shape_four_segments),
	T(test_shape_empty_segments),
	T(test_shape_bad_chars),
	T(test_length_4096_accepted),
	T(test_length_4097_refused),
	T(test_alg_none_refused),
	T(test_alg_lowercase_refused),
	T(test_alg_hs384_refused),
	T(test_alg_hs512_refused),
	T(test_alg_other_refused),
	T(test_header_not_object_refused),
	T(test_crit_refused),
	T(test_header_nul_name_refused),
	T(test_header_nul_name_duplicate_refused),
	T(test_typ_jwt_accepted),
	T(test_typ_other_refused),
	T(test_bad_signature_refused),
	T(test_wrong_key_refused),
	T(test_swapped_payload_refused),
	T(test_payload_not_object_refused),
);
