/* SPDX-License-Identifier: ISC */
/*
 * origin_normalize and origin_parse_list: one spelling per origin, as a
 * browser writes it in Origin, and nothing that is not an origin.
 */
#include <string.h>

#include "common/origin.h"
#include "tests/unit/unit.h"

/* The normalised form of s, or "(refused)". */
static const char *
norm(const char *s)
{
	static char	 out[ORIGIN_MAX];

	if (origin_normalize(s, strlen(s), out) == -1)
		return "(refused)";
	return out;
}

static void
test_plain_origins_unchanged(void)
{
	CHECK_STR(norm("http://localhost:3000"), "http://localhost:3000");
	CHECK_STR(norm("https://app.example.com"), "https://app.example.com");
	CHECK_STR(norm("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
}

static void
test_default_ports_dropped(void)
{
	CHECK_STR(norm("http://app.example:80"), "http://app.example");
	CHECK_STR(norm("https://app.example:443"), "https://app.example");
	CHECK_STR(norm("https://app.example:0443"), "https://app.example");
	/* The other scheme's default is a port like any other. */
	CHECK_STR(norm("http://app.example:443"), "http://app.example:443");
	CHECK_STR(norm("https://app.example:80"), "https://app.example:80");
}

static void
test_case_folded(void)
{
	CHECK_STR(norm("HTTPS://App.Example.COM"), "https://app.example.com");
}

static void
test_ipv6_canonical(void)
{
	CHECK_STR(norm("http://[::1]:3000"), "http://[::1]:3000");
	CHECK_STR(norm("http://[0:0:0:0:0:0:0:1]:3000"), "http://[::1]:3000");
	CHECK_STR(norm("https://[2001:DB8::1]"), "https://[2001:db8::1]");
}

static void
test_not_origins_refused(void)
{
	static const char *const bad[] = {
		"", "null", "*", "http://*.example.com", "https://*",
		"http://localhost:3000/", "https://app.example/path",
		"https://app.example?x", "https://app.example#x",
		"ftp://app.example", "file:///etc/passwd", "app.example",
		"//app.example", "http://", "http://:3000",
		"http://user@app.example", "http://app.example:",
		"http://app.example:0", "http://app.example:65536",
		"http://app.example:123456", "http://app.example:-1",
		"http://app..example", "http://.app.example",
		"http://app.example.", "http://app_example",
		"http://app example",
		"http://[::1", "http://[::1]x", "http://[fe80::1%eth0]",
		"http://[zz::1]", "http://caf\xc3\xa9.example",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strcmp(norm(bad[i]), "(refused)") != 0) {
			fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
			unit_failed = 1;
		}
}

static void
test_long_label_refused(void)
{
	char	 s[128] = "http://";

	memset(s + 7, 'a', 63);
	CHECK_STR(norm(s), s);
	s[7 + 63] = 'a';
	CHECK_STR(norm(s), "(refused)");
}

static void
test_list_commas_and_blanks(void)
{
	char	**list, bad[96];
	size_t	 n;

	CHECK_INT(origin_parse_list(" http://localhost:3000,\thttps://A.example"
	    ", , https://a.example:443 http://[::1]:5173 ", &list, &n, bad,
	    sizeof(bad)), 0);
	CHECK_INT(n, 3);	/* the duplicate kept once */
	if (n == 3) {
		CHECK_STR(list[0], "http://localhost:3000");
		CHECK_STR(list[1], "https://a.example");
		CHECK_STR(list[2], "http://[::1]:5173");
	}
	origin_list_free(list, n);
}

static void
test_list_empty(void)
{
	char	**list, bad[96];
	size_t	 n;

	CHECK_INT(origin_parse_list("", &list, &n, bad, sizeof(bad)), 0);
	CHECK_INT(n, 0);
	CHECK(list == NULL);
	CHECK_INT(origin_parse_list(" , ", &list, &n, bad, sizeof(bad)), 0);
	CHECK_INT(n, 0);
	origin_list_free(list, n);
}

static void
test_list_names_bad_entry(void)
{
	char	**list, bad[96];
	size_t	 n;

	CHECK_INT(origin_parse_list("http://localhost:3000 https://*.example",
	    &list, &n, bad, sizeof(bad)), -1);
	CHECK_STR(bad, "https://*.example");
	CHECK(list == NULL);
	CHECK_INT(n, 0);
	CHECK_INT(origin_parse_list("http://ok.example null", &list, &n, bad,
	    sizeof(bad)), -1);
	CHECK_STR(bad, "null");
}

UNIT_TESTS(
	T(test_plain_origins_unchanged),
	T(test_default_ports_dropped),
	T(test_case_folded),
	T(test_ipv6_canonical),
	T(test_not_origins_refused),
	T(test_long_label_refused),
	T(test_list_commas_and_blanks),
	T(test_list_empty),
	T(test_list_names_bad_entry),
);
