/* SPDX-License-Identifier: ISC */
/*
 * RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, where
 * b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
 * Anything else, a joined duplicate header ("Bearer A, Bearer B") among
 * them, is not a bearer credential at all and answers 401.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "common/bearer.h"

/* RFC 6750 §2.1 b64token, before its "=" padding.  strspn scans it with
 * a table, several times faster than a test per character. */
#define BEARER_B64TOKEN \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" \
	"-._~+/"

enum bearer_err
bearer_parse(const char *hdr, const char **tok, size_t *len)
{
	const char	*p, *start;

	if (hdr == NULL)
		return BEARER_MISSING;
	/* Servers strip optional white space, but a CGI caller may not. */
	for (p = hdr; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0')
		return BEARER_MISSING;
	if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return BEARER_MALFORMED;
	for (p += 6; *p == ' ' || *p == '\t'; p++)
		;
	start = p;
	p += strspn(p, BEARER_B64TOKEN);
	if (p == start)
		return BEARER_MALFORMED;
	while (*p == '=')
		p++;
	*len = (size_t)(p - start);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0')
		return BEARER_MALFORMED;
	*tok = start;
	return BEARER_OK;
}
