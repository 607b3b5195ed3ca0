/* SPDX-License-Identifier: ISC */
/*
 * Client addresses: REMOTE_ADDR, X-Forwarded-For from trusted proxies
 * only, IPv4-mapped IPv6 as IPv4, other IPv6 counted per /64, and the
 * request-level look-up that sees a header sent twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clientaddr.h"
#include "common/request.h"
#include "common/service.h"
#include "tests/unit/unit.h"

static struct netrange	*ranges;
static size_t		 nranges;

static void
trust(const char *list)
{
	free(ranges);
	CHECK_INT(clientaddr_parse_ranges(list, &ranges, &nranges), 0);
}

/* resolve() with the trusted ranges; "" for a refused request. */
static const char *
key_of(const char *remote, const char *xff, int nxff)
{
	static struct clientaddr	 ca;

	if (clientaddr_resolve(remote, xff, nxff, ranges, nranges, &ca) == -1)
		return "";
	return ca.key;
}

static const char *
text_of(const char *remote, const char *xff, int nxff)
{
	static struct clientaddr	 ca;

	if (clientaddr_resolve(remote, xff, nxff, ranges, nranges, &ca) == -1)
		return "";
	return ca.text;
}

static void
test_remote_addr_v4(void)
{
	trust("");
	CHECK_STR(key_of("192.0.2.7", NULL, 0), "192.0.2.7");
	CHECK_STR(text_of("192.0.2.7", NULL, 0), "192.0.2.7");
}

/* ::ffff:a.b.c.d is the IPv4 client a dual-stack socket saw. */
static void
test_v4_mapped_counts_as_v4(void)
{
	trust("");
	CHECK_STR(key_of("::ffff:192.0.2.7", NULL, 0), "192.0.2.7");
	CHECK_STR(text_of("::FFFF:192.0.2.7", NULL, 0), "192.0.2.7");
}

/* Every address of one /64 is one key; the text keeps the address. */
static void
test_v6_counts_per_64(void)
{
	trust("");
	CHECK_STR(key_of("2001:db8:1:2:aaaa::1", NULL, 0), "2001:db8:1:2::/64");
	CHECK_STR(key_of("2001:db8:1:2:ffff:ffff:ffff:ffff", NULL, 0),
	    "2001:db8:1:2::/64");
	CHECK_STR(key_of("2001:db8:1:3::1", NULL, 0), "2001:db8:1:3::/64");
	CHECK_STR(text_of("2001:db8:1:2:aaaa::1", NULL, 0),
	    "2001:db8:1:2:aaaa::1");
	CHECK_STR(key_of("::1", NULL, 0), "::/64");
}

/* No REMOTE_ADDR, or not an address: one shared "-". */
static void
test_no_remote_addr(void)
{
	trust("");
	CHECK_STR(key_of(NULL, NULL, 0), "-");
	CHECK_STR(key_of("unix:/run/x", NULL, 0), "-");
	CHECK_STR(text_of("", NULL, 0), "-");
}

/* From an untrusted peer, X-Forwarded-For is ignored, twice or not. */
static void
test_xff_ignored_from_untrusted_peer(void)
{
	trust("10.0.0.1");
	CHECK_STR(key_of("192.0.2.7", "203.0.113.9", 1), "192.0.2.7");
	CHECK_STR(key_of("192.0.2.7", "203.0.113.9", 2), "192.0.2.7");
	CHECK_STR(key_of("192.0.2.7", "garbage", 1), "192.0.2.7");
}

/* From a trusted one, the right-most element is the client. */
static void
test_xff_from_trusted_proxy(void)
{
	trust("10.0.0.0/8, ::1");
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9", 1), "203.0.113.9");
	CHECK_STR(key_of("10.1.2.3", "198.51.100.1, 203.0.113.9", 1),
	    "203.0.113.9");
	CHECK_STR(key_of("10.1.2.3", " 203.0.113.9 ", 1), "203.0.113.9");
	CHECK_STR(key_of("::1", "[2001:db8::5]", 1), "2001:db8::/64");
	CHECK_STR(text_of("::1", "::ffff:203.0.113.9", 1), "203.0.113.9");
	/* Control: just outside the range, the peer is the client. */
	CHECK_STR(key_of("11.0.0.1", "203.0.113.9", 1), "11.0.0.1");
	/* A trusted proxy that sent none: the proxy itself. */
	CHECK_STR(key_of("10.1.2.3", NULL, 0), "10.1.2.3");
}

/* Two proxies of ours in a row: from the right, the first address that is
 * not one of them is the client; what is left of it, the client wrote. */
