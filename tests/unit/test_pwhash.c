/* SPDX-License-Identifier: ISC */
/*
 * Argon2id password hashes: the right password matches, a wrong one does
 * not, a NULL hash (an unknown user) never matches yet costs the same
 * work, and a hash made with weaker limits matches and asks for a rehash.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/pwhash.h"
#include "tests/unit/unit.h"

#define PW	"correct horse battery"

static int
init(void)
{
	static int	 done;

	if (!done && pwhash_init() == 0)
		done = 1;
	return done ? 0 : -1;
}

static double
seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_make_is_argon2id(void)
{
	char	 hash[PWHASH_LEN];

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_make(hash, PW, strlen(PW)), 0);
	CHECK(strncmp(hash, "$argon2id$", 10) == 0);
	CHECK(strstr(hash, PW) == NULL);
}

static void
test_make_salted(void)
{
	char	 a[PWHASH_LEN], b[PWHASH_LEN];

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_make(a, PW, strlen(PW)), 0);
	CHECK_INT(pwhash_make(b, PW, strlen(PW)), 0);
	CHECK(strcmp(a, b) != 0);
}

static void
test_right_password(void)
{
	char	 hash[PWHASH_LEN];
	int	 rehash = -1;

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_make(hash, PW, strlen(PW)), 0);
	CHECK_INT(pwhash_check(hash, PW, strlen(PW), &rehash), 1);
	CHECK_INT(rehash, 0);
}

static void
test_wrong_password(void)
{
	char	 hash[PWHASH_LEN];
	int	 rehash = -1;

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_make(hash, PW, strlen(PW)), 0);
	CHECK_INT(pwhash_check(hash, "correct horse battery!", 22, &rehash),
	    0);
	CHECK_INT(rehash, 0);
	CHECK_INT(pwhash_check(hash, PW, strlen(PW) - 1, &rehash), 0);
	CHECK_INT(pwhash_check(hash, "", 0, &rehash), 0);
}

/* The length counts: a password with a NUL inside is another password. */
static void
test_password_length_counts(void)
{
	char	 hash[PWHASH_LEN];
	int	 rehash;

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_make(hash, "abcdefgh\0ij", 11), 0);
	CHECK_INT(pwhash_check(hash, "abcdefgh", 8, &rehash), 0);
	CHECK_INT(pwhash_check(hash, "abcdefgh\0ij", 11, &rehash), 1);
}

static void
test_null_hash_never_matches(void)
{
	int	 rehash = -1;

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_check(NULL, PW, strlen(PW), &rehash), 0);
	CHECK_INT(rehash, 0);
	CHECK_INT(pwhash_check(NULL, "", 0, &rehash), 0);
}

/*
 * An unknown user costs Argon2id work too (the same time as a wrong
 * password).  The fastest of three runs each, so a busy machine's pauses
 * do not decide it.
 */
static void
test_null_hash_costs_the_same(void)
{
	char	 hash[PWHASH_LEN];
	double	 t0, t, known = 1e9, unknown = 1e9;
	int	 rehash, i;

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_make(hash, PW, strlen(PW)), 0);
	for (i = 0; i < 3; i++) {
		t0 = seconds();
		(void)pwhash_check(hash, "wrong password", 14, &rehash);
		if ((t = seconds() - t0) < known)
			known = t;
		t0 = seconds();
		(void)pwhash_check(NULL, "wrong password", 14, &rehash);
		if ((t = seconds() - t0) < unknown)
			unknown = t;
	}
	CHECK(unknown > known / 4);
	CHECK(unknown < known * 4);
}

/* The built-in dummy hash is at the limits new hashes are made with, so
 * pwhash_init() makes none (one per CGI process would double its work). */
static void
test_dummy_hash_is_current(void)
{
	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_dummy_current(), 1);
}

static void
test_garbage_hash_never_matches(void)
{
	int	 rehash = -1;

	CHECK_INT(init(), 0);
	CHECK_INT(pwhash_check("", PW, strlen(PW), &rehash), 0);
	CHECK_INT(pwhash_check("not a hash", PW, strlen(PW), &rehash), 0);
	CHECK_INT(pwhash_check(PW, PW, strlen(PW), &rehash), 0);
	CHECK_INT(rehash, 0);
}

static void
test_weak_hash_matches_and_rehashes(void)
{
	char	 hash[crypto_pwhash_STRBYTES];
	int	 rehash = 0;

	CHECK_INT(init(), 0);
	CHECK_INT(crypto_pwhash_str(hash, PW, strlen(PW),
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	CHECK_INT(pwhash_check(hash, PW, strlen(PW), &rehash), 1);
	CHECK_INT(rehash, 1);
}

static void
test_weak_hash_wrong_password(void)
{
	char	 hash[crypto_pwhash_STRBYTES];
	int	 rehash = -1;

	CHECK_INT(init(), 0);
	CHECK_INT(crypto_pwhash_str(hash, PW, strlen(PW),
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	CHECK_INT(pwhash_check(hash, "wrong password", 14, &rehash), 0);
	CHECK_INT(rehash, 0);
}

UNIT_TESTS(
	T(test_make_is_argon2id),
	T(test_make_salted),
	T(test_right_password),
	T(test_wrong_password),
	T(test_password_length_counts),
	T(test_null_hash_never_matches),
	T(test_null_hash_costs_the_same),
	T(test_dummy_hash_is_current),
	T(test_garbage_hash_never_matches),
	T(test_weak_hash_matches_and_rehashes),
	T(test_weak_hash_wrong_password),
);
