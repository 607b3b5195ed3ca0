/* SPDX-License-Identifier: ISC */
/*
 * jsonw: the bytes it writes equal json-c's for the same values (plain,
 * no slash escape), for every byte value in a string, random UTF-8, the
 * int64 ends; it grows from the caller's buffer to the heap without
 * losing text, and a failure voids the whole text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/jsonw.h"
#include "tests/unit/unit.h"

#define FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Whether jsonw_str(s) writes what json-c writes for the string s. */
static int
same_as_json_c(const char *s, size_t len)
{
	struct json_object	*o;
	struct jsonw		 w;
	char			 buf[64];
	const char		*want;
	size_t			 wlen;
	int			 same;

	o = json_object_new_string_len(s, (int)len);
	want = json_object_to_json_string_length(o, FLAGS, &wlen);
	jsonw_init(&w, buf, sizeof(buf));
	jsonw_str(&w, s, len);
	same = !w.failed && want != NULL && w.len == wlen &&
	    strncmp(w.buf, want, wlen) == 0;
	if (!same)
		fprintf(stderr, "  jsonw: %.*s\n  json-c: %s\n", (int)w.len,
		    w.buf, want);
	jsonw_free(&w);
	json_object_put(o);
	return same;
}

/* Each byte 0x01..0x7f alone and amid text, and all of them at once. */
static void
test_every_ascii_byte(void)
{
	char	 s[8], all[128];
	int	 c, bad = 0;

	for (c = 1; c < 128; c++) {
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'z';
		bad += !same_as_json_c(s + 1, 1);
		bad += !same_as_json_c(s, 3);
		all[c - 1] = (char)c;
	}
	bad += !same_as_json_c(all, 127);
	CHECK_INT(bad, 0);
	/* The escapes spelled out, beside the library's answer. */
	{
		struct jsonw	 w;
		char		 buf[64];

		jsonw_init(&w, buf, sizeof(buf));
		jsonw_str(&w, "a\"b\\c/d\n\x01\x1f\x7f", 11);
		CHECK_INT(w.len, 26);
		CHECK(strncmp(w.buf, "\"a\\\"b\\\\c/d\\n\\u0001\\u001f\x7f\"",
		    w.len) == 0);
		jsonw_free(&w);
	}
}

/* Random valid UTF-8 (code points of 1 to 4 bytes) with controls mixed in. */
static void
test_random_utf8(void)
{
	static const char	*pieces[] = { "é", "€", "😀", "\"", "\\",
	    "\t",
	    "\x02", "x", " ", "/", "\xe2\x80\xa8" };
	char			 s[512];
	size_t			 len, i, k;
	int			 bad = 0, round;

	for (round = 0; round < 2000; round++) {
		len = 0;
		k = randombytes_uniform(60);
		for (i = 0; i < k; i++) {
			const char *p = pieces[randombytes_uniform(
			    sizeof(pieces) / sizeof(pieces[0]))];

			memcpy(s + len, p, strlen(p));
			len += strlen(p);
		}
		bad += !same_as_json_c(s, len);
	}
	CHECK_INT(bad, 0);
}

static void
test_int_ends(void)
{
	static const int64_t	 v[] = { 0, 1, -1, 9, 10, -10, 1000,
	    INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 1767225600 };
	struct json_object	*o;
	struct jsonw		 w;
	char			 buf[32];
	size_t			 i;
	int			 bad = 0;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		o = json_object_new_int64(v[i]);
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_int(&w, v[i]);
		bad += w.len != strlen(json_object_to_json_string_ext(o,
		    FLAGS)) || strncmp(w.buf, json_object_to_json_string_ext(o,
		    FLAGS), w.len) != 0;
		jsonw_free(&w);
		json_object_put(o);
	}
	CHECK_INT(bad, 0);
}

/* Past the caller's 16 bytes the text moves to the heap, intact. */
static void
test_grows_past_stack(void)
{
	struct jsonw	 w;
	char		 buf[16], want[4096];
	size_t		 i;

	jsonw_init(&w, buf, sizeof(buf));
	for (i = 0; i < 1000; i++) {
		jsonw_lit(&w, "abcd");
		memcpy(want + 4 * i, "abcd", 4);
	}
	CHECK(!w.failed);
	CHECK_INT(w.len, 4000);
	CHECK(w.buf != buf);
	CHECK(strncmp(w.buf, want, 4000) == 0);
	jsonw_free(&w);
	CHECK(w.buf == buf);
	CHECK_INT(w.len, 0);
	/* The positive control: short text stays in the caller's buffer. */
	jsonw_init(&w, buf, sizeof(buf));
	jsonw_lit(&w, "{}");
	CHECK(w.buf == buf && w.len == 2 && !w.failed);
	jsonw_free(&w);
}

/* Reused after growing: back on the caller's 16 bytes, and within them. */
static void
test_reuse_after_growth(void)
{
	struct jsonw	 w;
	char		 buf[16];
	size_t		 i;

	jsonw_init(&w, buf, sizeof(buf));
	for (i = 0; i < 100; i++)
		jsonw_lit(&w, "abcd");
	CHECK(w.buf != buf);
	jsonw_free(&w);
	CHECK(w.buf == buf && w.cap == sizeof(buf) && w.len == 0);
	for (i = 0; i < 50; i++)
		jsonw_lit(&w, "abcd");	/* grows again, never past buf */
	CHECK(!w.failed && w.len == 200 && w.buf != buf);
	jsonw_free(&w);
}

/* Over the 64 MiB bound: failed, and nothing more is appended. */
static void
test_too_large_fails(void)
{
	struct jsonw	 w;
	char		 buf[16];

	jsonw_init(&w, buf, sizeof(buf));
	jsonw_raw(&w, buf, (size_t)64 * 1024 * 1024 + 1);
	CHECK(w.failed);
	jsonw_lit(&w, "x");
	CHECK_INT(w.len, 0);
	jsonw_free(&w);
	jsonw_init(&w, buf, sizeof(buf));	/* the positive control */
	jsonw_lit(&w, "x");
	CHECK(!w.failed && w.len == 1);
	jsonw_free(&w);
}

UNIT_TESTS(
	T(test_every_ascii_byte),
	T(test_random_utf8),
	T(test_int_ends),
	T(test_grows_past_stack),
	T(test_reuse_after_growth),
	T(test_too_large_fails),
);
