/* SPDX-License-Identifier: ISC */
/*
 * Access tokens.  Signing goes through libjwt.  Verification is done here,
 * in full: libjwt 1.10.2 checks only the signature, and even that with
 * whatever HS* algorithm the header names (docs/security.md, RFC 8725), and its
 * jwt_decode keys a new HMAC on every call, which was most of the time of a
 * request.  So: the shape, then the header (alg exactly HS256), then the
 * HMAC-SHA256 of "header.payload" under the key set up at start-up
 * (hs256.c), compared as libjwt compares it, then every claim.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <json-c/json.h>
#include <sodium.h>

#include "common/config.h"
#include "common/hs256.h"
#include "common/strictjson.h"
#include "common/token.h"
#include "common/tokencache.h"
#include "common/username.h"

#define TOKEN_ALG	"HS256"
#define TOKEN_DEPTH	8	/* JSON nesting allowed in header and claims */
#define TOKEN_B64URL \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/*
 * base64url of {"alg":"HS256","typ":"JWT"}: the header libjwt and Node's
 * jsonwebtoken write.  Bytes equal to it decode to a header that passes
 * token_header(), so it is not decoded and parsed again per request.
 */
#define TOKEN_HDR_USUAL	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

static const char *const token_errs[TOKEN__MAX] = {
	"valid",			/* TOKEN_OK */
	"The token is malformed",	/* TOKEN_MALFORMED */
	"The token is too long",	/* TOKEN_TOOLONG */
	"The token header is invalid",	/* TOKEN_BADHEADER */
	"The token algorithm is not accepted", /* TOKEN_BADALG */
	"The token signature is invalid", /* TOKEN_BADSIG */
	"The token claims are invalid",	/* TOKEN_BADPAYLOAD */
	"The token has no valid expiry", /* TOKEN_NOEXP */
	"The token expired",		/* TOKEN_EXPIRED */
	"The token not-before time is invalid", /* TOKEN_BADNBF */
	"The token is not valid yet",	/* TOKEN_NOTYET */
	"The token issue time is invalid", /* TOKEN_BADIAT */
	"The token issuer is not accepted", /* TOKEN_BADISS */
	"The token audience is not accepted", /* TOKEN_BADAUD */
	"The token names no valid user", /* TOKEN_NOUSER */
};

const char *
token_err_str(enum token_err err)
{
	if (err < 0 || err >= TOKEN__MAX)
		return "The token is invalid";
	return token_errs[err];
}

/*
 * Check the shape before anything decodes the token: three non-empty
 * base64url segments, at most TOKEN_MAX_LEN bytes (docs/security.md: libjwt
 * itself would decode a huge segment into alloca()).  Sets the two dot
 * offsets.
 */
static enum token_err
token_shape(const char *tok, size_t *dot1, size_t *dot2)
{
	const char	*d;
	size_t		 n, lim, ndots = 0;

	/*
	 * The run of allowed characters, by strspn's table (a test per
	 * character was a fifth of a cached verification).  Then the first
	 * fault by position: a third dot, the TOKEN_MAX_LEN'th byte, or a
	 * character outside the alphabet.
	 */
	n = strspn(tok, TOKEN_B64URL ".");
	lim = n < TOKEN_MAX_LEN ? n : TOKEN_MAX_LEN;
	for (d = tok; (d = memchr(d, '.', lim - (size_t)(d - tok))) != NULL;
	    d++) {
		if (++ndots > 2)
			return TOKEN_MALFORMED;
		if (ndots == 1)
			*dot1 = (size_t)(d - tok);
		else
			*dot2 = (size_t)(d - tok);
	}
	if (n >= TOKEN_MAX_LEN && tok[TOKEN_MAX_LEN] != '\0')
		return TOKEN_TOOLONG;
	if (tok[n] != '\0')
		return TOKEN_MALFORMED;
	if (ndots != 2 || *dot1 == 0 || *dot2 == *dot1 + 1 ||
	    tok[*dot2 + 1] == '\0')
		return TOKEN_MALFORMED;
	return TOKEN_OK;
}

