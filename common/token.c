/* SPDX-License-Identifier: ISC */
/*
 * Access tokens.  The claims are put together by libjwt; HS256 tokens are
 * signed by it, asymmetric ones here (jws.c).  Verification is done here,
 * in full: libjwt 1.10.2 checks only the signature, and even that with
 * whatever algorithm the header names (docs/security.md, RFC 8725), and its
 * jwt_decode keys a new HMAC on every call, which was most of the time of a
 * request.  So: the shape, then the header (the key chosen by kid, alg
 * exactly the key's), then the signature of "header.payload" under the key
 * set up at start-up (hs256.c, keyring.c), then every claim.
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
#include "common/jwk.h"
#include "common/jws.h"
#include "common/keyring.h"
#include "common/strictjson.h"
#include "common/tokcache.h"
#include "common/token.h"
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
	"The token key is not known",	/* TOKEN_BADKID */
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

/*
 * Decode len bytes of base64url without padding into out (at most max
 * bytes; *n gets how many), as strictly as libsodium's decoder: every
 * character from the alphabet, no lone final character, the bits left
 * over at the end zero, so each byte string has exactly one encoding.
 * Written out because libsodium's, constant-time for secrets, was a tenth
 * of a verification, and a token is no secret.  Returns 0 or -1.
 */
static int
token_b64url(unsigned char *out, size_t max, const char *in, size_t len,
    size_t *n)
{
	unsigned int	 acc = 0, bits = 0, v;
	size_t		 i, o = 0;
	char		 c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (c >= 'A' && c <= 'Z')
			v = (unsigned int)(c - 'A');
		else if (c >= 'a' && c <= 'z')
			v = (unsigned int)(c - 'a') + 26;
		else if (c >= '0' && c <= '9')
			v = (unsigned int)(c - '0') + 52;
		else if (c == '-')
			v = 62;
		else if (c == '_')
			v = 63;
		else
			return -1;
		acc = (acc << 6 | v) & 0xfff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (o == max)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 4 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*n = o;
	return 0;
}

/* Decode one base64url segment (no padding) and parse it as an object. */
static struct json_object *
token_segment(const char *seg, size_t len)
{
	unsigned char	 buf[TOKEN_MAX_LEN];
	size_t		 n;

	if (token_b64url(buf, sizeof(buf), seg, len, &n) == -1)
		return NULL;
	return strictjson_object((const char *)buf, n, TOKEN_DEPTH);
}

/*
 * Header members that offer a key or a place to fetch one (RFC 7515
 * §4.1.2 to §4.1.6).  We never use them, and our tokens never carry them:
 * a token that does is refused rather than judged on a key it chose.
 */
static const char *const token_key_offers[] = {
	"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"
};

/*
 * The header, and the key it leads to: *key the verify key named by kid
 * (the set's only key when there is no kid), with alg exactly that key's;
 * or *key NULL for an HS256 token, which names no key of the set.  No crit
 * (RFC 7515 §4.1.11: we understand no extension), typ "JWT" when present.
 */
static enum token_err
token_header(const struct config *cfg, const char *tok, size_t len,
    const struct jwk **key)
{
	struct json_object	*hdr, *v;
	const char		*s, *kid;
	size_t			 slen, klen = 0, i;
	enum jwk_alg		 alg;
	enum token_err		 rc = TOKEN_BADHEADER;

	/* Our own headers, byte for byte: nothing to decode. */
	if ((*key = keyring_by_hdr(cfg->keys, tok, len)) != NULL)
		return TOKEN_OK;
	if (len == sizeof(TOKEN_HDR_USUAL) - 1 &&
	    strncmp(tok, TOKEN_HDR_USUAL, len) == 0)
		return TOKEN_OK;
	if ((hdr = token_segment(tok, len)) == NULL)
		return TOKEN_BADHEADER;
	if (json_object_object_get_ex(hdr, "crit", NULL))
		goto out;
	for (i = 0; i < sizeof(token_key_offers) / sizeof(*token_key_offers);
	    i++)
		if (json_object_object_get_ex(hdr, token_key_offers[i], NULL))
			goto out;
	if (json_object_object_get_ex(hdr, "typ", &v) &&
	    ((s = strictjson_string(hdr, "typ", &slen)) == NULL ||
	    strcasecmp(s, "JWT") != 0))
		goto out;
	kid = NULL;
	if (json_object_object_get_ex(hdr, "kid", NULL) &&
	    (kid = strictjson_string(hdr, "kid", &klen)) == NULL)
		goto out;
	rc = TOKEN_BADALG;
	if ((s = strictjson_string(hdr, "alg", &slen)) == NULL)
		goto out;
	if (strcmp(s, TOKEN_ALG) == 0) {
		/* An HMAC keyed with a public key's text is the classic
		 * confusion: an HS256 token naming one of our keys is
		 * refused, and in asymmetric mode any with a kid. */
		if (kid != NULL && (cfg->alg != JWK_HS256 ||
		    keyring_find(cfg->keys, kid, klen) != NULL))
			goto out;
		rc = TOKEN_OK;
		goto out;
	}
	if (keyring_count(cfg->keys) == 0 || jwk_alg_parse(s, &alg) == -1)
		goto out;
	if ((*key = keyring_find(cfg->keys, kid, klen)) == NULL)
		rc = TOKEN_BADKID;
	else if (strcmp(s, jwk_alg_name((*key)->alg)) == 0)
		rc = TOKEN_OK;
	else
		*key = NULL;
out:
	json_object_put(hdr);
	return rc;
}

