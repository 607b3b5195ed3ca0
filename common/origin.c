/* SPDX-License-Identifier: ISC */
/*
 * Origins: one normaliser for the configured list and the Origin header,
 * strict enough that a listed origin matches only itself.  A wildcard has
 * no spelling here on purpose: every origin is named (docs/security.md).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/origin.h"

#define ORIGIN_HOST_MAX		253	/* a DNS name, RFC 1035 §2.3.4 */
#define ORIGIN_LABEL_MAX	63
#define ORIGIN_SEPARATORS	" \t,"

/* Lower-case ASCII, without the locale. */
static char
origin_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * A host name of len bytes at s, lower-cased into out: labels of letters,
 * digits and '-', 1 to 63 bytes each, joined by single dots.  A dotted
 * IPv4 address is such a name too.  Returns 0 or -1.
 */
static int
origin_hostname(const char *s, size_t len, char *out)
{
	size_t	 i, label = 0;
	char	 c;

	if (len == 0 || len > ORIGIN_HOST_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		c = origin_lower(s[i]);
		if (c == '.') {
			if (label == 0 || i == len - 1)
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-') {
			if (++label > ORIGIN_LABEL_MAX)
				return -1;
		} else
			return -1;
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

/* An IPv6 address of len bytes (no brackets), printed back by inet_ntop. */
static int
origin_ipv6(const char *s, size_t len, char *out, size_t outlen)
{
	struct in6_addr	 a;
	char		 buf[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1 ||
	    inet_ntop(AF_INET6, &a, buf, sizeof(buf)) == NULL)
		return -1;
	return snprintf(out, outlen, "[%s]", buf) >= (int)outlen ? -1 : 0;
}

int
origin_normalize(const char *s, size_t len, char *out)
{
	char		 host[ORIGIN_HOST_MAX + 1];
	const char	*p, *end = s + len, *colon;
	long		 port = 0, defport;
	int		 n;

	if (len > 7 && strncasecmp(s, "http://", 7) == 0) {
		p = s + 7;
		defport = 80;
	} else if (len > 8 && strncasecmp(s, "https://", 8) == 0) {
		p = s + 8;
		defport = 443;
	} else
		return -1;

	if (*p == '[') {
		if ((colon = memchr(p, ']', (size_t)(end - p))) == NULL ||
		    origin_ipv6(p + 1, (size_t)(colon - p - 1), host,
		    sizeof(host)) == -1)
			return -1;
		colon++;
	} else {
		if ((colon = memchr(p, ':', (size_t)(end - p))) == NULL)
			colon = end;
		if (origin_hostname(p, (size_t)(colon - p), host) == -1)
			return -1;
	}
	if (colon != end) {
		/* ':' and 1 to 5 digits; a leading zero is still that port. */
		if (*colon != ':' || end - colon < 2 || end - colon > 6)
			return -1;
		for (p = colon + 1; p < end; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
	}
	if (port == defport)
		port = 0;
	if (port != 0)
		n = snprintf(out, ORIGIN_MAX, "%s://%s:%ld",
		    defport == 80 ? "http" : "https", host, port);
	else
		n = snprintf(out, ORIGIN_MAX, "%s://%s",
		    defport == 80 ? "http" : "https", host);
	return n < 0 || n >= ORIGIN_MAX ? -1 : 0;
}

int
origin_parse_list(const char *s, char ***list, size_t *n, char *bad,
    size_t badlen)
{
	char		 norm[ORIGIN_MAX], **grown;
	const char	*p = s;
	size_t		 len, i, cap = 0;

	*list = NULL;
	*n = 0;
	if (badlen > 0)
		bad[0] = '\0';
	for (;;) {
		p += strspn(p, ORIGIN_SEPARATORS);
		if (*p == '\0')
			return 0;
		len = strcspn(p, ORIGIN_SEPARATORS);
		if (origin_normalize(p, len, norm) == -1) {
			snprintf(bad, badlen, "%.*s",
			    (int)(len < 80 ? len : 80), p);
			goto fail;
		}
		p += len;
		for (i = 0; i < *n && strcmp((*list)[i], norm) != 0; i++)
			;
		if (i < *n)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			if ((grown = reallocarray(*list, cap,
			    sizeof(**list))) == NULL)
				goto fail;
			*list = grown;
		}
		if (((*list)[*n] = strdup(norm)) == NULL)
			goto fail;
		(*n)++;
	}
fail:
	origin_list_free(*list, *n);
	*list = NULL;
	*n = 0;
	return -1;
}

void
origin_list_free(char **list, size_t n)
{
	size_t	 i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
