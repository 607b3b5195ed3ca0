/* SPDX-License-Identifier: ISC */
/*
 * Refresh tokens: 32 random bytes as 43 characters of unpadded base64url;
 * rtoken_hash takes only that shape and gives the SHA-256 of the text,
 * the same hash rtoken_new stored.
 */
#include <string.h>

#include <sodium.h>

#include "common/rtoken.h"
#include "tests/unit/unit.h"

static int
is_b64url(const char *s, size_t len)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static void
test_new_shape(void)
{
	char		 tok[RTOKEN_LEN + 1];
	unsigned char	 hash[RTOKEN_HASHLEN];
	int		 i;

	CHECK(sodium_init() >= 0);
	for (i = 0; i < 100; i++) {
		memset(tok, '!', sizeof(tok));
		rtoken_new(tok, hash);
		CHECK_INT(strlen(tok), 43);
		CHECK(is_b64url(tok, strlen(tok)));
	}
}

static void
test_new_distinct(void)
{
	char		 a[RTOKEN_LEN + 1], b[RTOKEN_LEN + 1];
	unsigned char	 ha[RTOKEN_HASHLEN], hb[RTOKEN_HASHLEN];

	CHECK(sodium_init() >= 0);
	rtoken_new(a, ha);
	rtoken_new(b, hb);
	CHECK(strcmp(a, b) != 0);
	CHECK(memcmp(ha, hb, RTOKEN_HASHLEN) != 0);
}

/* The hash kept is SHA-256 of the token text (never the token). */
static void
test_new_hash_is_sha256(void)
{
	char		 tok[RTOKEN_LEN + 1];
	unsigned char	 hash[RTOKEN_HASHLEN], want[crypto_hash_sha256_BYTES];

	CHECK(sodium_init() >= 0);
	rtoken_new(tok, hash);
	crypto_hash_sha256(want, (const unsigned char *)tok, strlen(tok));
	CHECK(memcmp(hash, want, RTOKEN_HASHLEN) == 0);
}

static void
test_hash_accepts_own_tokens(void)
{
	char		 tok[RTOKEN_LEN + 1];
	unsigned char	 stored[RTOKEN_HASHLEN], got[RTOKEN_HASHLEN];
	int		 i;

	CHECK(sodium_init() >= 0);
	for (i = 0; i < 100; i++) {
		rtoken_new(tok, stored);
		memset(got, 0, sizeof(got));
		CHECK_INT(rtoken_hash(tok, strlen(tok), got), 0);
		CHECK(memcmp(stored, got, RTOKEN_HASHLEN) == 0);
	}
}

static void
test_hash_refuses_wrong_length(void)
{
	char		 tok[RTOKEN_LEN + 2];
	unsigned char	 stored[RTOKEN_HASHLEN], got[RTOKEN_HASHLEN];

	CHECK(sodium_init() >= 0);
	rtoken_new(tok, stored);
	CHECK_INT(rtoken_hash(tok, RTOKEN_LEN - 1, got), -1);
	CHECK_INT(rtoken_hash(tok, 0, got), -1);
	tok[RTOKEN_LEN] = 'A';
	tok[RTOKEN_LEN + 1] = '\0';
	CHECK_INT(rtoken_hash(tok, RTOKEN_LEN + 1, got), -1);
	CHECK_INT(rtoken_hash(tok, RTOKEN_LEN, got), 0);
}

static void
test_hash_refuses_bad_charset(void)
{
	static const char	 bad[] = { '+', '/', '=', '.', ' ', '!', '\0' };
	char			 tok[RTOKEN_LEN + 1], copy[RTOKEN_LEN + 1];
	unsigned char		 stored[RTOKEN_HASHLEN], got[RTOKEN_HASHLEN];
	size_t			 i;

	CHECK(sodium_init() >= 0);
	rtoken_new(tok, stored);
	for (i = 0; i < sizeof(bad); i++) {
		memcpy(copy, tok, sizeof(copy));
		copy[10] = bad[i];
		CHECK_INT(rtoken_hash(copy, RTOKEN_LEN, got), -1);
	}
}

/* A JWT-looking or padded string of the right length is still refused. */
static void
test_hash_refuses_padded(void)
{
	char		 tok[RTOKEN_LEN + 1];
	unsigned char	 got[RTOKEN_HASHLEN];

	memset(tok, 'A', RTOKEN_LEN);
	tok[RTOKEN_LEN - 1] = '=';
	tok[RTOKEN_LEN] = '\0';
	CHECK_INT(rtoken_hash(tok, RTOKEN_LEN, got), -1);
	tok[RTOKEN_LEN - 1] = 'A';
	CHECK_INT(rtoken_hash(tok, RTOKEN_LEN, got), 0);
}

/* 43 characters carry 258 bits: the last two must be zero. */
static void
test_hash_refuses_noncanonical(void)
{
	char		 tok[RTOKEN_LEN + 1];
	unsigned char	 got[RTOKEN_HASHLEN];

	memset(tok, 'A', RTOKEN_LEN);
	tok[RTOKEN_LEN] = '\0';
	tok[RTOKEN_LEN - 1] = 'B';		/* low bits 01 */
	CHECK_INT(rtoken_hash(tok, RTOKEN_LEN, got), -1);
	tok[RTOKEN_LEN - 1] = 'E';		/* low bits 00 */
	CHECK_INT(rtoken_hash(tok, RTOKEN_LEN, got), 0);
}

UNIT_TESTS(
	T(test_new_shape),
	T(test_new_distinct),
	T(test_new_hash_is_sha256),
	T(test_hash_accepts_own_tokens),
	T(test_hash_refuses_wrong_length),
	T(test_hash_refuses_bad_charset),
	T(test_hash_refuses_padded),
	T(test_hash_refuses_noncanonical),
);