/*
 * A string claim as read: present or not, and when present its bytes, or
 * NULL when it is no string (or holds a NUL, which would fool strcmp).
 */
struct token_str {
	int		 present;
	const char	*s;
	size_t		 len;
};

/* What a payload says, as either reader below finds it. */
struct token_claims {
	int		 exp_rc;	/* strictjson_int: 0, 1 missing, -1 bad */
	int		 nbf_rc;
	int		 iat_rc;
	int64_t		 exp;
	int64_t		 nbf;
	int64_t		 iat;
	struct token_str iss, username, sub;
	int		 aud_ok;	/* aud names cfg->audience */
};

/* Whether the string v is exactly want (a C string). */
static int
token_str_is(const struct token_str *v, const char *want)
{
	return v->s != NULL && strncmp(v->s, want, v->len) == 0 &&
	    want[v->len] == '\0';
}

/*
 * The user name: "username" (the tutorial's claim) or "sub" (RFC 7519);
 * when both are present they must agree.  Either must be a valid user
 * name, so it is safe in logs and SQL parameters alike.
 */
static enum token_err
token_user(const struct token_claims *c, char *user)
{
	const struct token_str	*name = &c->username;

	if ((c->username.present && c->username.s == NULL) ||
	    (c->sub.present && c->sub.s == NULL))
		return TOKEN_NOUSER;
	if (name->s == NULL)
		name = &c->sub;
	else if (c->sub.s != NULL && (c->sub.len != name->len ||
	    strncmp(c->sub.s, name->s, name->len) != 0))
		return TOKEN_NOUSER;
	if (name->s == NULL || !username_valid(name->s, name->len))
		return TOKEN_NOUSER;
	memcpy(user, name->s, name->len);
	user[name->len] = '\0';
	return TOKEN_OK;
}

/*
 * The strict reader: any JSON object (strictjson.h), through json-c.  Fills
 * c; its strings are borrowed from *tree, which the caller puts.  Returns
 * TOKEN_BADPAYLOAD when the bytes are no JSON object, else TOKEN_OK.
 */
static enum token_err
token_read_json(const struct config *cfg, const char *buf, size_t len,
    struct json_object **tree, struct token_claims *c)
{
	struct json_object	*claims, *aud, *v;
	const char		*s;
	size_t			 i, n;
	struct {
		const char		*name;
		struct token_str	*v;
	} strs[] = {
		{ "iss", &c->iss },
		{ "username", &c->username },
		{ "sub", &c->sub },
	};

