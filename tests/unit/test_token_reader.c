/* SPDX-License-Identifier: ISC */
/*
 * The two claims readers of token_verify agree.  The flat reader (plain
 * ASCII strings and short integers, read in place) must give exactly the
 * answer of the strict one (json-c, strictjson.h) on every payload it
 * takes: random payloads are verified as they are and again with a member
 * holding an escape added, which only the strict reader reads, under
 * configurations with and without issuer, audience and leeway.  And the
 * base64url decoder is as strict as libsodium's: a segment with bits left
 * over set, or a lone final character, is refused though its MAC is good.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/config.h"
#include "common/token.h"
#include "common/username.h"
#include "tests/unit/tokenkit.h"
#include "tests/unit/unit.h"

#define NOW	1767225600L		/* 2026-01-01T00:00:00Z */
#define TOKBUF	4096
#define HDR	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define ROUNDS	20000
#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* A small fixed generator: the same payloads on every run. */
static uint64_t	 rnd_state = 0x9e3779b97f4a7c15ull;

static unsigned int
rnd(unsigned int n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned int)(rnd_state % n);
}

/* Each claim's candidate members; NULL leaves it out. */
static const char *const exps[] = { NULL, "\"exp\":1767227400",
	"\"exp\":1767225000", "\"exp\":\"1767227400\"", "\"exp\":1767227400.0",
	"\"exp\":1.7e9", "\"exp\":01767227400", "\"exp\":-0", "\"exp\":0",
	"\"exp\":123456789012345678", "\"exp\":1234567890123456789",
	"\"exp\":99999999999999999999", "\"exp\":true", "\"exp\":null",
	"\"exp\":-1767227400", "\"exp\":[1767227400]" };
static const char *const nbfs[] = { NULL, "\"nbf\":1767225590",
	"\"nbf\":1767225700", "\"nbf\":\"x\"", "\"nbf\":1767225615" };
static const char *const iats[] = { NULL, "\"iat\":1767225600",
	"\"iat\":1767225700", "\"iat\":-5", "\"iat\":1767225620",
	"\"iat\":{}" };
static const char *const isss[] = { NULL, "\"iss\":\"issuer\"",
	"\"iss\":\"other\"", "\"iss\":5", "\"iss\":\"\"", "\"iss\":\"issuer \"",
	"\"iss\":\"issue\"" };
static const char *const auds[] = { NULL, "\"aud\":\"aud\"", "\"aud\":\"x\"",
	"\"aud\":[\"x\",\"aud\"]", "\"aud\":7", "\"aud\":\"au\"" };
static const char *const names[] = { NULL, "\"username\":\"alice\"",
	"\"username\":\"bob\"", "\"username\":\"\"", "\"username\":\"a b\"",
	"\"username\":3", "\"username\":\"al/ce\"", "\"username\":\"x@y.z\"",
	"\"username\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"\"", "\"username\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaa\"" };
static const char *const subs[] = { NULL, "\"sub\":\"alice\"",
	"\"sub\":\"bob\"", "\"sub\":4", "\"sub\":\"alice2\"" };
static const char *const extras[] = { NULL, "\"jti\":\"Zm9v-YmFy_\"",
	"\"n\":{\"a\":1}", "\"sub\":\"alice\"", "\"exp\":1767227400",
	"\"\":0", "\"t\":false", "\"s\":\"~!#$%^&*()[]{}<>?,.:;'|`\"" };
static const char *const spaces[] = { "", "", "", " ", "\t", "\n", "\r\n  " };

/* Append s to buf (size TOKBUF). */
static void
put(char *buf, const char *s)
{
	size_t	 n = strlen(buf);

	snprintf(buf + n, TOKBUF - n, "%s", s);
}

static void
ws(char *buf, int spaced)
{
	if (spaced)
		put(buf, spaces[rnd(sizeof(spaces) / sizeof(spaces[0]))]);
}

/* One payload of the n members in m, in that order, into out. */
static void
payload(char *out, const char **m, int n, int spaced)
{
	int	 i;

	out[0] = '\0';
	ws(out, spaced);
	put(out, "{");
	for (i = 0; i < n; i++) {
		ws(out, spaced);
		if (i > 0)
			put(out, ",");
		ws(out, spaced);
		put(out, m[i]);
	}
	ws(out, spaced);
	put(out, "}");
	ws(out, spaced);
}

/*
 * A random payload of the members in m (n of them, NULLs left out) in a
 * random order, into flat; and the same with "zz":"\u0041" among them
 * into strict.
 */
static void
payloads(const char **m, int n, char *flat, char *strict)
{
	const char	*a[16], *b[17];
	unsigned int	 st = (unsigned int)rnd_state;
	int		 i, j, k = 0, at, spaced = rnd(3) == 0;

	for (i = 0; i < n && k < 16; i++)
		if (m[i] != NULL)
			a[k++] = m[i];
	for (i = k - 1; i > 0; i--) {
		j = (int)rnd((unsigned int)i + 1);
		b[0] = a[i];
		a[i] = a[j];
		a[j] = b[0];
	}
	at = (int)rnd((unsigned int)k + 1);
	for (i = j = 0; i <= k; i++) {
		if (i == at)
			b[j++] = "\"zz\":\"\\u0041\"";
		if (i < k)
			b[j++] = a[i];
	}
	/* The same white space in both. */
	rnd_state = st;
	payload(flat, a, k, spaced);
	rnd_state = st;
	payload(strict, b, j, spaced);
}

#define PICK(a)	(a)[rnd(sizeof(a) / sizeof((a)[0]))]

