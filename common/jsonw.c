/* SPDX-License-Identifier: ISC */
/*
 * Response JSON into a buffer.  Escaping follows json-c's
 * json_escape_str() without the slash escape: the five short escapes,
 * \" and \\, and \u00XX for every other byte below 0x20; all else,
 * UTF-8 included, is copied.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"

#define JSONW_MAX	(64 * 1024 * 1024)	/* bytes of one response */

void
jsonw_init(struct jsonw *w, char *stack, size_t cap)
{
	w->buf = w->stack = stack;
	w->cap = w->stack_cap = cap;
	w->len = 0;
	w->failed = 0;
}

void
jsonw_free(struct jsonw *w)
{
	if (w->buf != w->stack)
		free(w->buf);
	w->buf = w->stack;
	w->cap = w->stack_cap;
	w->len = 0;
	w->failed = 0;
}

/* Room for n more bytes.  Returns 0, or -1 and marks w failed. */
static int
jsonw_room(struct jsonw *w, size_t n)
{
	size_t	 cap;
	char	*p;

	if (w->failed)
		return -1;
	if (n <= w->cap - w->len)
		return 0;
	if (n > JSONW_MAX - w->len) {
		w->failed = 1;
		return -1;
	}
	for (cap = w->cap > 0 ? w->cap : 256; cap - w->len < n; cap *= 2)
		;
	if (w->buf == w->stack) {
		if ((p = malloc(cap)) != NULL && w->len > 0)
			memcpy(p, w->buf, w->len);
	} else
		p = realloc(w->buf, cap);
	if (p == NULL) {
		w->failed = 1;
		return -1;
	}
	w->buf = p;
	w->cap = cap;
	return 0;
}

void
jsonw_raw(struct jsonw *w, const char *s, size_t len)
{
	if (jsonw_room(w, len) == -1)
		return;
	memcpy(w->buf + w->len, s, len);
	w->len += len;
}

void
jsonw_lit(struct jsonw *w, const char *s)
{
	jsonw_raw(w, s, strlen(s));
}

void
jsonw_str(struct jsonw *w, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, start;
	unsigned char		 c;
	char			 esc[6];
	size_t			 elen;

	jsonw_raw(w, "\"", 1);
	for (i = start = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jsonw_raw(w, s + start, i - start);
		start = i + 1;
		elen = 2;
		esc[0] = '\\';
		switch (c) {
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
			break;
		}
		jsonw_raw(w, esc, elen);
	}
	jsonw_raw(w, s + start, len - start);
	jsonw_raw(w, "\"", 1);
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	char		 digits[24], *p = digits + sizeof(digits);
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jsonw_raw(w, p, (size_t)(digits + sizeof(digits) - p));
}
