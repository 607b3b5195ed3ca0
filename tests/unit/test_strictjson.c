/* SPDX-License-Identifier: ISC */
/*
 * strictjson: exactly one JSON object (RFC 8259), valid UTF-8 (RFC 3629),
 * nesting at most depth, nothing after it; and the typed getters that
 * refuse what json-c would coerce (docs/security.md, json-c).
 */
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "common/strictjson.h"
#include "tests/unit/unit.h"

/* Whether s (its strlen) parses at depth 8. */
static int
accepts(const char *s)
{
	struct json_object	*obj;

	obj = strictjson_object(s, strlen(s), 8);
	json_object_put(obj);
	return obj != NULL;
}

/* Whether the len bytes at buf parse at depth. */
static int
accepts_len(const char *buf, size_t len, int depth)
{
	struct json_object	*obj;

	obj = strictjson_object(buf, len, depth);
	json_object_put(obj);
	return obj != NULL;
}

static void
test_object_accepted(void)
{
	static const char	 j[] = "{\"a\":1,\"b\":[true,null,\"x\"]}";
	struct json_object	*obj, *v;

	obj = strictjson_object(j, sizeof(j) - 1, 8);
	CHECK(obj != NULL);
	CHECK(json_object_is_type(obj, json_type_object));
	CHECK(json_object_object_get_ex(obj, "b", &v));
	json_object_put(obj);
	CHECK(accepts("{}"));
}

static void
test_trailing_whitespace_accepted(void)
{
	CHECK(accepts("{\"a\":1}\n"));
	CHECK(accepts("{\"a\":1}\r\n"));
	CHECK(accepts("{\"a\":1} \t \n"));
}

static void
test_leading_whitespace_accepted(void)
{
	CHECK(accepts(" {\"a\":1}"));
	CHECK(accepts("\n\t{\"a\":1}"));
}

/* Only len bytes are parsed: what follows is not part of the input. */
static void
test_length_respected(void)
{
	CHECK(accepts_len("{\"a\":1}garbage", 7, 8));
	CHECK(!accepts_len("{\"a\":1}garbage", 8, 8));
	CHECK(!accepts_len("{\"a\":1}", 6, 8));
}

static void
test_trailing_garbage_refused(void)
{
	CHECK(!accepts("{\"a\":1}x"));
	CHECK(!accepts("{\"a\":1}{\"b\":2}"));
	CHECK(!accepts("{\"a\":1}]"));
	CHECK(!accepts("{\"a\":1} 1"));
	CHECK(accepts("{\"a\":1}"));
}

static void
test_comments_refused(void)
{
	CHECK(!accepts("{/*c*/\"a\":1}"));
	CHECK(!accepts("{\"a\":1}/*c*/"));
	CHECK(!accepts("// c\n{\"a\":1}"));
	CHECK(!accepts("{\"a\":1 // c\n}"));
	CHECK(!accepts("{\"a\":1}#c"));
}

static void
test_trailing_comma_refused(void)
{
	CHECK(!accepts("{\"a\":1,}"));
	CHECK(!accepts("{\"a\":[1,]}"));
	CHECK(accepts("{\"a\":[1]}"));
}

static void
test_top_level_array_refused(void)
{
	CHECK(!accepts("[1]"));
	CHECK(!accepts("[]"));
	CHECK(!accepts("[{\"a\":1}]"));
}

static void
test_top_level_string_refused(void)
{
	CHECK(!accepts("\"s\""));
	CHECK(!accepts("\"{}\""));
}

static void
test_top_level_number_refused(void)
{
	CHECK(!accepts("5"));
	CHECK(!accepts("-1.5e3"));
	/* A top-level number needs its NUL to end; give it one. */
	CHECK(!accepts_len("5", 2, 8));
}

static void
test_top_level_null_refused(void)
{
	CHECK(!accepts("null"));
	CHECK(!accepts("true"));
}

static void
test_other_grammar_refused(void)
{
	CHECK(!accepts("{\"a\":01}"));
	CHECK(!accepts("{\"a\":TRUE}"));
	CHECK(!accepts("{\"a\":\"\\x41\"}"));
	CHECK(!accepts("{\"a\":'x'}"));
	CHECK(!accepts("{a:1}"));
}

/* RFC 8259 §7: strings are in double quotes, member names too. */
static void
test_single_quoted_key_refused(void)
{
	CHECK(!accepts("{'a':1}"));
}

/* RFC 8259 §6: NaN and Infinity are not numbers. */
static void
test_nan_infinity_refused(void)
{
	CHECK(!accepts("{\"a\":NaN}"));
	CHECK(!accepts("{\"a\":-Infinity}"));
}