	if ((claims = *tree = strictjson_object(buf, len, TOKEN_DEPTH)) == NULL)
		return TOKEN_BADPAYLOAD;
	c->exp_rc = strictjson_int(claims, "exp", &c->exp);
	c->nbf_rc = strictjson_int(claims, "nbf", &c->nbf);
	c->iat_rc = strictjson_int(claims, "iat", &c->iat);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		strs[i].v->present = json_object_object_get_ex(claims,
		    strs[i].name, NULL);
		strs[i].v->s = strictjson_string(claims, strs[i].name,
		    &strs[i].v->len);
	}
	/* aud: a string, or an array of strings (RFC 7519 §4.1.3). */
	if (cfg->audience == NULL ||
	    !json_object_object_get_ex(claims, "aud", &aud))
		return TOKEN_OK;
	if (json_object_is_type(aud, json_type_string)) {
		c->aud_ok = strictjson_string(claims, "aud", &n) != NULL &&
		    strcmp(json_object_get_string(aud), cfg->audience) == 0;
		return TOKEN_OK;
	}
	if (!json_object_is_type(aud, json_type_array))
		return TOKEN_OK;
	n = json_object_array_length(aud);
	for (i = 0; i < n && !c->aud_ok; i++) {
		v = json_object_array_get_idx(aud, i);
		if (!json_object_is_type(v, json_type_string))
			continue;
		s = json_object_get_string(v);
		c->aud_ok = strlen(s) == (size_t)json_object_get_string_len(v) &&
		    strcmp(s, cfg->audience) == 0;
	}
	return TOKEN_OK;
}

/*
 * The flat reader, for the payloads tokens carry in practice (ours, Node's
 * jsonwebtoken's): one object whose member values are strings of printable
 * ASCII without escapes or integers of at most 18 digits.  It reads them
 * where they lie, where json-c would build a tree with an allocation per
 * member for every token, most of a verification's time.  Anything else
 * (an escape, a byte above 0x7e, a nested value, a fraction, true, a
 * duplicate name, more than TOKEN_FLAT_MAX members) is left to the strict
 * reader: on what this one takes, valid JSON in plain ASCII with no
 * escape, no NUL and no depth, the two cannot disagree.
 */
#define TOKEN_FLAT_MAX	16	/* members */
#define TOKEN_FLAT_DIGITS 18	/* below int64's ends, which json-c clamps */

struct token_member {
	const char	*name;
	size_t		 nlen;
	struct token_str v;	/* v.s NULL: an integer, in num */
	int64_t		 num;
};

static const char *
token_flat_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* The string at p (its opening quote): its bytes into *s and *len.
 * Returns the end of it, or NULL. */
static const char *
token_flat_str(const char *p, const char *end, const char **s, size_t *len)
{
	const char	*q;

	if (p >= end || *p != '"')
		return NULL;
	for (q = ++p; q < end && *q != '"'; q++)
		if (*q < 0x20 || *q > 0x7e || *q == '\\')
			return NULL;
	if (q >= end)
		return NULL;
	*s = p;
	*len = (size_t)(q - p);
	return q + 1;
}

/* The integer at p: 0, or -?[1-9][0-9]* of at most TOKEN_FLAT_DIGITS
 * digits.  Returns the end of it, or NULL. */
static const char *
token_flat_int(const char *p, const char *end, int64_t *v)
{
	int64_t		 x = 0;
	int		 neg = 0, n = 0;

	if (p < end && *p == '0') {
		*v = 0;
		return p + 1;
	}
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || *p < '1' || *p > '9')
		return NULL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (++n > TOKEN_FLAT_DIGITS)
			return NULL;
		x = x * 10 + (*p - '0');
	}
	*v = neg ? -x : x;
	return p;
}

/* Read len bytes into m; the number of members, or -1 for the strict
 * reader.  After a value only white space, ',' or '}' may come, so 01,
 * 1.5 and 1e5 are left to it too. */
static int
token_flat(const char *buf, size_t len, struct token_member *m)
{
	const char	*p, *end = buf + len;
	int		 n = 0, i;

	p = token_flat_ws(buf, end);
	if (p >= end || *p++ != '{')
		return -1;
	p = token_flat_ws(p, end);
	if (p < end && *p == '}')
		return token_flat_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		if (n == TOKEN_FLAT_MAX ||
		    (p = token_flat_str(p, end, &m[n].name, &m[n].nlen)) ==
		    NULL || (p = token_flat_ws(p, end)) >= end || *p++ != ':')
			return -1;
		p = token_flat_ws(p, end);
		m[n].v.present = 1;
		m[n].v.s = NULL;
		if (p < end && *p == '"')
			p = token_flat_str(p, end, &m[n].v.s, &m[n].v.len);
		else
			p = token_flat_int(p, end, &m[n].num);
		if (p == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (m[i].nlen == m[n].nlen &&
			    strncmp(m[i].name, m[n].name, m[n].nlen) == 0)
				return -1;	/* the strict reader refuses */
		n++;
		if ((p = token_flat_ws(p, end)) >= end)
			return -1;
		if (*p == '}')
			return token_flat_ws(p + 1, end) == end ? n : -1;
		if (*p++ != ',')
			return -1;
		p = token_flat_ws(p, end);
	}
}

