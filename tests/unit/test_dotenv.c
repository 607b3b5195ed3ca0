/* SPDX-License-Identifier: ISC */
/*
 * dotenv_parse and dotenv_load against the rules of Node's dotenv 16
 * (lib/main.js: CR LF folded to LF, the LINE regular expression, quotes
 * stripped, \n and \r expanded in double quotes only).  Each expected
 * value here is what dotenv 16's parse() gives for the same text.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dotenv.h"
#include "tests/unit/unit.h"

/* Parse a NUL-terminated text; the parser itself takes a length. */
static int
parse(struct dotenv *env, const char *s)
{
	return dotenv_parse(env, s, strlen(s));
}

static void
test_key_value(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=1\nB=two\n"), 0);
	CHECK_INT(env.len, 2);
	CHECK_STR(dotenv_get(&env, "A"), "1");
	CHECK_STR(dotenv_get(&env, "B"), "two");
	CHECK(dotenv_get(&env, "C") == NULL);
	dotenv_free(&env);
}

static void
test_no_final_newline(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=1\nB=last"), 0);
	CHECK_STR(dotenv_get(&env, "B"), "last");
	dotenv_free(&env);
}

static void
test_export_prefix(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "export A=1\nexport\tB=2\nexport  C=3\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "1");
	CHECK_STR(dotenv_get(&env, "B"), "2");
	CHECK_STR(dotenv_get(&env, "C"), "3");
	CHECK(dotenv_get(&env, "export A") == NULL);
	dotenv_free(&env);
}

/* "exportB=2" is a key named exportB, not a prefix. */
static void
test_export_is_a_key_without_space(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "exportB=2\nexport=3\n"), 0);
	CHECK_STR(dotenv_get(&env, "exportB"), "2");
	CHECK_STR(dotenv_get(&env, "export"), "3");
	CHECK(dotenv_get(&env, "B") == NULL);
	dotenv_free(&env);
}

static void
test_whole_line_comments(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "# A=1\n  # B=2\n\t#C=3\nD=4\n"), 0);
	CHECK_INT(env.len, 1);
	CHECK(dotenv_get(&env, "A") == NULL);
	CHECK(dotenv_get(&env, "B") == NULL);
	CHECK(dotenv_get(&env, "C") == NULL);
	CHECK_STR(dotenv_get(&env, "D"), "4");
	dotenv_free(&env);
}

static void
test_inline_comment_after_space(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=abc # a comment\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "abc");
	dotenv_free(&env);
}

/* dotenv 16: an unquoted value is [^#\r\n]+, so it ends at the first #. */
static void
test_inline_hash_ends_unquoted_value(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=abc#def\nB=#all comment\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "abc");
	CHECK_STR(dotenv_get(&env, "B"), "");
	dotenv_free(&env);
}

static void
test_hash_kept_inside_quotes(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"a#b\"\nB='c#d'\nC=`e#f`\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "a#b");
	CHECK_STR(dotenv_get(&env, "B"), "c#d");
	CHECK_STR(dotenv_get(&env, "C"), "e#f");
	dotenv_free(&env);
}

static void
test_quoted_then_comment(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"x y\" # comment\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "x y");
	dotenv_free(&env);
}

static void
test_single_quotes(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A='single \"q\"'\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "single \"q\"");
	dotenv_free(&env);
}

static void
test_double_quotes(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"double 'q'\"\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "double 'q'");
	dotenv_free(&env);
}

static void
test_back_quotes(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=`q \"w\" 'e'`\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "q \"w\" 'e'");
	dotenv_free(&env);
}

/* dotenv keeps \" as the two bytes backslash, quote. */
static void
test_escaped_quote_in_double_quotes(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"a\\\"b\"\nB=2\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "a\\\"b");
	CHECK_STR(dotenv_get(&env, "B"), "2");
	dotenv_free(&env);
}

/*
 * A backslash just before the closing quote: dotenv's regular expression
 * backtracks and takes that quote as the end, giving C:\\ .
 */
static void
test_backslash_before_closing_quote(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"C:\\\\\"\nB=1\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "C:\\\\");
	CHECK_STR(dotenv_get(&env, "B"), "1");
	dotenv_free(&env);
}

static void
test_newline_expanded_in_double_quotes(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"x\\ny\"\nB=\"c\\rd\"\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "x\ny");
	CHECK_STR(dotenv_get(&env, "B"), "c\rd");
	dotenv_free(&env);
}

static void
test_newline_literal_elsewhere(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A='x\\ny'\nB=x\\ny\nC=`x\\ny`\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "x\\ny");
	CHECK_STR(dotenv_get(&env, "B"), "x\\ny");
	CHECK_STR(dotenv_get(&env, "C"), "x\\ny");
	dotenv_free(&env);
}