/* RFC 8259 §7: control characters must be escaped. */
static void
test_raw_control_char_refused(void)
{
	CHECK(!accepts("{\"a\":\"x\ty\"}"));
	CHECK(!accepts("{\"a\":\"x\001y\"}"));
	CHECK(accepts("{\"a\":\"x\\ty\"}"));
}

static void
test_valid_utf8_accepted(void)
{
	CHECK(accepts("{\"a\":\"\xc3\xa5\"}"));			/* å */
	CHECK(accepts("{\"a\":\"\xe2\x82\xac\"}"));		/* € */
	CHECK(accepts("{\"a\":\"\xf0\x9f\x98\x80\"}"));	/* U+1F600 */
	CHECK(accepts("{\"\xc3\xa5\":1}"));
}

static void
test_invalid_utf8_refused(void)
{
	CHECK(!accepts("{\"a\":\"\xff\"}"));
	CHECK(!accepts("{\"a\":\"\xfe\xff\"}"));
	CHECK(!accepts("{\"a\":\"\x80\"}"));
	CHECK(!accepts("{\"a\":\"\xc3\"}"));			/* cut short */
	CHECK(!accepts("{\"\xff\":1}"));
}

/* RFC 3629 §3: overlong forms, surrogates and > U+10FFFF are invalid. */
static void
test_overlong_and_surrogate_utf8_refused(void)
{
	CHECK(!accepts("{\"a\":\"\xc0\xaf\"}"));		/* overlong / */
	CHECK(!accepts("{\"a\":\"\xe0\x80\xaf\"}"));		/* overlong / */
	CHECK(!accepts("{\"a\":\"\xed\xa0\x80\"}"));		/* U+D800 */
	CHECK(!accepts("{\"a\":\"\xf4\x90\x80\x80\"}"));	/* U+110000 */
}

static void
test_nul_between_objects_refused(void)
{
	static const char	 buf[] = "{\"a\":1}\0{\"b\":2}";

	CHECK_INT(sizeof(buf) - 1, 15);
	CHECK(!accepts_len(buf, sizeof(buf) - 1, 8));
	CHECK(accepts_len(buf, 7, 8));
}

static void
test_nul_after_object_refused(void)
{
	CHECK(!accepts_len("{\"a\":1}\0", 8, 8));
	CHECK(!accepts_len("{\"a\":1}\0\n", 9, 8));
}

static void
test_nul_before_object_refused(void)
{
	CHECK(!accepts_len("\0{\"a\":1}", 8, 8));
}

static void
test_nul_inside_string_refused(void)
{
	CHECK(!accepts_len("{\"a\":\"x\0y\"}", 11, 8));
}

/* Nesting at most depth: an object inside an object is depth 2. */
static void
test_depth_at_limit_accepted(void)
{
	CHECK(accepts_len("{\"a\":1}", 7, 1));
	CHECK(accepts_len("{\"a\":{\"b\":1}}", 13, 2));
	CHECK(accepts_len("{\"a\":[[1]]}", 11, 3));
}

static void
test_depth_over_limit_refused(void)
{
	CHECK(!accepts_len("{\"a\":{\"b\":1}}", 13, 1));
	CHECK(!accepts_len("{\"a\":{\"b\":{\"c\":1}}}", 19, 2));
	CHECK(!accepts_len("{\"a\":[[[1]]]}", 13, 3));
}

static void
test_deep_nesting_refused(void)
{
	char	 buf[20002];
	size_t	 i;

	buf[0] = '{';
	buf[1] = '"';
	buf[2] = 'a';
	buf[3] = '"';
	buf[4] = ':';
	for (i = 5; i < 10000; i++)
		buf[i] = '[';
	CHECK(!accepts_len(buf, 10000, 8));
}

static void
test_empty_refused(void)
{
	CHECK(!accepts_len("", 0, 8));
	CHECK(!accepts(" \n\t"));
	CHECK(!accepts("{"));
}

static void
test_string_getter(void)
{
	static const char	 j[] = "{\"a\":\"abc\",\"e\":\"\"}";
	struct json_object	*obj;
	const char		*s;
	size_t			 len = 99;

	obj = strictjson_object(j, sizeof(j) - 1, 8);
	CHECK(obj != NULL);
	s = strictjson_string(obj, "a", &len);
	CHECK_STR(s, "abc");
	CHECK_INT(len, 3);
	s = strictjson_string(obj, "e", &len);
	CHECK_STR(s, "");
	CHECK_INT(len, 0);
	json_object_put(obj);
}