/* The member called name among n, or NULL. */
static const struct token_member *
token_flat_get(const struct token_member *m, int n, const char *name)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strncmp(m[i].name, name, m[i].nlen) == 0 &&
		    name[m[i].nlen] == '\0')
			return &m[i];
	return NULL;
}

/* An integer claim as strictjson_int reads it: 0, 1 missing, -1 not an
 * integer. */
static int
token_flat_int_claim(const struct token_member *m, int n, const char *name,
    int64_t *out)
{
	const struct token_member	*v = token_flat_get(m, n, name);

	if (v == NULL)
		return 1;
	if (v->v.s != NULL)
		return -1;
	*out = v->num;
	return 0;
}

/* A string claim as the strict reader reads it. */
static void
token_flat_str_claim(const struct token_member *m, int n, const char *name,
    struct token_str *out)
{
	const struct token_member	*v = token_flat_get(m, n, name);

	if (v != NULL)
		*out = v->v;
}

/* Fill c from len bytes with the flat reader; 0, or -1 when they are not
 * for it.  c's strings point into buf. */
static int
token_read_flat(const struct config *cfg, const char *buf, size_t len,
    struct token_claims *c)
{
	struct token_member	 m[TOKEN_FLAT_MAX];
	struct token_str	 aud;
	int			 n;

	if ((n = token_flat(buf, len, m)) == -1)
		return -1;
	c->exp_rc = token_flat_int_claim(m, n, "exp", &c->exp);
	c->nbf_rc = token_flat_int_claim(m, n, "nbf", &c->nbf);
	c->iat_rc = token_flat_int_claim(m, n, "iat", &c->iat);
	token_flat_str_claim(m, n, "iss", &c->iss);
	token_flat_str_claim(m, n, "username", &c->username);
	token_flat_str_claim(m, n, "sub", &c->sub);
	if (cfg->audience != NULL) {
		memset(&aud, 0, sizeof(aud));
		token_flat_str_claim(m, n, "aud", &aud);
		c->aud_ok = token_str_is(&aud, cfg->audience);
	}
	return 0;
}

/*
 * The time claims at now, with the comparisons jsonwebtoken makes so a
 * token is judged alike on both sides (expired when now >= exp + leeway,
 * not yet valid when nbf > now + leeway).  On every verification, a
 * cached one too: they depend on the time, never on the token alone.
 */
static enum token_err
token_times(const struct config *cfg, const struct token_claims *c,
    time_t now)
{
	int64_t		 t = (int64_t)now, lw = cfg->leeway;

	/* config_load refuses a negative leeway; never count on it here. */
	if (lw < 0)
		lw = 0;

	if (c->exp_rc != 0)
		return TOKEN_NOEXP;
	if (c->exp < INT64_MAX - lw && t >= c->exp + lw)
		return TOKEN_EXPIRED;
	if (c->nbf_rc == -1)
		return TOKEN_BADNBF;
	if (c->nbf_rc == 0 && c->nbf > t + lw)
		return TOKEN_NOTYET;
	if (c->iat_rc == -1 || (c->iat_rc == 0 && c->iat > t + lw))
		return TOKEN_BADIAT;
	return TOKEN_OK;
}

/*
 * Judge the claims of a token whose signature verified, at now: the time
 * claims first, then iss, aud and the user name.
 */
static enum token_err
token_judge(const struct config *cfg, const struct token_claims *c,
    time_t now, int64_t iat_max, char *user)
{
	enum token_err	 rc;

	if ((rc = token_times(cfg, c, now)) != TOKEN_OK)
		return rc;
	/* An old key's token must say it was issued before the switch. */
	if (iat_max != INT64_MAX && (c->iat_rc != 0 || c->iat > iat_max))
		return TOKEN_BADIAT;
	if (cfg->issuer != NULL && !token_str_is(&c->iss, cfg->issuer))
		return TOKEN_BADISS;
	if (cfg->audience != NULL && !c->aud_ok)
		return TOKEN_BADAUD;
	return token_user(c, user);
}

