/* SPDX-License-Identifier: ISC */
/*
 * body_content_length: CONTENT_LENGTH as servers send it (docs/security.md):
 * unset or "" is 0; otherwise digits only, no sign, no white space, no
 * overflow.  The 16 KiB cap is body_json()'s, not this parser's.
 */
#include <limits.h>
#include <string.h>

#include "common/body.h"
#include "tests/unit/unit.h"

static void
test_null_is_zero(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length(NULL, &v), 0);
	CHECK_INT(v, 0);
}

static void
test_empty_is_zero(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length("", &v), 0);
	CHECK_INT(v, 0);
}

static void
test_zero(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length("0", &v), 0);
	CHECK_INT(v, 0);
}

static void
test_cap_value_parsed(void)
{
	long long	 v = 0;

	CHECK_INT(body_content_length("16384", &v), 0);
	CHECK_INT(v, 16384);
	CHECK_INT(body_content_length("16385", &v), 0);
	CHECK_INT(v, 16385);
}

static void
test_large_value_parsed(void)
{
	long long	 v = 0;

	CHECK_INT(body_content_length("99999999", &v), 0);
	CHECK_INT(v, 99999999);
	CHECK_INT(body_content_length("9223372036854775807", &v), 0);
	CHECK(v == 9223372036854775807LL);
}

static void
test_negative_refused(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length("-5", &v), -1);
	CHECK_INT(body_content_length("-0", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_plus_sign_refused(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length("+5", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_letters_refused(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length("abc", &v), -1);
	CHECK_INT(body_content_length("12abc", &v), -1);
	CHECK_INT(body_content_length("0x10", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_exponent_refused(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length("1e3", &v), -1);
	CHECK_INT(body_content_length("1.5", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_whitespace_refused(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length(" 5", &v), -1);
	CHECK_INT(body_content_length("5 ", &v), -1);
	CHECK_INT(body_content_length("\t5", &v), -1);
	CHECK_INT(body_content_length(" ", &v), -1);
	CHECK_INT(v, 42);
}

/* All digits beyond long long: too large (a 413), not garbage (a 400). */
static void
test_overflow_is_too_large(void)
{
	long long	 v = 42;

	CHECK_INT(body_content_length("9223372036854775808", &v), 0);
	CHECK_INT(v, LLONG_MAX);
	v = 42;
	CHECK_INT(body_content_length("99999999999999999999999999", &v), 0);
	CHECK_INT(v, LLONG_MAX);
	/* control: the largest long long itself */
	CHECK_INT(body_content_length("9223372036854775807", &v), 0);
	CHECK_INT(v, LLONG_MAX);
}

UNIT_TESTS(
	T(test_null_is_zero),
	T(test_empty_is_zero),
	T(test_zero),
	T(test_cap_value_parsed),
	T(test_large_value_parsed),
	T(test_negative_refused),
	T(test_plus_sign_refused),
	T(test_letters_refused),
	T(test_exponent_refused),
	T(test_whitespace_refused),
	T(test_overflow_is_too_large),
);