static void
test_xff_through_two_proxies(void)
{
	trust("10.0.0.0/8");
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9, 10.0.0.5", 1),
	    "203.0.113.9");
	CHECK_STR(key_of("10.1.2.3", "6.6.6.6, 203.0.113.9,10.0.0.5", 1),
	    "203.0.113.9");
	/* Only proxies: the left-most is all there is. */
	CHECK_STR(key_of("10.1.2.3", "10.0.0.7, 10.0.0.5", 1), "10.0.0.7");
	/* A bad element on the way is refused; past the client, ignored. */
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9, junk", 1), "");
	CHECK_STR(key_of("10.1.2.3", "junk, 203.0.113.9, 10.0.0.5", 1),
	    "203.0.113.9");
}

/* Two fields, or a last element that is no address: refused. */
static void
test_xff_refused(void)
{
	trust("10.0.0.0/8");
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9", 2), "");
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9, evil", 1), "");
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9:8080", 1), "");
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9 1.2.3.4", 1), "");
	CHECK_STR(key_of("10.1.2.3", "", 1), "");
	CHECK_STR(key_of("10.1.2.3", "203.0.113.9,", 1), "");
}

/* Prefix lengths that do not end on a byte. */
static void
test_ranges_bits(void)
{
	trust("192.0.2.128/25 2001:db8::/33");
	CHECK_STR(key_of("192.0.2.200", "203.0.113.9", 1), "203.0.113.9");
	CHECK_STR(key_of("192.0.2.127", "203.0.113.9", 1), "192.0.2.127");
	CHECK_STR(key_of("2001:db8:7fff::1", "203.0.113.9", 1),
	    "203.0.113.9");
	CHECK_STR(key_of("2001:db8:8000::1", "203.0.113.9", 1),
	    "2001:db8:8000::/64");
	trust("0.0.0.0/0");
	CHECK_STR(key_of("198.51.100.1", "203.0.113.9", 1), "203.0.113.9");
}

static void
test_ranges_parse(void)
{
	struct netrange	*r = NULL;
	size_t		 n = 9;

	CHECK_INT(clientaddr_parse_ranges("", &r, &n), 0);
	CHECK_INT(n, 0);
	free(r);
	CHECK_INT(clientaddr_parse_ranges(" , ", &r, &n), 0);
	CHECK_INT(n, 0);
	free(r);
	CHECK_INT(clientaddr_parse_ranges("1.2.3.4,5.6.7.8 9.9.9.9/0 ::/0 "
	    "10.0.0.0/8", &r, &n), 0);
	CHECK_INT(n, 5);
	free(r);
	CHECK_INT(clientaddr_parse_ranges("1.2.3.4/-1", &r, &n), -1);
	CHECK_INT(clientaddr_parse_ranges("1.2.3.4/8x", &r, &n), -1);
	CHECK_INT(clientaddr_parse_ranges("1.2.3", &r, &n), -1);
	CHECK_INT(clientaddr_parse_ranges("/8", &r, &n), -1);
	CHECK_INT(n, 0);
}

/* The request look-up counts a parameter sent twice (as libfcgi hands
 * over two X-Forwarded-For lines: its own look-up sees the first). */
static void
test_request_sees_two_headers(void)
{
	char		 r[] = "REMOTE_ADDR=10.0.0.1";
	char		 x1[] = "HTTP_X_FORWARDED_FOR=6.6.6.6";
	char		 x2[] = "HTTP_X_FORWARDED_FOR=203.0.113.9";
	char		*one[] = { r, x2, NULL };
	char		*two[] = { r, x1, x2, NULL };
	struct service	 svc;
	struct request	 req;
	struct clientaddr ca;

	memset(&svc, 0, sizeof(svc));
	memset(&req, 0, sizeof(req));
	trust("10.0.0.1");
	svc.cfg.proxies = ranges;
	svc.cfg.nproxies = nranges;
	req.svc = &svc;
	req.envp = one;
	CHECK_INT(request_param_count(&req, "HTTP_X_FORWARDED_FOR"), 1);
	CHECK_INT(request_client(&req, &ca), 0);
	CHECK_STR(ca.key, "203.0.113.9");
	req.envp = two;
	CHECK_INT(request_param_count(&req, "HTTP_X_FORWARDED_FOR"), 2);
	CHECK_INT(request_param_count(&req, "HTTP_X_FORWARDED"), 0);
	CHECK_INT(request_client(&req, &ca), -1);
}

UNIT_TESTS(
	T(test_remote_addr_v4),
	T(test_v4_mapped_counts_as_v4),
	T(test_v6_counts_per_64),
	T(test_no_remote_addr),
	T(test_xff_ignored_from_untrusted_peer),
	T(test_xff_from_trusted_proxy),
	T(test_xff_through_two_proxies),
	T(test_xff_refused),
	T(test_ranges_bits),
	T(test_ranges_parse),
	T(test_request_sees_two_headers),
);