/* What a cache entry keeps of claims that passed token_judge. */
static void
token_keep(const struct token_claims *c, const char *user,
    struct tokcache_hit *hit)
{
	hit->exp = c->exp;
	hit->nbf = c->nbf_rc == 0 ? c->nbf : TOKCACHE_NONE;
	hit->iat = c->iat_rc == 0 ? c->iat : TOKCACHE_NONE;
	hit->until = INT64_MAX;
	memcpy(hit->user, user, strlen(user) + 1);
}

/*
 * A cached token, judged again at now: its time claims as they were read,
 * never its verdict.  The rest (signature, key, iss, aud, user) cannot
 * change while the keys do not: a key change empties the cache, and the
 * end of an old secret's window ends its tokens' hits (hit->until).
 */
static enum token_err
token_cached(const struct config *cfg, const struct tokcache_hit *hit,
    time_t now, char *user)
{
	struct token_claims	 c;
	enum token_err		 rc;

	memset(&c, 0, sizeof(c));
	c.exp = hit->exp;
	c.nbf_rc = hit->nbf == TOKCACHE_NONE;
	c.nbf = hit->nbf;
	c.iat_rc = hit->iat == TOKCACHE_NONE;
	c.iat = hit->iat;
	if ((rc = token_times(cfg, &c, now)) == TOKEN_OK)
		memcpy(user, hit->user, strlen(hit->user) + 1);
	return rc;
}

/*
 * The claims segment (len bytes at seg) of a token whose signature has
 * just verified: decoded, read (the flat reader, else the strict one) and
 * judged at now; iat_max, unless INT64_MAX, the latest iat accepted.  On
 * TOKEN_OK, what a cache keeps goes into *keep unless it is NULL.
 */
static enum token_err
token_claims(const struct config *cfg, const char *seg, size_t len,
    time_t now, int64_t iat_max, char *user, struct tokcache_hit *keep)
{
	struct token_claims	 c;
	struct json_object	*tree = NULL;
	unsigned char		 buf[TOKEN_MAX_LEN];
	size_t			 n;
	enum token_err		 rc;

	memset(&c, 0, sizeof(c));
	if (token_b64url(buf, sizeof(buf), seg, len, &n) == -1)
		return TOKEN_BADPAYLOAD;
	if (token_read_flat(cfg, (const char *)buf, n, &c) == 0)
		rc = token_judge(cfg, &c, now, iat_max, user);
	else if ((rc = token_read_json(cfg, (const char *)buf, n, &tree,
	    &c)) == TOKEN_OK)
		rc = token_judge(cfg, &c, now, iat_max, user);
	if (rc == TOKEN_OK && keep != NULL)
		token_keep(&c, user, keep);
	json_object_put(tree);
	return rc;
}

/*
 * The HMAC of an HS256 token (len bytes before the signature sig): the
 * secret, else the previous one until its window ends.  In asymmetric
 * mode only inside the TOKEN_ACCEPT_HS256_UNTIL window, and only for a
 * token issued before the switch (*iat_max, the window's end less
 * ACCESS_TOKEN_TTL).  The previous secret's window has no such bound:
 * while the workers restart one by one onto the new secret, a signer not
 * yet restarted still signs with the old one (README, "HS256 rotation"),
 * and an iat is the signer's word anyway: the window's end is the bound.
 */
static enum token_err
token_hmac(const struct config *cfg, const char *tok, size_t len,
    const char *sig, size_t siglen, time_t now, int64_t *iat_max,
    int64_t *until)
{
	struct hs256_key *key;
	int64_t	 t = (int64_t)now;
	time_t	 end;

	*iat_max = INT64_MAX;
	*until = INT64_MAX;
	if (cfg->alg != JWK_HS256) {
		if (t >= cfg->hs256_until || cfg->key == NULL)
			return TOKEN_BADALG;
		*iat_max = cfg->hs256_until - cfg->access_ttl;
		*until = cfg->hs256_until;
	}
	/* A short key, or none set up, verifies nothing (docs/security.md). */
	assert(cfg->key == NULL || cfg->secret_len >= CONFIG_SECRET_MIN);
	if (cfg->key == NULL || cfg->secret_len < CONFIG_SECRET_MIN)
		return TOKEN_BADSIG;
	/* TOKEN_SECRET_FILE's line as last read, else the secret. */
	if ((key = keyring_secret(cfg->keys, NULL, NULL)) == NULL)
		key = cfg->key;
	if (hs256_verify(key, tok, len, sig, siglen))
		return TOKEN_OK;
	if (cfg->key_prev != NULL && t < cfg->secret_prev_until &&
	    hs256_verify(cfg->key_prev, tok, len, sig, siglen)) {
		if (cfg->secret_prev_until < *until)
			*until = cfg->secret_prev_until;
		return TOKEN_OK;
	}
	if ((key = keyring_secret_prev(cfg->keys, now, &end)) != NULL &&
	    hs256_verify(key, tok, len, sig, siglen)) {
		if ((int64_t)end < *until)
			*until = (int64_t)end;
		return TOKEN_OK;
	}
	/* A signer may have read a new secret file within the second we
	 * have not looked: look now (a stat per file, for a token no
	 * secret verified), so no valid token is refused meanwhile. */
	if (keyring_recheck(cfg->keys, now)) {
		tokcache_clear(cfg->cache);
		if ((key = keyring_secret(cfg->keys, NULL, NULL)) != NULL &&
		    hs256_verify(key, tok, len, sig, siglen))
			return TOKEN_OK;
	}
	return TOKEN_BADSIG;
}

