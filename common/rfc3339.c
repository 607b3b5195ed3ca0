/* SPDX-License-Identifier: ISC */
/*
 * RFC 3339 UTC.  The date comes from the day number by the proleptic
 * Gregorian calendar counted in 400-year eras of 146097 days, with years
 * starting on 1 March so that the leap day falls at a year's end.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/rfc3339.h"

#define DAY		86400
#define MIN_T		(-62167219200LL)	/* 0000-01-01T00:00:00Z */
#define MAX_T		253402300799LL		/* 9999-12-31T23:59:59Z */

/* Two digits of v (0..99) at p. */
static void
rfc3339_2(char *p, int64_t v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

int
rfc3339_utc(int64_t t, char *buf)
{
	int64_t	 days, secs, era, doe, yoe, doy, mp, y, m, d;

	buf[0] = '\0';
	if (t < MIN_T || t > MAX_T)
		return -1;
	days = t / DAY;
	secs = t % DAY;
	if (secs < 0) {
		secs += DAY;
		days--;
	}
	days += 719468;			/* from 1970-01-01 to 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;			/* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* [0, 365] */
	mp = (5 * doy + 2) / 153;			/* March is 0 */
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);

	rfc3339_2(buf, y / 100);
	rfc3339_2(buf + 2, y % 100);
	buf[4] = '-';
	rfc3339_2(buf + 5, m);
	buf[7] = '-';
	rfc3339_2(buf + 8, d);
	buf[10] = 'T';
	rfc3339_2(buf + 11, secs / 3600);
	buf[13] = ':';
	rfc3339_2(buf + 14, secs / 60 % 60);
	buf[16] = ':';
	rfc3339_2(buf + 17, secs % 60);
	buf[19] = 'Z';
	buf[20] = '\0';
	return 0;
}

/* n digits at p as a number, or -1. */
static int64_t
rfc3339_num(const char *p, int n)
{
	int64_t	 v = 0;

	for (; n > 0; n--, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

int
rfc3339_parse(const char *s, int64_t *t)
{
	static const int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int64_t	 y, m, d, hh, mm, ss, era, yoe, doy, doe;
	size_t	 i;

	for (i = 0; i <= RFC3339_LEN; i++)
		if (s[i] == '\0')
			break;
	if (i != RFC3339_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	y = rfc3339_num(s, 4);
	m = rfc3339_num(s + 5, 2);
	d = rfc3339_num(s + 8, 2);
	hh = rfc3339_num(s + 11, 2);
	mm = rfc3339_num(s + 14, 2);
	ss = rfc3339_num(s + 17, 2);
	if (y < 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
		return -1;
	if (m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)))
		return -1;
	/* The inverse of rfc3339_utc's calendar: years start on 1 March. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*t = (era * 146097 + doe - 719468) * DAY + hh * 3600 + mm * 60 + ss;
	return 0;
}
