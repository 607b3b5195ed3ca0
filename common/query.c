/* SPDX-License-Identifier: ISC */
/*
 * Query string parameters, without allocating: the string is walked in
 * place, one "name=value" pair between '&'s at a time.
 */
#include <string.h>

#include "common/query.h"

int
query_hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode len bytes of v into buf.  Returns 0, or -1. */
static int
query_decode(const char *v, size_t len, char *buf, size_t buflen)
{
	size_t	 i, o = 0;
	int	 hi, lo;
	char	 c;

	for (i = 0; i < len; i++) {
		c = v[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len)
				return -1;
			if ((hi = query_hexdigit(v[i + 1])) < 0 ||
			    (lo = query_hexdigit(v[i + 2])) < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return -1;
			i += 2;
		}
		if (o + 1 >= buflen)
			return -1;
		buf[o++] = c;
	}
	buf[o] = '\0';
	return 0;
}

int
query_get(const char *qs, const char *name, char *buf, size_t buflen)
{
	const char	*p = qs, *eq;
	size_t		 nlen = strlen(name), len;
	int		 found = 0;

	if (buflen == 0)
		return -1;
	buf[0] = '\0';
	while (p != NULL && *p != '\0') {
		len = strcspn(p, "&");
		eq = memchr(p, '=', len);
		if ((eq != NULL ? (size_t)(eq - p) : len) == nlen &&
		    strncmp(p, name, nlen) == 0) {
			if (found++ > 0)
				return -1;
			if (eq == NULL)
				buf[0] = '\0';
			else if (query_decode(eq + 1, len - nlen - 1, buf,
			    buflen) == -1)
				return -1;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return found;
}
