/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: the Authorization header and token_verify().
 *
 * The first input byte picks a mode, the rest is the data:
 *   0  an Authorization header value: bearer_parse(), then token_verify()
 *      on the token it finds;
 *   1  the payload JSON of a token correctly HS256-signed with the
 *      fuzzer's secret, so claims validation is reached on every run;
 *   2  the header JSON of a correctly signed token with valid claims, so
 *      the header checks (alg, typ, crit) are fuzzed past the signature.
 * In every mode the data also goes straight to token_verify() as a token.
 * The time and the secret are fixed, so every outcome is reproducible.
 *
 * Oracles: a TOKEN_OK names a valid user, the one its username (or sub)
 * claim names, and its claims hold an integer exp that is not past (with
 * the leeway), no nbf or iat in the future, and the configured iss and
 * aud; the outcome is a defined enum value.  Tokens signed here with
 * libsodium's HMAC never get TOKEN_BADSIG; a TOKEN_OK carries libsodium's
 * MAC; nothing libjwt's jwt_decode (alg pinned) accepts gets TOKEN_BADSIG.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <json-c/json.h>
#include <sodium.h>

#include "common/bearer.h"
#include "common/config.h"
#include "common/hs256.h"
#include "common/strictjson.h"
#include "common/token.h"
#include "common/username.h"

#define FUZZ_NOW	1767225600	/* 2026-01-01T00:00:00Z */
#define FUZZ_LEEWAY	30

/* 40 bytes: over the 32-byte minimum, under HMAC's 64-byte block. */
static unsigned char fuzz_secret[] =
    "fuzz-secret-0123456789abcdef-0123456789a";

static struct config fuzz_cfg = {
	.secret = fuzz_secret,
	.secret_len = sizeof(fuzz_secret) - 1,
	.access_ttl = 900,
	.refresh_ttl = 86400,
	.issuer = NULL,
	.audience = NULL,
	.leeway = FUZZ_LEEWAY,
	.invalid_status = 401,
};

/* FUZZ_TRACE=1 in the environment prints each outcome (seed checks). */
static int fuzz_trace;

/* The same secret, with issuer and audience required (odd data bytes). */
static struct config fuzz_cfg_iss;

/* The header libjwt writes, and claims valid at FUZZ_NOW. */
static const char fuzz_hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
static const char fuzz_claims[] = "{\"aud\":\"jwt-auth-api\","
    "\"exp\":1767226500,\"iat\":1767225600,\"iss\":\"jwt-auth\","
    "\"sub\":\"alice\",\"username\":\"alice\"}";

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	fuzz_trace = getenv("FUZZ_TRACE") != NULL;
	/* Keyed once, as config_load does. */
	fuzz_cfg.key = hs256_key_new(fuzz_secret, sizeof(fuzz_secret) - 1,
	    CONFIG_SECRET_MIN);
	if (fuzz_cfg.key == NULL)
		abort();
	fuzz_cfg_iss = fuzz_cfg;
	fuzz_cfg_iss.issuer = (char *)"jwt-auth";
	fuzz_cfg_iss.audience = (char *)"jwt-auth-api";
	return 0;
}

