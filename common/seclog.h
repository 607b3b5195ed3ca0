/* SPDX-License-Identifier: ISC */
/*
 * Security events, one log line each in a fixed key=value form that a
 * tool such as fail2ban can match (deploy/fail2ban/):
 *
 *	<program>: security: time=2026-12-06T02:30:00Z event=login_failed
 *	    user=alice addr=192.0.2.7
 *
 * (on one line).  The user name is percent-encoded outside
 * A-Z a-z 0-9 . _ @ - and cut to SECLOG_USER_MAX bytes, so nothing a
 * client sends can add a field or a line; the address is one inet_ntop(3)
 * printed.  Never a password or a token.
 */
#ifndef COMMON_SECLOG_H
#define COMMON_SECLOG_H

#include <stddef.h>

#include "common/clientaddr.h"
#include "common/request.h"

#define SECLOG_USER_MAX	64	/* bytes of the name that are logged */

enum seclog_event {
	SECLOG_LOGIN_FAILED,	/* wrong password or unknown user: 401 */
	SECLOG_LOGIN_THROTTLED,	/* a login refused with 429 */
	SECLOG_LOGIN_THROTTLED_NAME, /* refused by the per-name limit alone,
				   which others filled: no sign of this
				   client guessing (fail2ban leaves it) */
	SECLOG_SIGNUP_THROTTLED, /* a sign-up refused with 429 */
	SECLOG_REFRESH_REUSE,	/* a spent refresh token: family revoked */
	SECLOG__MAX
};

/* Log ev for user (ulen bytes; NULL for none) from ca (NULL: unknown). */
void	seclog(const struct request *req, enum seclog_event ev,
	    const char *user, size_t ulen, const struct clientaddr *ca);

/*
 * Write the user field for user (ulen bytes) into buf (at least
 * SECLOG_USER_MAX * 3 + 1 bytes): "-" for none.  For tests.
 */
void	seclog_user(char *buf, const char *user, size_t ulen);

#endif
