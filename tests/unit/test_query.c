/* SPDX-License-Identifier: ISC */
/*
 * Query string parameters: found, absent, decoded, and refused when sent
 * twice, badly escaped, holding a NUL, or too long for the buffer.
 */
#include <string.h>

#include "common/query.h"
#include "tests/unit/unit.h"

static void
test_found_and_absent(void)
{
	char	 v[16];

	CHECK_INT(query_get("limit=10&after=abc", "limit", v, sizeof(v)), 1);
	CHECK_STR(v, "10");
	CHECK_INT(query_get("limit=10&after=abc", "after", v, sizeof(v)), 1);
	CHECK_STR(v, "abc");
	CHECK_INT(query_get("limit=10", "after", v, sizeof(v)), 0);
	CHECK_STR(v, "");
	CHECK_INT(query_get("", "limit", v, sizeof(v)), 0);
	CHECK_INT(query_get(NULL, "limit", v, sizeof(v)), 0);
}

/* Names match whole: "limits" and "xlimit" are not "limit". */
static void
test_whole_names(void)
{
	char	 v[16];

	CHECK_INT(query_get("limits=5&xlimit=6&lim=7", "limit", v, sizeof(v)),
	    0);
	CHECK_INT(query_get("a&limit&b", "limit", v, sizeof(v)), 1);
	CHECK_STR(v, "");
	CHECK_INT(query_get("&&limit=3&&", "limit", v, sizeof(v)), 1);
	CHECK_STR(v, "3");
}

static void
test_decoding(void)
{
	char	 v[16];

	CHECK_INT(query_get("after=a%2Db%5f+c", "after", v, sizeof(v)), 1);
	CHECK_STR(v, "a-b_ c");
	CHECK_INT(query_get("after=%41", "after", v, sizeof(v)), 1);
	CHECK_STR(v, "A");
}

static void
test_refused(void)
{
	char	 v[8];

	CHECK_INT(query_get("limit=1&limit=1", "limit", v, sizeof(v)), -1);
	CHECK_INT(query_get("limit=1&limit", "limit", v, sizeof(v)), -1);
	CHECK_INT(query_get("after=%4", "after", v, sizeof(v)), -1);
	CHECK_INT(query_get("after=%", "after", v, sizeof(v)), -1);
	CHECK_INT(query_get("after=%zz", "after", v, sizeof(v)), -1);
	CHECK_INT(query_get("after=a%00b", "after", v, sizeof(v)), -1);
	CHECK_INT(query_get("after=12345678", "after", v, sizeof(v)), -1);
	/* Control: one byte shorter fits. */
	CHECK_INT(query_get("after=1234567", "after", v, sizeof(v)), 1);
	CHECK_STR(v, "1234567");
}

UNIT_TESTS(
	T(test_found_and_absent),
	T(test_whole_names),
	T(test_decoding),
	T(test_refused),
);
