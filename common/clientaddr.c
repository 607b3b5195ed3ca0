/* SPDX-License-Identifier: ISC */
/*
 * Client addresses and TRUSTED_PROXIES.  Everything is parsed with
 * inet_pton(3), so an address here is always one inet_ntop(3) printed:
 * nothing a client typed reaches a log line or a counter's key as it
 * was sent.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/clientaddr.h"

#define CLIENTADDR_BLANKS	" \t"

/* The bytes of an IPv4-mapped IPv6 address (::ffff:a.b.c.d) up to a.b.c.d. */
static const unsigned char clientaddr_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * Parse one address (IPv4, IPv6, or IPv6 in brackets) of len bytes into
 * family and addr; a mapped IPv4 address becomes IPv4.  Returns 0 or -1.
 */
static int
clientaddr_parse_one(const char *s, size_t len, int *family,
    unsigned char addr[16])
{
	char	 buf[INET6_ADDRSTRLEN + 2];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return -1;
	if (sodium_memcmp(addr, clientaddr_v4mapped, 12) == 0) {
		memmove(addr, addr + 12, 4);
		*family = AF_INET;
		return 0;
	}
	*family = AF_INET6;
	return 0;
}

int
clientaddr_parse_ranges(const char *s, struct netrange **out, size_t *n)
{
	struct netrange	*list = NULL, *r;
	const char	*p = s, *slash;
	char		*end;
	size_t		 len, cap = 0;
	long		 bits;
	int		 max;

	*out = NULL;
	*n = 0;
	for (;;) {
		p += strspn(p, CLIENTADDR_BLANKS ",");
		if (*p == '\0')
			break;
		len = strcspn(p, CLIENTADDR_BLANKS ",");
		if (*n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			if ((r = reallocarray(list, cap, sizeof(*r))) == NULL)
				goto fail;
			list = r;
		}
		r = &list[*n];
		slash = memchr(p, '/', len);
		if (clientaddr_parse_one(p, slash != NULL ? (size_t)(slash - p) :
		    len, &r->family, r->addr) == -1)
			goto fail;
		max = r->family == AF_INET ? 32 : 128;
		r->bits = max;
		if (slash != NULL) {
			if (slash[1] < '0' || slash[1] > '9')
				goto fail;
			errno = 0;
			bits = strtol(slash + 1, &end, 10);
			if (errno != 0 || end != p + len || bits > max)
				goto fail;
			r->bits = (int)bits;
		}
		(*n)++;
		p += len;
	}
	*out = list;
	return 0;
fail:
	free(list);
	*n = 0;
	return -1;
}

/* Whether addr falls in range r. */
static int
clientaddr_in(const struct netrange *r, int family, const unsigned char *addr)
{
	int	 full = r->bits / 8, rest = r->bits % 8;

	if (r->family != family)
		return 0;
	if (full > 0 && sodium_memcmp(r->addr, addr, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	    ((r->addr[full] ^ addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Fill out from a parsed address: its text, and the key counted. */
static void
clientaddr_fill(struct clientaddr *out, int family, const unsigned char *addr)
{
	unsigned char	 net[16];
	size_t		 len;

	if (inet_ntop(family, addr, out->text, sizeof(out->text)) == NULL) {
		snprintf(out->text, sizeof(out->text), "-");
		snprintf(out->key, sizeof(out->key), "-");
		return;
	}
	if (family == AF_INET) {
		memcpy(out->key, out->text, strlen(out->text) + 1);
		return;
	}
	memset(net, 0, sizeof(net));
	memcpy(net, addr, 8);
	if (inet_ntop(AF_INET6, net, out->key, sizeof(out->key) - 3) == NULL) {
		snprintf(out->key, sizeof(out->key), "-");
		return;
	}
	len = strlen(out->key);
	memcpy(out->key + len, "/64", 4);
}

/* Whether the address is in one of the n ranges. */
static int
clientaddr_trusted(const struct netrange *r, size_t n, int family,
    const unsigned char *addr)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (clientaddr_in(&r[i], family, addr))
			return 1;
	return 0;
}

int
clientaddr_resolve(const char *remote, const char *xff, int nxff,
    const struct netrange *trusted, size_t ntrusted, struct clientaddr *out)
{
	unsigned char	 addr[16];
	const char	*end, *start, *el;
	size_t		 len;
	int		 family;

	if (remote == NULL || clientaddr_parse_one(remote, strlen(remote),
	    &family, addr) == -1) {
		/* No peer address (a test, a unix socket): one shared key. */
		snprintf(out->text, sizeof(out->text), "-");
		snprintf(out->key, sizeof(out->key), "-");
		return 0;
	}
	if (!clientaddr_trusted(trusted, ntrusted, family, addr) ||
	    nxff == 0 || xff == NULL) {
		clientaddr_fill(out, family, addr);
		return 0;
	}
	if (nxff > 1)
		return -1;
	/*
	 * From the right: each trusted proxy appended (or set) the address
	 * it saw, so the first element that is not a trusted proxy is the
	 * client; to its left is what the client may have written.  Every
	 * element on the way must be an address.
	 */
	end = xff + strlen(xff);
	for (;;) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		el = start + strspn(start, CLIENTADDR_BLANKS);
		len = el < end ? (size_t)(end - el) : 0;
		while (len > 0 && strchr(CLIENTADDR_BLANKS, el[len - 1]) != NULL)
			len--;
		if (clientaddr_parse_one(el, len, &family, addr) == -1)
			return -1;
		if (!clientaddr_trusted(trusted, ntrusted, family, addr) ||
		    start == xff)
			break;
		end = start - 1;	/* the comma before this element */
	}
	clientaddr_fill(out, family, addr);
	return 0;
}