static void
test_multiline_quoted(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"line1\nline2\"\nB=2\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "line1\nline2");
	CHECK_STR(dotenv_get(&env, "B"), "2");
	dotenv_free(&env);
}

static void
test_multiline_single_quoted(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "K='-----BEGIN-----\nabc\n-----END-----'\n"),
	    0);
	CHECK_STR(dotenv_get(&env, "K"), "-----BEGIN-----\nabc\n-----END-----");
	dotenv_free(&env);
}

/* No closing quote anywhere: the line is taken as it stands. */
static void
test_unclosed_quote(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\"abc\nB=1\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "\"abc");
	CHECK_STR(dotenv_get(&env, "B"), "1");
	dotenv_free(&env);
}

static void
test_whitespace_trimmed(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "  A  =  value  \n\tB\t=\tv w\t\n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "value");
	CHECK_STR(dotenv_get(&env, "B"), "v w");
	dotenv_free(&env);
}

static void
test_whitespace_kept_in_quotes(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A= \"  x  \" \n"), 0);
	CHECK_STR(dotenv_get(&env, "A"), "  x  ");
	dotenv_free(&env);
}

static void
test_crlf_lines(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=1\r\nB=  spaced  \r\nC=\"q\"\r\nD='s'\r\n"),
	    0);
	CHECK_STR(dotenv_get(&env, "A"), "1");
	CHECK_STR(dotenv_get(&env, "B"), "spaced");
	CHECK_STR(dotenv_get(&env, "C"), "q");
	CHECK_STR(dotenv_get(&env, "D"), "s");
	dotenv_free(&env);
}

/* dotenv folds CR LF to LF before matching, inside quotes too. */
static void
test_crlf_multiline_quoted(void)
{
	struct dotenv	 env;
	const char	*v;

	CHECK_INT(parse(&env, "A=\"x\r\ny\"\r\nB=2\r\n"), 0);
	v = dotenv_get(&env, "A");
	CHECK(v != NULL && strchr(v, '\r') == NULL);
	CHECK_STR(v, "x\ny");
	CHECK_STR(dotenv_get(&env, "B"), "2");
	dotenv_free(&env);
}

static void
test_later_key_wins(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=first\nB=b\nA=later\n"), 0);
	CHECK_INT(env.len, 2);
	CHECK_STR(dotenv_get(&env, "A"), "later");
	dotenv_free(&env);
}

static void
test_lines_without_equals_ignored(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "JUSTKEY\nsome text here\nFOO bar=baz\nA=1\n"),
	    0);
	CHECK_INT(env.len, 1);
	CHECK(dotenv_get(&env, "JUSTKEY") == NULL);
	CHECK(dotenv_get(&env, "FOO") == NULL);
	CHECK(dotenv_get(&env, "bar") == NULL);
	CHECK_STR(dotenv_get(&env, "A"), "1");
	dotenv_free(&env);
}

static void
test_empty_value(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "A=\nB = \nC=\"\"\nD="), 0);
	CHECK_STR(dotenv_get(&env, "A"), "");
	CHECK_STR(dotenv_get(&env, "B"), "");
	CHECK_STR(dotenv_get(&env, "C"), "");
	CHECK_STR(dotenv_get(&env, "D"), "");
	dotenv_free(&env);
}

static void
test_keys_with_dot_and_dash(void)
{
	struct dotenv	 env;

	CHECK_INT(parse(&env, "G.h-i=1\nsnake_case=2\n"), 0);
	CHECK_STR(dotenv_get(&env, "G.h-i"), "1");
	CHECK_STR(dotenv_get(&env, "snake_case"), "2");
	dotenv_free(&env);
}

static void
test_empty_input(void)
{
	struct dotenv	 env;

	CHECK_INT(dotenv_parse(&env, "", 0), 0);
	CHECK_INT(env.len, 0);
	CHECK(dotenv_get(&env, "A") == NULL);
	dotenv_free(&env);
}

/* Only len bytes count: the rest of the buffer is not part of the text. */
static void
test_length_bounds_parse(void)
{
	struct dotenv	 env;
	const char	 buf[] = "A=123456";

	CHECK_INT(dotenv_parse(&env, buf, 5), 0);
	CHECK_STR(dotenv_get(&env, "A"), "123");
	dotenv_free(&env);
}

/*
 * A fresh scratch directory per dotenv_load test, named into dir; path
 * gets dir/name.  The test removes both.
 */