/* Decode one base64url segment (no padding) and parse it as an object. */
static struct json_object *
token_segment(const char *seg, size_t len)
{
	unsigned char	 buf[TOKEN_MAX_LEN];
	size_t		 n;

	if (sodium_base642bin(buf, sizeof(buf), seg, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	return strictjson_object((const char *)buf, n, TOKEN_DEPTH);
}

/*
 * The header: alg exactly "HS256" (libjwt compares without case, and
 * would take HS384/HS512 signed with the same key), no crit (RFC 7515
 * §4.1.11: we understand no extension), typ "JWT" when present.
 */
static enum token_err
token_header(const char *tok, size_t len)
{
	struct json_object	*hdr, *v;
	const char		*s;
	size_t			 slen;
	enum token_err		 rc = TOKEN_BADHEADER;

	if (len == sizeof(TOKEN_HDR_USUAL) - 1 &&
	    strncmp(tok, TOKEN_HDR_USUAL, len) == 0)
		return TOKEN_OK;
	if ((hdr = token_segment(tok, len)) == NULL)
		return TOKEN_BADHEADER;
	if (json_object_object_get_ex(hdr, "crit", NULL))
		goto out;
	if (json_object_object_get_ex(hdr, "typ", &v) &&
	    ((s = strictjson_string(hdr, "typ", &slen)) == NULL ||
	    strcasecmp(s, "JWT") != 0))
		goto out;
	s = strictjson_string(hdr, "alg", &slen);
	rc = s != NULL && strcmp(s, TOKEN_ALG) == 0 ? TOKEN_OK : TOKEN_BADALG;
out:
	json_object_put(hdr);
	return rc;
}

/* Whether aud (a string, or an array of strings: RFC 7519 §4.1.3)
 * names want. */
static int
token_aud_matches(struct json_object *claims, const char *want)
{
	struct json_object	*aud, *v;
	const char		*s;
	size_t			 i, n;

	if (!json_object_object_get_ex(claims, "aud", &aud))
		return 0;
	if (json_object_is_type(aud, json_type_string))
		return strictjson_string(claims, "aud", &n) != NULL &&
		    strcmp(json_object_get_string(aud), want) == 0;
	if (!json_object_is_type(aud, json_type_array))
		return 0;
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(aud, i);
		if (!json_object_is_type(v, json_type_string))
			continue;
		s = json_object_get_string(v);
		if (strlen(s) == (size_t)json_object_get_string_len(v) &&
		    strcmp(s, want) == 0)
			return 1;
	}
	return 0;
}

/*
 * The user name: "username" (the tutorial's claim) or "sub" (RFC 7519);
 * when both are present they must agree.  Either must be a valid user
 * name, so it is safe in logs and SQL parameters alike.
 */
static enum token_err
token_user(struct json_object *claims, char *user)
{
	const char	*name, *sub;
	size_t		 nlen = 0, slen = 0;

	name = strictjson_string(claims, "username", &nlen);
	sub = strictjson_string(claims, "sub", &slen);
	if ((name == NULL && json_object_object_get_ex(claims, "username",
	    NULL)) || (sub == NULL && json_object_object_get_ex(claims, "sub",
	    NULL)))
		return TOKEN_NOUSER;
	if (name == NULL) {
		name = sub;
		nlen = slen;
	} else if (sub != NULL && (slen != nlen || strcmp(sub, name) != 0))
		return TOKEN_NOUSER;
	if (name == NULL || !username_valid(name, nlen))
		return TOKEN_NOUSER;
	memcpy(user, name, nlen);
	user[nlen] = '\0';
	return TOKEN_OK;
}

/*
 * Read the claims segment into r: the three time claims as strictjson_int
 * found them, then the first failure of iss, aud and the user name under
 * cfg (TOKEN_OK and r->user when all pass).  Returns TOKEN_BADPAYLOAD when
 * the segment is no JSON object, else TOKEN_OK.
 */
static enum token_err
token_read(const struct config *cfg, const char *seg, size_t len,
    struct token_reading *r)
{
	struct json_object	*claims;
	const char		*iss;
	size_t			 n;

	memset(r, 0, sizeof(*r));
	if ((claims = token_segment(seg, len)) == NULL)
		return TOKEN_BADPAYLOAD;
	r->exp_rc = strictjson_int(claims, "exp", &r->exp);
	r->nbf_rc = strictjson_int(claims, "nbf", &r->nbf);
	r->iat_rc = strictjson_int(claims, "iat", &r->iat);
	if (cfg->issuer != NULL &&
	    ((iss = strictjson_string(claims, "iss", &n)) == NULL ||
	    strcmp(iss, cfg->issuer) != 0))
		r->rest = TOKEN_BADISS;
	else if (cfg->audience != NULL &&
	    !token_aud_matches(claims, cfg->audience))
		r->rest = TOKEN_BADAUD;
	else
		r->rest = token_user(claims, r->user);
	json_object_put(claims);
	return TOKEN_OK;
}

/*
 * Judge a reading at now: the time claims first, with the comparisons
 * jsonwebtoken makes so a token is judged alike on both sides (expired
 * when now >= exp + leeway, not yet valid when nbf > now + leeway), then
 * iss, aud and the user name.
 */
static enum token_err
token_judge(const struct config *cfg, const struct token_reading *r,
    time_t now, char *user)
{
	int64_t		 t = (int64_t)now, lw = cfg->leeway;

	/* config_load refuses a negative leeway; never count on it here. */
	if (lw < 0)
		lw = 0;

	if (r->exp_rc != 0)
		return TOKEN_NOEXP;
	if (r->exp < INT64_MAX - lw && t >= r->exp + lw)
		return TOKEN_EXPIRED;
	if (r->nbf_rc == -1)
		return TOKEN_BADNBF;
	if (r->nbf_rc == 0 && r->nbf > t + lw)
		return TOKEN_NOTYET;
	if (r->iat_rc == -1 || (r->iat_rc == 0 && r->iat > t + lw))
		return TOKEN_BADIAT;
	if (r->rest != TOKEN_OK)
		return r->rest;
	memcpy(user, r->user, sizeof(r->user));
	return TOKEN_OK;
}

/*
 * The claims of tok (len bytes, its payload between dot1 and dot2), whose
 * signature has just verified: read, kept with the token (tokencache.h),
 * then judged at now.
 */
static enum token_err
token_claims(const struct config *cfg, const char *tok, size_t len,
    size_t dot1, size_t dot2, time_t now, char *user)
{
	struct token_reading	 r;

	if (token_read(cfg, tok + dot1 + 1, dot2 - dot1 - 1, &r) != TOKEN_OK)
		return TOKEN_BADPAYLOAD;
	tokencache_put(hs256_key_id(cfg->key), tok, len, cfg->issuer,
	    cfg->audience, &r);
	return token_judge(cfg, &r, now, user);
}

enum token_err
token_verify(const struct config *cfg, const char *tok, time_t now,
    char *user)
{
	const struct token_reading	*cached;
	size_t				 dot1 = 0, dot2 = 0, len;
	enum token_err			 rc;

	/* A short key, or none set up, verifies nothing (docs/security.md). */
	assert(cfg->secret_len >= CONFIG_SECRET_MIN && cfg->key != NULL);
	if (cfg->secret_len < CONFIG_SECRET_MIN || cfg->key == NULL)
		return TOKEN_BADSIG;

	if ((rc = token_shape(tok, &dot1, &dot2)) != TOKEN_OK)
		return rc;
	/* The alg is ours to choose, never the token's (docs/security.md). */
	if ((rc = token_header(tok, dot1)) != TOKEN_OK)
		return rc;
	len = dot2 + 1 + strlen(tok + dot2 + 1);
	/* The same text verified before under this key: HMAC would say so
	 * again.  Only the times change their verdict: judged now. */
	cached = tokencache_get(hs256_key_id(cfg->key), tok, len, cfg->issuer,
	    cfg->audience);
	if (cached != NULL)
		return token_judge(cfg, cached, now, user);
	if (!hs256_verify(cfg->key, tok, dot2, tok + dot2 + 1, len - dot2 - 1))
		return TOKEN_BADSIG;

	/* The payload segment is the signed text: parse it with strict
	 * types, never trusting a getter's defaults (docs/security.md). */
	return token_claims(cfg, tok, len, dot1, dot2, now, user);
}

int
token_init(struct config *cfg, char *err, size_t errlen)
{
	cfg->key = hs256_key_new(cfg->secret, cfg->secret_len,
	    CONFIG_SECRET_MIN);
	if (cfg->key == NULL) {
		snprintf(err, errlen, "TOKEN_SECRET: cannot set up HMAC-SHA256 "
		    "with it");
		return -1;
	}
	return 0;
}

void
token_fini(struct config *cfg)
{
	hs256_key_free(cfg->key);
	cfg->key = NULL;
}

char *
token_sign(const struct config *cfg, const char *user, time_t now)
{
	unsigned char	 id[TOKEN_JTI_BYTES];
	char		 jti[sodium_base64_ENCODED_LEN(TOKEN_JTI_BYTES,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	jwt_t		*jwt = NULL;
	char		*out = NULL, *sig;

	if (cfg->secret_len < CONFIG_SECRET_MIN ||
	    !username_valid(user, strlen(user)))
		return NULL;
	if (jwt_new(&jwt) != 0)
		return NULL;
	/* RFC 7519 §4.1.7: each token its own id, so two made in the same
	 * second for the same user (two refreshes) are never the same. */
	randombytes_buf(id, sizeof(id));
	sodium_bin2base64(jti, sizeof(jti), id, sizeof(id),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (jwt_add_grant(jwt, "jti", jti) != 0 ||
	    jwt_add_grant(jwt, "sub", user) != 0 ||
	    jwt_add_grant(jwt, "username", user) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)now + cfg->access_ttl) != 0)
		goto out;
	if (cfg->issuer != NULL && jwt_add_grant(jwt, "iss", cfg->issuer) != 0)
		goto out;
	if (cfg->audience != NULL &&
	    jwt_add_grant(jwt, "aud", cfg->audience) != 0)
		goto out;
	/* A failed jwt_set_alg sets "none": never encode (docs/security.md). */
	if (jwt_set_alg(jwt, JWT_ALG_HS256, cfg->secret,
	    (int)cfg->secret_len) != 0 || jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto out;
	if ((out = jwt_encode_str(jwt)) == NULL)
		goto out;
	/* Belt and braces: a signed token ends in a non-empty signature. */
	sig = strrchr(out, '.');
	if (sig == NULL || sig[1] == '\0') {
		free(out);
		out = NULL;
	}
out:
	jwt_free(jwt);
	return out;
}
