#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "common/strictjson.h"

/*
 * Whether len bytes are well-formed UTF-8 (RFC 3629 §4, Unicode Table
 * 3-7): no overlong forms, no surrogates, nothing above U+10FFFF.
 * json-c's JSON_TOKENER_VALIDATE_UTF8 checks only the byte structure and
 * lets C0 AF (an overlong '/') and ED A0 80 (a surrogate) through.
 */
int
strictjson_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	unsigned char	 c, lo, hi;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* overlong below U+0800 */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates U+D800..DFFF */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;	/* overlong below U+10000 */
			else if (c == 0xf4)
				hi = 0x8f;	/* above U+10FFFF */
		} else
			return 0;
		if (len - i <= n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * What json-c's strict mode still lets through (LIBS.md §3.1): single-quoted
 * names, NaN and Infinity, and raw control characters inside strings.
 * Outside strings JSON has only white space, punctuation, numbers and the
 * letters of true, false and null; inside, every byte below 0x20 must be
 * escaped (RFC 8259 §7).
 */
static int
strictjson_lex_ok(const char *buf, size_t len)
{
	size_t	 i;
	int	 in_str = 0;
	char	 c;

	for (i = 0; i < len; i++) {
		c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			else if ((unsigned char)c < 0x20)
				return 0;
		} else if (c == '"')
			in_str = 1;
		else if (strchr(" \t\n\r{}[],:0123456789-+.eEtrufalsn", c) ==
		    NULL)
			return 0;
	}
	return 1;
}

struct json_object *
strictjson_object(const char *buf, size_t len, int depth)
{
	struct json_tokener	*tok;
	struct json_object	*obj;

	/* Trailing white space is JSON too (a body sent with a newline). */
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
	    buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0 || len > INT32_MAX)
		return NULL;
	/* A NUL ends json-c's parse "successfully" (LIBS.md §3.1). */
	if (memchr(buf, '\0', len) != NULL ||
	    !strictjson_utf8_valid((const unsigned char *)buf, len) ||
	    !strictjson_lex_ok(buf, len))
		return NULL;
	/* json-c counts the outermost object as a level of its own. */
	if ((tok = json_tokener_new_ex(depth + 1)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

const char *
strictjson_string(struct json_object *obj, const char *name, size_t *len)
{
	struct json_object	*v;
	const char		*s;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (s == NULL || strlen(s) != *len)
		return NULL;
	return s;
}

int
strictjson_int(struct json_object *obj, const char *name, int64_t *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, name, &v))
		return 1;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	/* json-c clamps what int64 cannot hold to its ends: refuse them. */
	if (*out == INT64_MAX || *out == INT64_MIN)
		return -1;
	return 0;
}
