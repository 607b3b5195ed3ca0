/* SPDX-License-Identifier: ISC */
/*
 * rfc3339_utc against gmtime_r, whose result it replaced: fixed
 * dates around leap days and century rules, every day of 1969 to 2101,
 * random seconds over years 0000 to 9999, and the refusals outside them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/rfc3339.h"
#include "tests/unit/unit.h"

static int	 shown;	/* disagreements printed so far */

/*
 * libc's fields for t, written with four year digits as RFC 3339 wants
 * (strftime's %Y writes year 7 as "7").
 */
static void
libc_format(int64_t t, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec) < 0)
		buf[0] = '\0';
}

static int
agrees(int64_t t)
{
	char	 ours[RFC3339_LEN + 1], libc[64];

	libc_format(t, libc, sizeof(libc));
	if (rfc3339_utc(t, ours) != 0 || strcmp(ours, libc) != 0) {
		if (shown++ < 5)
			fprintf(stderr, "  t=%lld: ours \"%s\", libc \"%s\"\n",
			    (long long)t, ours, libc);
		return 0;
	}
	return 1;
}

static void
test_fixed_dates(void)
{
	char	 buf[RFC3339_LEN + 1];

	CHECK_INT(rfc3339_utc(0, buf), 0);
	CHECK_STR(buf, "1970-01-01T00:00:00Z");
	CHECK_INT(rfc3339_utc(1767225600, buf), 0);
	CHECK_STR(buf, "2026-01-01T00:00:00Z");
	CHECK_INT(rfc3339_utc(951782400, buf), 0);	/* a 400-year leap */
	CHECK_STR(buf, "2000-02-29T00:00:00Z");
	CHECK_INT(rfc3339_utc(4107542399LL, buf), 0);	/* 2100: no leap */
	CHECK_STR(buf, "2100-02-28T23:59:59Z");
	CHECK_INT(rfc3339_utc(4107542400LL, buf), 0);
	CHECK_STR(buf, "2100-03-01T00:00:00Z");
	CHECK_INT(rfc3339_utc(-1, buf), 0);
	CHECK_STR(buf, "1969-12-31T23:59:59Z");
}

static void
test_every_day_1969_to_2101(void)
{
	int64_t	 t;
	int	 bad = 0;

	for (t = -86400LL * 366; t < 4133894400LL; t += 86400)
		bad += !agrees(t) + !agrees(t + 86399);
	CHECK_INT(bad, 0);
}

static void
test_random_years_0_to_9999(void)
{
	int64_t	 lo = -62167219200LL, hi = 253402300799LL, t;
	uint64_t r;
	int	 i, bad = 0;

	bad += !agrees(lo) + !agrees(hi);
	for (i = 0; i < 200000; i++) {
		randombytes_buf(&r, sizeof(r));
		t = lo + (int64_t)(r % (uint64_t)(hi - lo + 1));
		bad += !agrees(t);
	}
	CHECK_INT(bad, 0);
}

static void
test_out_of_range_refused(void)
{
	char	 buf[RFC3339_LEN + 1];

	CHECK_INT(rfc3339_utc(-62167219201LL, buf), -1);
	CHECK_STR(buf, "");
	CHECK_INT(rfc3339_utc(253402300800LL, buf), -1);
	CHECK_STR(buf, "");
	CHECK_INT(rfc3339_utc(INT64_MAX, buf), -1);
	CHECK_INT(rfc3339_utc(INT64_MIN, buf), -1);
	/* The positive controls: the ends themselves. */
	CHECK_INT(rfc3339_utc(-62167219200LL, buf), 0);
	CHECK_STR(buf, "0000-01-01T00:00:00Z");
	CHECK_INT(rfc3339_utc(253402300799LL, buf), 0);
	CHECK_STR(buf, "9999-12-31T23:59:59Z");
}

/* rfc3339_parse reads back what rfc3339_utc writes, over random times. */
static void
test_parse_round_trip(void)
{
	char	 buf[RFC3339_LEN + 1];
	int64_t	 t, back;
	int	 i, bad = 0;

	for (i = 0; i < 100000; i++) {
		t = (int64_t)randombytes_uniform(UINT32_MAX) * 60 -
		    62167219200LL + randombytes_uniform(60);
		if (rfc3339_utc(t, buf) == -1)
			continue;
		if (rfc3339_parse(buf, &back) == -1 || back != t)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(rfc3339_parse("1970-01-01T00:00:00Z", &t) == 0 && t == 0);
	CHECK(rfc3339_parse("2024-02-29T12:00:00Z", &t) == 0);
}

/* Anything but that exact form, or a day that does not exist, is refused. */
static void
test_parse_refuses(void)
{
	static const char *const bad[] = {
		"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00z",
		"2026-01-01 00:00:00Z", "2026-01-01T00:00:00+00:00",
		"2026-01-01T00:00:00.5Z", "2026-13-01T00:00:00Z",
		"2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z",
		"2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
		"2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"2026-01-01T00:00:60Z", "2026-01-01T00:00:00Zx", "+026-01-01T00:00:00Z",
	};
	int64_t	 t;
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(rfc3339_parse(bad[i], &t) == -1);
	CHECK(rfc3339_parse("2000-02-29T00:00:00Z", &t) == 0);
}

UNIT_TESTS(
	T(test_parse_round_trip),
	T(test_parse_refuses),
	T(test_fixed_dates),
	T(test_every_day_1969_to_2101),
	T(test_random_years_0_to_9999),
	T(test_out_of_range_refused),
);