static void
test_flat_and_strict_readers_agree(void)
{
	static char	 flat[TOKBUF], strict[TOKBUF], tok[2 * TOKBUF];
	struct config	 cfg;
	char		 u1[USERNAME_MAX + 1], u2[USERNAME_MAX + 1];
	const char	*m[9];
	enum token_err	 r1, r2;
	int		 i, ok = 0, differ = 0, seen[TOKEN__MAX];

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < ROUNDS && differ < 5; i++) {
		tokenkit_cfg(&cfg);
		cfg.issuer = rnd(2) ? (char *)"issuer" : NULL;
		cfg.audience = rnd(2) ? (char *)"aud" : NULL;
		cfg.leeway = rnd(2) ? 30 : 0;
		m[0] = PICK(exps);
		m[1] = PICK(nbfs);
		m[2] = PICK(iats);
		m[3] = PICK(isss);
		m[4] = PICK(auds);
		m[5] = PICK(names);
		m[6] = PICK(subs);
		m[7] = PICK(extras);
		m[8] = PICK(extras);
		payloads(m, 9, flat, strict);
		memset(u1, 0, sizeof(u1));
		memset(u2, 0, sizeof(u2));
		r1 = token_verify(&cfg, tokenkit_mint(tok, sizeof(tok), HDR,
		    flat), NOW, u1);
		r2 = token_verify(&cfg, tokenkit_mint(tok, sizeof(tok), HDR,
		    strict), NOW, u2);
		if (r1 != r2 || strcmp(u1, u2) != 0) {
			fprintf(stderr, "  %s\n    -> %d %s\n  %s\n    -> %d %s\n",
			    flat, (int)r1, u1, strict, (int)r2, u2);
			differ++;
		}
		ok += r1 == TOKEN_OK;
		if (r1 >= 0 && r1 < TOKEN__MAX)
			seen[r1]++;
	}
	CHECK_INT(differ, 0);
	/* The payloads reach every verdict the claims can give. */
	CHECK(ok > 0);
	for (i = TOKEN_BADPAYLOAD; i < TOKEN__MAX; i++)
		if (seen[i] == 0)
			fprintf(stderr, "  no payload got verdict %d\n", i);
	for (i = TOKEN_BADPAYLOAD; i < TOKEN__MAX; i++)
		CHECK(seen[i] > 0);
}

/*
 * Make segment seg (0 header, 1 payload) of tok non-canonical, then sign
 * it again with the test key: edit 'b' sets a bit left over in its last
 * character, '1' adds a lone character.  Returns 0, or -1 when a 'b' edit
 * cannot be made (no bits are left over).
 */
static int
reencode(char *tok, int seg, char edit)
{
	static const char	 alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	crypto_auth_hmacsha256_state st;
	unsigned char		 sig[crypto_auth_hmacsha256_BYTES];
	char			*start, *end, *last;
	const char		*c;

	start = seg == 0 ? tok : strchr(tok, '.') + 1;
	end = strchr(start, '.');
	if (edit == '1') {
		memmove(end + 1, end, strlen(end) + 1);
		*end = 'Q';
	} else {
		/* 2 or 3 characters in the last group: 4 or 2 bits over,
		 * zero in a canonical encoding. */
		if ((end - start) % 4 == 0 ||
		    (c = strchr(alpha, end[-1])) == NULL)
			return -1;
		end[-1] = alpha[(c - alpha) | 1];
	}
	last = strrchr(tok, '.');
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)TOKENKIT_KEY,
	    sizeof(TOKENKIT_KEY) - 1);
	crypto_auth_hmacsha256_update(&st, (unsigned char *)tok,
	    (size_t)(last - tok));
	crypto_auth_hmacsha256_final(&st, sig);
	sodium_bin2base64(last + 1, TOKBUF - (size_t)(last + 1 - tok), sig,
	    sizeof(sig), B64);
	return 0;
}

static void
test_b64url_as_strict_as_libsodium(void)
{
	/* 32, 33 and 34 bytes: 2, 0 and 4 bits left over in base64 */
	static const char *const p[] = {
		"{\"sub\":\"alice\",\"exp\":1767227400}",
		"{\"sub\":\"alice\",\"exp\":1767227400 }",
		"{\"sub\":\"alice\",\"exp\":1767227400  }",
	};
	char		 tok[TOKBUF], user[USERNAME_MAX + 1];
	struct config	 cfg;
	size_t		 i;
	int		 edited = 0;

	tokenkit_cfg(&cfg);
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		tokenkit_mint(tok, sizeof(tok), HDR, p[i]);
		CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
		if (reencode(tok, 1, 'b') == 0) {
			edited++;
			CHECK_INT(token_verify(&cfg, tok, NOW, user),
			    TOKEN_BADPAYLOAD);
		}
		tokenkit_mint(tok, sizeof(tok), HDR, p[i]);
		CHECK_INT(reencode(tok, 1, '1'), 0);
		CHECK_INT(token_verify(&cfg, tok, NOW, user),
		    TOKEN_BADPAYLOAD);
	}
	CHECK_INT(edited, 2);
	/* The header too, when it is not the usual one (16 bytes: 4 bits
	 * left over). */
	tokenkit_mint(tok, sizeof(tok), "{\"alg\":\"HS256\" }", p[0]);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_OK);
	CHECK_INT(reencode(tok, 0, 'b'), 0);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADHEADER);
	tokenkit_mint(tok, sizeof(tok), "{\"alg\":\"HS256\" }", p[0]);
	CHECK_INT(reencode(tok, 0, '1'), 0);
	CHECK_INT(token_verify(&cfg, tok, NOW, user), TOKEN_BADHEADER);
}

UNIT_TESTS(
	T(test_flat_and_strict_readers_agree),
	T(test_b64url_as_strict_as_libsodium),
);
