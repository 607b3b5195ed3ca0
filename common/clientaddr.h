/* SPDX-License-Identifier: ISC */
/*
 * The client's address: REMOTE_ADDR, or the right-most X-Forwarded-For
 * address when REMOTE_ADDR is a trusted proxy (TRUSTED_PROXIES).  What
 * throttling counts is the address itself for IPv4 (an IPv4-mapped IPv6
 * address counts as IPv4) and its /64 for other IPv6 addresses: one
 * machine usually holds a whole /64.
 */
#ifndef COMMON_CLIENTADDR_H
#define COMMON_CLIENTADDR_H

#include <stddef.h>

#include <netinet/in.h>

#define CLIENTADDR_TEXT	(INET6_ADDRSTRLEN + 4)	/* with "/64" and the NUL */

/* An address range of TRUSTED_PROXIES: an address and a prefix length. */
struct netrange {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* network order; 4 bytes for IPv4 */
	int		 bits;		/* 0 to 32 or 128 */
};

struct clientaddr {
	char	 text[CLIENTADDR_TEXT];	/* the address, for logs; "-" unknown */
	char	 key[CLIENTADDR_TEXT];	/* what is counted: IPv4, or v6 /64 */
};

/*
 * Parse a list of addresses and CIDR ranges separated by commas or
 * blanks ("10.0.0.1, 192.168.0.0/16 ::1").  An empty list is fine.
 * Returns 0 with *out malloc'd (caller frees) and *n set, or -1.
 */
int	clientaddr_parse_ranges(const char *s, struct netrange **out,
	    size_t *n);

/*
 * Work out the client from remote (REMOTE_ADDR, may be NULL) and the
 * X-Forwarded-For values the request carried (nxff of them; xff the
 * first, or NULL).  The header is believed only when remote falls in one
 * of the trusted ranges; then, read from the right, its first address
 * that is not a trusted proxy is the client (the right-most one behind a
 * single proxy).
 * Returns 0, or -1 when a trusted proxy sent two X-Forwarded-For fields
 * or one whose last element is not an address: such a request cannot be
 * told apart from a forged one.
 */
int	clientaddr_resolve(const char *remote, const char *xff, int nxff,
	    const struct netrange *trusted, size_t ntrusted,
	    struct clientaddr *out);

#endif
