/* SPDX-License-Identifier: ISC */
/*
 * bearer_parse: RFC 6750 §2.1 credentials, "Bearer" in any case, one
 * space or more, one b64token, nothing else.  On BEARER_OK the token is
 * a pointer into the header with its exact length.
 */
#include <stddef.h>
#include <string.h>

#include "common/bearer.h"
#include "tests/unit/unit.h"

/* Parse hdr; on BEARER_OK check the token is hdr + off, len bytes. */
static void
check_ok(const char *hdr, size_t off, size_t len)
{
	const char	*tok = NULL;
	size_t		 n = 0;

	CHECK_INT(bearer_parse(hdr, &tok, &n), BEARER_OK);
	CHECK(tok == hdr + off);
	CHECK_INT(n, len);
}

static enum bearer_err
parse(const char *hdr)
{
	const char	*tok = NULL;
	size_t		 n = 0;

	return bearer_parse(hdr, &tok, &n);
}

static void
test_null_missing(void)
{
	CHECK_INT(parse(NULL), BEARER_MISSING);
}

static void
test_empty_missing(void)
{
	CHECK_INT(parse(""), BEARER_MISSING);
}

static void
test_whitespace_missing(void)
{
	CHECK_INT(parse(" "), BEARER_MISSING);
	CHECK_INT(parse("  \t "), BEARER_MISSING);
}

static void
test_other_scheme_malformed(void)
{
	CHECK_INT(parse("Basic x"), BEARER_MALFORMED);
	CHECK_INT(parse("Basic YWxpY2U6cHc="), BEARER_MALFORMED);
	CHECK_INT(parse("Token abc"), BEARER_MALFORMED);
	CHECK_INT(parse("abc"), BEARER_MALFORMED);
}

static void
test_scheme_alone_malformed(void)
{
	CHECK_INT(parse("Bearer"), BEARER_MALFORMED);
}

static void
test_scheme_space_only_malformed(void)
{
	CHECK_INT(parse("Bearer "), BEARER_MALFORMED);
	CHECK_INT(parse("Bearer \t  "), BEARER_MALFORMED);
}

static void
test_scheme_without_separator_malformed(void)
{
	CHECK_INT(parse("Bearerx y"), BEARER_MALFORMED);
	CHECK_INT(parse("Bearerabc"), BEARER_MALFORMED);
	CHECK_INT(parse("Bearer:abc"), BEARER_MALFORMED);
}

static void
test_two_tokens_malformed(void)
{
	CHECK_INT(parse("Bearer a b"), BEARER_MALFORMED);
}

/* lighttpd and Apache join a repeated header with ", ". */
static void
test_joined_headers_malformed(void)
{
	CHECK_INT(parse("Bearer A, Bearer B"), BEARER_MALFORMED);
	CHECK_INT(parse("Bearer a.b.c,Bearer d.e.f"), BEARER_MALFORMED);
}

static void
test_tab_inside_token_malformed(void)
{
	CHECK_INT(parse("Bearer a\tb"), BEARER_MALFORMED);
}

static void
test_bad_token_chars_malformed(void)
{
	CHECK_INT(parse("Bearer a\"b"), BEARER_MALFORMED);
	CHECK_INT(parse("Bearer a;b"), BEARER_MALFORMED);
	CHECK_INT(parse("Bearer =abc"), BEARER_MALFORMED);
	CHECK_INT(parse("Bearer abc=x"), BEARER_MALFORMED);
	CHECK_INT(parse("Bearer abc\r\nX-Evil: 1"), BEARER_MALFORMED);
}

static void
test_simple_ok(void)
{
	check_ok("Bearer abc", 7, 3);
}

static void
test_lowercase_scheme_ok(void)
{
	check_ok("bearer abc", 7, 3);
}

static void
test_uppercase_scheme_many_spaces_ok(void)
{
	check_ok("BEARER   abc", 9, 3);
}

static void
test_padding_ok(void)
{
	check_ok("Bearer abc==", 7, 5);
}

static void
test_trailing_space_ok(void)
{
	check_ok("Bearer a.b.c ", 7, 5);
	check_ok("Bearer a.b.c \t ", 7, 5);
}

static void
test_tab_separators_ok(void)
{
	check_ok("Bearer\tabc", 7, 3);
	check_ok("Bearer \t abc\t", 9, 3);
}

static void
test_leading_whitespace_ok(void)
{
	check_ok("  Bearer abc", 9, 3);
}

static void
test_b64token_charset_ok(void)
{
	check_ok("Bearer aZ09-._~+/", 7, 10);
}

static void
test_jwt_ok(void)
{
	static const char	 hdr[] = "Bearer eyJhbGciOiJIUzI1NiJ9."
	    "eyJzdWIiOiJhbGljZSJ9.DvdDttFvdgTOXtC2L5P1zfs2bIMtiEwN3al4EAHYyf8";

	check_ok(hdr, 7, strlen(hdr) - 7);
}

UNIT_TESTS(
	T(test_null_missing),
	T(test_empty_missing),
	T(test_whitespace_missing),
	T(test_other_scheme_malformed),
	T(test_scheme_alone_malformed),
	T(test_scheme_space_only_malformed),
	T(test_scheme_without_separator_malformed),
	T(test_two_tokens_malformed),
	T(test_joined_headers_malformed),
	T(test_tab_inside_token_malformed),
	T(test_bad_token_chars_malformed),
	T(test_simple_ok),
	T(test_lowercase_scheme_ok),
	T(test_uppercase_scheme_many_spaces_ok),
	T(test_padding_ok),
	T(test_trailing_space_ok),
	T(test_tab_separators_ok),
	T(test_leading_whitespace_ok),
	T(test_b64token_charset_ok),
	T(test_jwt_ok),
);