static void
scratch(char dir[64], char path[128], const char *name)
{
	snprintf(dir, 64, "/tmp/test_dotenv.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, 128, "%s/%s", dir, name);
}

static int
write_file(const char *path, const char *text)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

static void
test_load_file(void)
{
	struct dotenv	 env;
	char		 dir[64], path[128];

	scratch(dir, path, "ok.env");
	CHECK_INT(write_file(path, "# cfg\nA=1\nB=\"two\"\n"), 0);
	CHECK_INT(dotenv_load(&env, path), 0);
	CHECK_STR(dotenv_get(&env, "A"), "1");
	CHECK_STR(dotenv_get(&env, "B"), "two");
	dotenv_free(&env);
	unlink(path);
	rmdir(dir);
}

static void
test_load_missing_is_1(void)
{
	struct dotenv	 env;
	char		 dir[64], path[128];

	scratch(dir, path, "no-such.env");
	CHECK_INT(dotenv_load(&env, path), 1);
	CHECK_INT(env.len, 0);
	dotenv_free(&env);
	rmdir(dir);
}

static void
test_load_directory_is_error(void)
{
	struct dotenv	 env;
	char		 dir[64], path[128];

	scratch(dir, path, "dir.env");
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(dotenv_load(&env, path), -1);
	CHECK_INT(env.len, 0);
	dotenv_free(&env);
	rmdir(path);
	rmdir(dir);
}

static int
sized_file(const char *path, off_t size)
{
	int	 fd, rc;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	rc = ftruncate(fd, size);
	close(fd);
	return rc;
}

/* The positive control: exactly 1 MiB (of NULs, so no keys) loads. */
static void
test_load_one_mib_accepted(void)
{
	struct dotenv	 env;
	char		 dir[64], path[128];

	scratch(dir, path, "big.env");
	CHECK_INT(sized_file(path, 1024 * 1024), 0);
	CHECK_INT(dotenv_load(&env, path), 0);
	dotenv_free(&env);
	unlink(path);
	rmdir(dir);
}

static void
test_load_oversized_is_error(void)
{
	struct dotenv	 env;
	char		 dir[64], path[128];

	scratch(dir, path, "huge.env");
	CHECK_INT(sized_file(path, 1024 * 1024 + 1), 0);
	CHECK_INT(dotenv_load(&env, path), -1);
	CHECK_INT(env.len, 0);
	dotenv_free(&env);
	unlink(path);
	rmdir(dir);
}

static void
test_free_accepts_zeroed_and_null(void)
{
	struct dotenv	 env;

	memset(&env, 0, sizeof(env));
	dotenv_free(&env);
	dotenv_free(NULL);
	CHECK_INT(env.len, 0);
}

/* A NUL inside a double-quoted value (found by tests/fuzz): no read or
 * write past the copy; the value ends at the NUL, as a C string does. */
static void
test_nul_in_double_quotes(void)
{
	static const char	 buf[] = "A=\"\0\\n\"\nB=2\n";
	struct dotenv		 env;

	CHECK_INT(dotenv_parse(&env, buf, sizeof(buf) - 1), 0);
	CHECK_STR(dotenv_get(&env, "A"), "");
	CHECK_STR(dotenv_get(&env, "B"), "2");	/* control: parsing goes on */
	dotenv_free(&env);
}

UNIT_TESTS(
	T(test_nul_in_double_quotes),
	T(test_key_value),
	T(test_no_final_newline),
	T(test_export_prefix),
	T(test_export_is_a_key_without_space),
	T(test_whole_line_comments),
	T(test_inline_comment_after_space),
	T(test_inline_hash_ends_unquoted_value),
	T(test_hash_kept_inside_quotes),
	T(test_quoted_then_comment),
	T(test_single_quotes),
	T(test_double_quotes),
	T(test_back_quotes),
	T(test_escaped_quote_in_double_quotes),
	T(test_backslash_before_closing_quote),
	T(test_newline_expanded_in_double_quotes),
	T(test_newline_literal_elsewhere),
	T(test_multiline_quoted),
	T(test_multiline_single_quoted),
	T(test_unclosed_quote),
	T(test_whitespace_trimmed),
	T(test_whitespace_kept_in_quotes),
	T(test_crlf_lines),
	T(test_crlf_multiline_quoted),
	T(test_later_key_wins),
	T(test_lines_without_equals_ignored),
	T(test_empty_value),
	T(test_keys_with_dot_and_dash),
	T(test_empty_input),
	T(test_length_bounds_parse),
	T(test_load_file),
	T(test_load_missing_is_1),
	T(test_load_directory_is_error),
	T(test_load_one_mib_accepted),
	T(test_load_oversized_is_error),
	T(test_free_accepts_zeroed_and_null),
);