static void
test_string_getter_refuses_non_strings(void)
{
	static const char	 j[] = "{\"i\":12,\"d\":1.5,\"b\":true,"
	    "\"n\":null,\"o\":{},\"a\":[\"x\"]}";
	struct json_object	*obj;
	size_t			 len;

	obj = strictjson_object(j, sizeof(j) - 1, 8);
	CHECK(obj != NULL);
	CHECK(strictjson_string(obj, "i", &len) == NULL);
	CHECK(strictjson_string(obj, "d", &len) == NULL);
	CHECK(strictjson_string(obj, "b", &len) == NULL);
	CHECK(strictjson_string(obj, "n", &len) == NULL);
	CHECK(strictjson_string(obj, "o", &len) == NULL);
	CHECK(strictjson_string(obj, "a", &len) == NULL);
	CHECK(strictjson_string(obj, "missing", &len) == NULL);
	json_object_put(obj);
}

/* "admin\u0000x" would compare equal to "admin" with strcmp. */
static void
test_string_getter_refuses_nul(void)
{
	static const char	 j[] = "{\"u\":\"admin\\u0000x\","
	    "\"v\":\"\\u0000\",\"w\":\"ok\\u0001\"}";
	struct json_object	*obj;
	size_t			 len;

	obj = strictjson_object(j, sizeof(j) - 1, 8);
	CHECK(obj != NULL);
	CHECK(strictjson_string(obj, "u", &len) == NULL);
	CHECK(strictjson_string(obj, "v", &len) == NULL);
	CHECK(strictjson_string(obj, "w", &len) != NULL);
	json_object_put(obj);
}

