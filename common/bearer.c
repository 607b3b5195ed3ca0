/*
 * RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, where
 * b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
 * Anything else, a joined duplicate header ("Bearer A, Bearer B") among
 * them, is not a bearer credential at all and answers 401.
 */
#include <stddef.h>
#include <strings.h>

#include "common/bearer.h"

static int
bearer_is_b64char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '+' || c == '/';
}

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
	while (bearer_is_b64char(*p))
		p++;
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
