/* SPDX-License-Identifier: ISC */
/*
 * Web origins (RFC 6454): scheme, host and port, as CORS_ORIGINS lists
 * them and as a browser sends them in Origin.  Both go through one
 * normaliser, so they compare as strings: the scheme and host in lower
 * case, an IPv6 address as inet_ntop(3) prints it, the scheme's default
 * port left out (http 80, https 443), which is how a browser writes an
 * origin (RFC 6454 §6.2).
 */
#ifndef COMMON_ORIGIN_H
#define COMMON_ORIGIN_H

#include <stddef.h>

#define ORIGIN_MAX	320	/* bytes of a normalised origin, with NUL */

/*
 * Normalise the origin s of len bytes into out (ORIGIN_MAX bytes):
 * "http" or "https" (any case), "://", a host name of letters, digits,
 * '-' and '.' (no empty label), a dotted IPv4 address or an IPv6 address
 * in brackets, then optionally ':' and a port from 1 to 65535, and nothing
 * else: no path (not even "/"), no user, no wildcard.  "null" and every
 * other scheme are refused.  Returns 0, or -1 with out undefined.
 */
int	origin_normalize(const char *s, size_t len, char *out);

/*
 * Parse a list of origins separated by commas or blanks (an empty list is
 * fine) into *list, n normalised strings, duplicates kept once.  Returns
 * 0, with *list malloc'd (free it with origin_list_free), or -1 with the
 * first entry that is not an origin copied (cut to fit) into bad, which
 * is empty when memory ran out.
 */
int	origin_parse_list(const char *s, char ***list, size_t *n, char *bad,
	    size_t badlen);

/* Free a list from origin_parse_list; list may be NULL. */
void	origin_list_free(char **list, size_t n);

#endif
