/* SPDX-License-Identifier: ISC */
/*
 * Security log lines: the user field can never add a field or a line,
 * whatever the name sent, and is cut at SECLOG_USER_MAX bytes.
 */
#include <string.h>

#include "common/seclog.h"
#include "tests/unit/unit.h"

static const char *
field(const char *user, size_t len)
{
	static char	 buf[SECLOG_USER_MAX * 3 + 1];

	seclog_user(buf, user, len);
	return buf;
}

static void
test_plain_names_unchanged(void)
{
	CHECK_STR(field("alice", 5), "alice");
	CHECK_STR(field("a.b_c@d-e.F9", 12), "a.b_c@d-e.F9");
}

static void
test_none(void)
{
	CHECK_STR(field(NULL, 0), "-");
	CHECK_STR(field("", 0), "-");
}

/* Blanks, '=', '%', newlines, quotes and non-ASCII are escaped: a name
 * such as "x addr=6.6.6.6" cannot plant a second address. */
static void
test_hostile_names_escaped(void)
{
	CHECK_STR(field("x addr=6.6.6.6", 14), "x%20addr%3D6.6.6.6");
	CHECK_STR(field("a\nb\r", 4), "a%0Ab%0D");
	CHECK_STR(field("100%", 4), "100%25");
	CHECK_STR(field("\"q\"", 3), "%22q%22");
	CHECK_STR(field("\xc3\xa9", 2), "%C3%A9");
	CHECK_STR(field("a\0b", 3), "a%00b");
}

static void
test_long_names_cut(void)
{
	char	 name[200];

	memset(name, 'a', sizeof(name));
	CHECK_INT(strlen(field(name, sizeof(name))), SECLOG_USER_MAX);
	memset(name, ' ', sizeof(name));
	CHECK_INT(strlen(field(name, sizeof(name))), SECLOG_USER_MAX * 3);
}

UNIT_TESTS(
	T(test_plain_names_unchanged),
	T(test_none),
	T(test_hostile_names_escaped),
	T(test_long_names_cut),
);