enum token_err
token_verify(const struct config *cfg, const char *tok, time_t now,
    char *user)
{
	unsigned char	 sig[JWS_SIG_MAX];
	struct tokcache_hit hit;
	const struct jwk *key = NULL;
	size_t		 dot1 = 0, dot2 = 0, len, n;
	int64_t		 iat_max = INT64_MAX, until = INT64_MAX;
	enum token_err	 rc;

	/* New keys (or SIGHUP): what the old ones verified is forgotten. */
	if (keyring_check(cfg->keys, now))
		tokcache_clear(cfg->cache);
	if ((rc = token_shape(tok, &dot1, &dot2)) != TOKEN_OK)
		return rc;
	len = strlen(tok + dot2 + 1);
	if (tokcache_get(cfg->cache, tok, dot2 + 1 + len, &hit) &&
	    (int64_t)now < hit.until)
		return token_cached(cfg, &hit, now, user);
	/* The key is ours to choose, by kid, and the alg is the key's:
	 * never the token's word (docs/security.md). */
	if ((rc = token_header(cfg, tok, dot1, &key)) != TOKEN_OK)
		return rc;
	if (key != NULL) {
		if (token_b64url(sig, sizeof(sig), tok + dot2 + 1, len,
		    &n) == -1 || !jws_verify(key, tok, dot2, sig, n))
			return TOKEN_BADSIG;
	} else if ((rc = token_hmac(cfg, tok, dot2, tok + dot2 + 1, len, now,
	    &iat_max, &until)) != TOKEN_OK)
		return rc;

	/* The payload segment is the signed text: read it with strict
	 * types, never trusting a getter's defaults (docs/security.md).
	 * Only a token verified in full is kept, with the end of the
	 * window of the secret that verified it (token_hmac). */
	rc = token_claims(cfg, tok + dot1 + 1, dot2 - dot1 - 1, now,
	    iat_max, user, &hit);
	if (rc == TOKEN_OK) {
		hit.until = until;
		tokcache_put(cfg->cache, tok, dot2 + 1 + len, &hit);
	}
	return rc;
}

int
token_init(struct config *cfg, char *err, size_t errlen)
{
	if (cfg->secret != NULL && (cfg->key = hs256_key_new(cfg->secret,
	    cfg->secret_len, CONFIG_SECRET_MIN)) == NULL) {
		snprintf(err, errlen, "TOKEN_SECRET: cannot set up HMAC-SHA256 "
		    "with it");
		return -1;
	}
	if (cfg->secret_prev != NULL && (cfg->key_prev = hs256_key_new(
	    cfg->secret_prev, cfg->secret_prev_len, CONFIG_SECRET_MIN)) ==
	    NULL) {
		snprintf(err, errlen, "TOKEN_SECRET_PREVIOUS: cannot set up "
		    "HMAC-SHA256 with it");
		return -1;
	}
	if ((cfg->signing_key_file != NULL || cfg->verify_keys_file != NULL ||
	    cfg->secret_file != NULL) &&
	    (cfg->keys = keyring_new(cfg->signing_key_file,
	    cfg->verify_keys_file, cfg->alg, err, errlen)) == NULL)
		return -1;
	/* A replaced secret verifies as long as its tokens may live. */
	if (cfg->secret_file != NULL && keyring_watch_secret(cfg->keys,
	    cfg->secret_file, CONFIG_SECRET_MIN, cfg->access_ttl +
	    (cfg->leeway > 0 ? cfg->leeway : 0), err, errlen) == -1)
		return -1;
	/* SIGHUP empties the cache below even with no key file: it must
	 * not stop a worker whose secret came from the environment. */
	keyring_catch_hup();
	/* Measured worth it for HS256 too (bench/README.md); its pages
	 * are touched only in the processes that verify access tokens. */
	if ((cfg->cache = tokcache_new()) == NULL) {
		snprintf(err, errlen, "TOKEN_ALG: out of memory for the cache "
		    "of verified tokens");
		return -1;
	}
	return 0;
}