static void
test_int_getter(void)
{
	static const char	 j[] = "{\"a\":12,\"n\":-5,\"z\":0,"
	    "\"big\":9007199254740993}";
	struct json_object	*obj;
	int64_t			 v = 0;

	obj = strictjson_object(j, sizeof(j) - 1, 8);
	CHECK(obj != NULL);
	CHECK_INT(strictjson_int(obj, "a", &v), 0);
	CHECK_INT(v, 12);
	CHECK_INT(strictjson_int(obj, "n", &v), 0);
	CHECK_INT(v, -5);
	CHECK_INT(strictjson_int(obj, "z", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(strictjson_int(obj, "big", &v), 0);
	CHECK(v == INT64_C(9007199254740993));
	json_object_put(obj);
}

static void
test_int_getter_refuses_non_integers(void)
{
	static const char	 j[] = "{\"s\":\"12\",\"d\":1.5,\"d0\":1.0,"
	    "\"e\":1e3,\"b\":true,\"n\":null,\"a\":[1],\"o\":{\"x\":1},"
	    "\"sx\":\"12abc\"}";
	struct json_object	*obj;
	int64_t			 v = 42;

	obj = strictjson_object(j, sizeof(j) - 1, 8);
	CHECK(obj != NULL);
	CHECK_INT(strictjson_int(obj, "s", &v), -1);
	CHECK_INT(strictjson_int(obj, "d", &v), -1);
	CHECK_INT(strictjson_int(obj, "d0", &v), -1);
	CHECK_INT(strictjson_int(obj, "e", &v), -1);
	CHECK_INT(strictjson_int(obj, "b", &v), -1);
	CHECK_INT(strictjson_int(obj, "n", &v), -1);
	CHECK_INT(strictjson_int(obj, "a", &v), -1);
	CHECK_INT(strictjson_int(obj, "o", &v), -1);
	CHECK_INT(strictjson_int(obj, "sx", &v), -1);
	CHECK_INT(v, 42);
	json_object_put(obj);
}

static void
test_int_getter_missing_is_1(void)
{
	struct json_object	*obj;
	int64_t			 v = 42;

	obj = strictjson_object("{\"a\":1}", 7, 8);
	CHECK(obj != NULL);
	CHECK_INT(strictjson_int(obj, "b", &v), 1);
	CHECK_INT(v, 42);
	json_object_put(obj);
}

/* RFC 8259 §4: readers differ on duplicate names; refuse them anywhere. */
static void
test_duplicate_names_refused(void)
{
	CHECK(!accepts("{\"username\":\"a\",\"username\":\"b\"}"));
	CHECK(!accepts("{\"x\":{\"k\":1,\"k\":2}}"));
	CHECK(!accepts("{\"x\":[{\"k\":1,\"k\":1}]}"));
	/* controls: the same name in sibling objects, or as a value */
	CHECK(accepts("{\"x\":[{\"k\":1},{\"k\":2}],\"k\":3}"));
	CHECK(accepts("{\"a\":\"a\",\"b\":\"a : b\"}"));
	CHECK(accepts("{\"a\":\"q\\\" : \\\\\",\"b\" : 1}"));
}

/* An escaped surrogate must come as a pair; json-c would store U+FFFD. */
static void
test_lone_surrogate_escapes_refused(void)
{
	CHECK(!accepts("{\"a\":\"\\ud800\"}"));
	CHECK(!accepts("{\"a\":\"\\udc00x\"}"));
	CHECK(!accepts("{\"a\":\"\\ud800\\u0041\"}"));
	CHECK(!accepts("{\"a\":\"\\u12\"}"));
	/* controls: a pair, and ordinary escapes */
	CHECK(accepts("{\"a\":\"\\ud83d\\ude00\"}"));
	CHECK(accepts("{\"a\":\"\\u00e9\\n\\\"\"}"));
}

/*
 * json-c keeps member names as C strings: "username\u0000x" would become
 * "username", so a name with an escaped NUL is refused at any depth.
 */
static void
test_nul_in_member_name_refused(void)
{
	CHECK(!accepts("{\"username\\u0000x\":\"bob\"}"));
	CHECK(!accepts("{\"alg\\u0000\":\"HS256\"}"));
	CHECK(!accepts("{\"\\u0000\":1}"));
	CHECK(!accepts("{\"a\":{\"b\\u0000\" : 1}}"));
	CHECK(!accepts("{\"a\":[{\"b\\u0000c\":1}]}"));
	/* controls: the same names without the NUL */
	CHECK(accepts("{\"usernamex\":\"bob\"}"));
	CHECK(accepts("{\"alg\":\"HS256\"}"));
	CHECK(accepts("{\"\":1}"));
	CHECK(accepts("{\"a\":{\"b\" : 1}}"));
	CHECK(accepts("{\"a\":[{\"bc\":1}]}"));
}

/* A NUL in a value is parsed; strictjson_string() refuses it there. */
static void
test_nul_in_value_parsed(void)
{
	CHECK(accepts("{\"a\":\"x\\u0000\"}"));
	CHECK(accepts("{\"a\":[\"\\u0000\"],\"b\":1}"));
}

/* Two names json-c would store as one: a duplicate, whatever the order. */
static void
test_nul_name_duplicate_refused(void)
{
	CHECK(!accepts("{\"alg\":\"HS256\",\"alg\\u0000\":\"none\"}"));
	CHECK(!accepts("{\"alg\\u0000\":\"none\",\"alg\":\"HS256\"}"));
	CHECK(!accepts("{\"a\\u0000b\":1,\"a\\u0000c\":2}"));
	/* control: distinct names */
	CHECK(accepts("{\"alg\":\"HS256\",\"alg0\":\"none\"}"));
}

/* Escapes name the code point JSON gives them: equal names are dups. */
static void
test_escaped_duplicate_names_refused(void)
{
	CHECK(!accepts("{\"a\":1,\"\\u0061\":2}"));
	CHECK(!accepts("{\"\\u00e9\":1,\"\xc3\xa9\":2}"));
	CHECK(!accepts("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}"));
	CHECK(!accepts("{\"\\b\":1,\"\\u0008\":2}"));
	CHECK(!accepts("{\"/\":1,\"\\/\":2}"));
	/* controls: different code points */
	CHECK(accepts("{\"a\":1,\"\\u0062\":2}"));
	CHECK(accepts("{\"\\b\":1,\"\\u0009\":2}"));
}

UNIT_TESTS(
	T(test_nul_in_member_name_refused),
	T(test_nul_in_value_parsed),
	T(test_nul_name_duplicate_refused),
	T(test_escaped_duplicate_names_refused),
	T(test_duplicate_names_refused),
	T(test_lone_surrogate_escapes_refused),
	T(test_object_accepted),
	T(test_trailing_whitespace_accepted),
	T(test_leading_whitespace_accepted),
	T(test_length_respected),
	T(test_trailing_garbage_refused),
	T(test_comments_refused),
	T(test_trailing_comma_refused),
	T(test_top_level_array_refused),
	T(test_top_level_string_refused),
	T(test_top_level_number_refused),
	T(test_top_level_null_refused),
	T(test_other_grammar_refused),
	T(test_single_quoted_key_refused),
	T(test_nan_infinity_refused),
	T(test_raw_control_char_refused),
	T(test_valid_utf8_accepted),
	T(test_invalid_utf8_refused),
	T(test_overlong_and_surrogate_utf8_refused),
	T(test_nul_between_objects_refused),
	T(test_nul_after_object_refused),
	T(test_nul_before_object_refused),
	T(test_nul_inside_string_refused),
	T(test_depth_at_limit_accepted),
	T(test_depth_over_limit_refused),
	T(test_deep_nesting_refused),
	T(test_empty_refused),
	T(test_string_getter),
	T(test_string_getter_refuses_non_strings),
	T(test_string_getter_refuses_nul),
	T(test_int_getter),
	T(test_int_getter_refuses_non_integers),
	T(test_int_getter_missing_is_1),
);
