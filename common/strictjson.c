/* SPDX-License-Identifier: ISC */
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

/* The value of the 4 hex digits at p, or -1. */
static long
strictjson_hex4(const char *p)
{
	long	 v = 0;
	int	 i;
	char	 c;

	for (i = 0; i < 4; i++) {
		c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * What strict json-c still lets through (docs/security.md): single-quoted
 * names, NaN and Infinity, raw control characters inside strings (RFC 8259
 * §7), and escaped lone surrogates (json-c makes them U+FFFD).  Outside
 * strings JSON has only white space, punctuation, numbers and the letters
 * of true, false and null.  Returns the number of member names (strings
 * followed by ':'), so the caller can see duplicates json-c dropped, or -1.
 *
 * A member name holding \u0000 is refused too: json-c keeps names as C
 * strings and cuts them at the NUL, so {"username\u0000x":"bob"} would
 * read as username, and {"alg\u0000":"HS256"} as alg.  Values keep
 * their length and strictjson_string() refuses a NUL in them.  No other
 * escape can make two names equal that differ as JSON: json-c compares
 * names bytewise without normalizing, lone surrogates (its U+FFFD) are
 * refused below, and every other escape decodes to the one code point
 * JSON gives it (RFC 8259 §8.3), so names it does merge are duplicates
 * and the count catches them.
 */
static long
strictjson_lex(const char *buf, size_t len)
{
	size_t	 i, k;
	long	 names = 0, u;
	int	 in_str = 0, nul = 0;
	char	 c;

	for (i = 0; i < len; i++) {
		c = buf[i];
		if (!in_str) {
			if (c == '"') {
				in_str = 1;
				nul = 0;
				continue;
			}
			if (strchr(" \t\n\r{}[],:0123456789-+.eEtrufalsn",
			    c) == NULL)
				return -1;
			continue;
		}
		if ((unsigned char)c < 0x20)
			return -1;
		if (c == '"') {
			in_str = 0;
			for (k = i + 1; k < len && strchr(" \t\n\r", buf[k]) !=
			    NULL && buf[k] != '\0'; k++)
				;
			if (k < len && buf[k] == ':') {
				if (nul)
					return -1;
				names++;
			}
			continue;
		}
		if (c != '\\')
			continue;
		if (i + 1 >= len)
			return -1;
		if (buf[++i] != 'u')
			continue;
		if (len - i < 5 || (u = strictjson_hex4(buf + i + 1)) == -1)
			return -1;
		i += 4;
		if (u == 0)
			nul = 1;
		if (u >= 0xdc00 && u <= 0xdfff)
			return -1;	/* a low surrogate alone */
		if (u >= 0xd800 && u <= 0xdbff) {
			/* A high surrogate needs its low half next. */
			if (len - i < 7 || buf[i + 1] != '\\' ||
			    buf[i + 2] != 'u' ||
			    (u = strictjson_hex4(buf + i + 3)) < 0xdc00 ||
			    u > 0xdfff)
				return -1;
			i += 6;
		}
	}
	return in_str ? -1 : names;
}

/* The member names in obj and every object inside it. */
static long
strictjson_count_names(struct json_object *obj)
{
	size_t	 i, n;
	long	 names = 0;

	if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, key, val) {
			(void)key;
			names += 1 + strictjson_count_names(val);
		}
	} else if (json_object_is_type(obj, json_type_array)) {
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			names += strictjson_count_names(
			    json_object_array_get_idx(obj, i));
	}
	return names;
}

struct json_object *
strictjson_object(const char *buf, size_t len, int depth)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	long			 names;

	/* Trailing white space is JSON too (a body sent with a newline). */
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
	    buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0 || len > INT32_MAX)
		return NULL;
	/* A NUL ends json-c's parse "successfully" (docs/security.md). */
	if (memchr(buf, '\0', len) != NULL ||
	    !strictjson_utf8_valid((const unsigned char *)buf, len) ||
	    (names = strictjson_lex(buf, len)) == -1)
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
	    !json_object_is_type(obj, json_type_object) ||
	    strictjson_count_names(obj) != names) {
		/* The last test: fewer names parsed than written means a
		 * duplicate, which readers resolve differently (RFC 8259
		 * §4): {"username":"a","username":"b"} is refused. */
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