void
token_fini(struct config *cfg)
{
	hs256_key_free(cfg->key);
	hs256_key_free(cfg->key_prev);
	keyring_free(cfg->keys);
	tokcache_free(cfg->cache);
	cfg->cache = NULL;
	cfg->key = NULL;
	cfg->key_prev = NULL;
	cfg->keys = NULL;
}

int
token_require(const struct config *cfg, const char *prog, int sign,
    int verify)
{
	if (sign && cfg->alg != JWK_HS256 && keyring_signer(cfg->keys) == NULL) {
		fprintf(stderr, "%s: TOKEN_SIGNING_KEY_FILE: not set, and %s "
		    "signs %s tokens\n", prog, prog, jwk_alg_name(cfg->alg));
		return -1;
	}
	if (verify && cfg->key == NULL && keyring_count(cfg->keys) == 0) {
		fprintf(stderr, "%s: TOKEN_VERIFY_KEYS_FILE: not set, and %s "
		    "verifies %s tokens\n", prog, prog, jwk_alg_name(cfg->alg));
		return -1;
	}
	return 0;
}

/*
 * An asymmetric token: key's protected header, the claims JSON (len
 * bytes) and the signature, each base64url.  Returns it (caller frees) or
 * NULL.
 */
static char *
token_sign_jws(const struct jwk *key, const char *claims, size_t len)
{
	unsigned char	 sig[JWS_SIG_MAX];
	size_t		 hlen = strlen(key->hdr), plen, slen, siglen, cap;
	char		*out;

	plen = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	slen = sodium_base64_ENCODED_LEN(JWS_SIG_MAX,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	cap = hlen + 1 + plen + 1 + slen;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	memcpy(out, key->hdr, hlen);
	out[hlen] = '.';
	sodium_bin2base64(out + hlen + 1, plen, (const unsigned char *)claims,
	    len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	hlen += 1 + strlen(out + hlen + 1);
	if (jws_sign(key, out, hlen, sig, &siglen) == -1) {
		free(out);
		return NULL;
	}
	out[hlen] = '.';
	sodium_bin2base64(out + hlen + 1, cap - hlen - 1, sig, siglen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

char *
token_sign(const struct config *cfg, const char *user, time_t now)
{
	unsigned char	 id[TOKEN_JTI_BYTES];
	char		 jti[sodium_base64_ENCODED_LEN(TOKEN_JTI_BYTES,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	const struct jwk *key = NULL;
	const unsigned char *secret = cfg->secret;
	size_t		 secret_len = cfg->secret_len;
	jwt_t		*jwt = NULL;
	char		*out = NULL, *sig, *claims;

	if (!username_valid(user, strlen(user)))
		return NULL;
	if (keyring_check(cfg->keys, now))
		tokcache_clear(cfg->cache);
	if (cfg->alg != JWK_HS256) {
		if ((key = keyring_signer(cfg->keys)) == NULL)
			return NULL;
	} else {
		/* TOKEN_SECRET_FILE's line as last read, else the secret. */
		(void)keyring_secret(cfg->keys, &secret, &secret_len);
		if (secret_len < CONFIG_SECRET_MIN)
			return NULL;
	}
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
	if (key != NULL) {
		/* libjwt knows no EdDSA and no kid: it only writes the
		 * claims, and the token is put together and signed here. */
		if ((claims = jwt_get_grants_json(jwt, NULL)) != NULL) {
			out = token_sign_jws(key, claims, strlen(claims));
			free(claims);
		}
		goto out;
	}
	/* A failed jwt_set_alg sets "none": never encode (docs/security.md). */
	if (jwt_set_alg(jwt, JWT_ALG_HS256, secret,
	    (int)secret_len) != 0 || jwt_get_alg(jwt) != JWT_ALG_HS256)
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
