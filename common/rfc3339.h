/* SPDX-License-Identifier: ISC */
/*
 * Timestamps as RFC 3339 UTC text ("2026-01-01T00:00:00Z"), written
 * without gmtime_r(3) and strftime(3): glibc's take a lock and look at TZ
 * on every call, and every order in a list has one.
 */
#ifndef COMMON_RFC3339_H
#define COMMON_RFC3339_H

#include <stdint.h>

#define RFC3339_LEN	20	/* characters, without the NUL */

/*
 * Write t (seconds since the epoch, UTC) into buf (RFC3339_LEN + 1 bytes).
 * Returns 0, or -1 with buf empty outside years 0000 to 9999.
 */
int	rfc3339_utc(int64_t t, char *buf);

/*
 * Read s, exactly the form rfc3339_utc writes (UTC, "Z", no fraction),
 * into *t.  Returns 0, or -1 on anything else or an impossible date.
 */
int	rfc3339_parse(const char *s, int64_t *t);

#endif