/* What a TOKEN_OK promises about the token it accepted. */
static void
fuzz_check_ok(const struct config *cfg, const char *tok, const char *user)
{
	struct json_object	*claims;
	const char		*p, *q;
	unsigned char		*bin;
	size_t			 binlen, seglen;
	int64_t			 v;
	int			 rc;

	if (!username_valid(user, strlen(user)))
		abort();
	/* Decode the payload segment again and judge the time claims. */
	if ((p = strchr(tok, '.')) == NULL || (q = strchr(p + 1, '.')) == NULL)
		abort();
	seglen = (size_t)(q - p - 1);
	if ((bin = malloc(seglen + 1)) == NULL)
		abort();
	if (sodium_base642bin(bin, seglen + 1, p + 1, seglen, NULL, &binlen,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		abort();
	if ((claims = strictjson_object((const char *)bin, binlen, 8)) == NULL)
		abort();
	/* Expired when now >= exp + leeway; written so as not to overflow. */
	if (strictjson_int(claims, "exp", &v) != 0 ||
	    v <= (int64_t)FUZZ_NOW - cfg->leeway)
		abort();
	if ((rc = strictjson_int(claims, "nbf", &v)) == -1 ||
	    (rc == 0 && v > (int64_t)FUZZ_NOW + cfg->leeway))
		abort();
	if ((rc = strictjson_int(claims, "iat", &v)) == -1 ||
	    (rc == 0 && v > (int64_t)FUZZ_NOW + cfg->leeway))
		abort();
	/* The configured issuer, and the user the claims name. */
	if (cfg->issuer != NULL && ((q = strictjson_string(claims, "iss",
	    &seglen)) == NULL || strcmp(q, cfg->issuer) != 0))
		abort();
	if (cfg->audience != NULL && !json_object_object_get_ex(claims, "aud",
	    NULL))
		abort();
	if ((q = strictjson_string(claims, "username", &seglen)) == NULL &&
	    (q = strictjson_string(claims, "sub", &seglen)) == NULL)
		abort();
	if (strcmp(q, user) != 0)
		abort();
	json_object_put(claims);
	free(bin);
}

/*
 * libjwt's signature check as a second opinion: jwt_decode with the alg
 * pinned, as this service used it before hs256.c.  Called only on tokens
 * that passed our shape and header checks (jwt_decode is unsafe on others,
 * docs/security.md).  Returns 1 when libjwt accepts the signature.
 */
static int
fuzz_libjwt_accepts(const struct config *cfg, const char *tok)
{
	jwt_t	*jwt = NULL;
	int	 ok;

	ok = jwt_decode(&jwt, tok, cfg->secret, (int)cfg->secret_len) == 0 &&
	    jwt_get_alg(jwt) == JWT_ALG_HS256;
	jwt_free(jwt);
	return ok;
}

/*
 * Whether the signature of tok is HMAC-SHA256 of the signed part under the
 * secret, by libsodium (not the OpenSSL code token_verify uses).
 */
static int
fuzz_sodium_signed(const struct config *cfg, const char *tok)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				 want[64];
	const char			*sig = strrchr(tok, '.');

	if (sig == NULL)
		return 0;
	crypto_auth_hmacsha256_init(&st, cfg->secret, cfg->secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok,
	    (size_t)(sig - tok));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(want, sizeof(want), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strcmp(want, sig + 1) == 0;
}

/*
 * token_verify() with the oracles; tok is NUL-terminated.  What we accept
 * carries the right MAC by libsodium's count; what libjwt accepts (its
 * signature check with the alg pinned, and its own JSON parser, which
 * refuses more than ours, a NUL in a name for one) we never call a bad
 * signature.
 */
static enum token_err
fuzz_verify(const struct config *cfg, const char *tok)
{
	char		 user[USERNAME_MAX + 1];
	enum token_err	 rc;

	memset(user, 0, sizeof(user));
	rc = token_verify(cfg, tok, FUZZ_NOW, user);
	if (rc < 0 || rc >= TOKEN__MAX)
		abort();
	if (fuzz_trace)
		fprintf(stderr, "token_verify: %d %s%s%s\n", (int)rc,
		    token_err_str(rc), rc == TOKEN_OK ? " user " : "",
		    rc == TOKEN_OK ? user : "");
	if (token_err_str(rc) == NULL)
		abort();
	if (rc == TOKEN_OK)
		fuzz_check_ok(cfg, tok, user);
	if (rc == TOKEN_OK && !fuzz_sodium_signed(cfg, tok))
		abort();
	if (rc == TOKEN_BADSIG && fuzz_libjwt_accepts(cfg, tok))
		abort();
	return rc;
}

/* base64url(hdr).base64url(payload).base64url(HMAC-SHA256), malloc'd. */
static char *
fuzz_sign(const struct config *cfg, const uint8_t *hdr, size_t hlen,
    const uint8_t *pay, size_t plen)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	size_t				 hb, pb, sb, n;
	char				*tok;

	hb = sodium_base64_ENCODED_LEN(hlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	pb = sodium_base64_ENCODED_LEN(plen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sb = sodium_base64_ENCODED_LEN(sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((tok = malloc(hb + pb + sb + 2)) == NULL)
		abort();
	sodium_bin2base64(tok, hb, hdr, hlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	n = strlen(tok);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, pb, pay, plen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	n += strlen(tok + n);
	crypto_auth_hmacsha256_init(&st, cfg->secret, cfg->secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, n);
	crypto_auth_hmacsha256_final(&st, mac);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, sb, mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return tok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config	*cfg;
	const char		*tok;
	char			*s, *t;
	size_t			 len;
	uint8_t			 mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	/* Bit 7 of the mode byte asks for issuer and audience. */
	cfg = (mode & 0x80) ? &fuzz_cfg_iss : &fuzz_cfg;

	/* The data as a NUL-terminated string, as a header or env gives. */
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_verify(cfg, s);

	switch ((mode & 0x7f) % 3) {
	case 0:
		if (bearer_parse(s, &tok, &len) == BEARER_OK) {
			/* The token is a substring of the header value. */
			if (tok < s || len == 0 || tok + len > s + strlen(s))
				abort();
			if ((t = strndup(tok, len)) == NULL)
				abort();
			if (strlen(t) != len)
				abort();
			fuzz_verify(cfg, t);
			free(t);
		}
		break;
	case 1:
		/* Signed with libsodium's HMAC: never a bad signature. */
		t = fuzz_sign(cfg, (const uint8_t *)fuzz_hdr,
		    sizeof(fuzz_hdr) - 1, data, size);
		if (fuzz_verify(cfg, t) == TOKEN_BADSIG)
			abort();
		free(t);
		break;
	case 2:
		t = fuzz_sign(cfg, data, size, (const uint8_t *)fuzz_claims,
		    sizeof(fuzz_claims) - 1);
		if (fuzz_verify(cfg, t) == TOKEN_BADSIG)
			abort();
		free(t);
		break;
	}
	free(s);
	return 0;
}
