/* SPDX-License-Identifier: ISC */
/*
 * Security event lines.  They go where every other log line goes (the
 * FastCGI error stream, so the web server's error log; stderr as CGI).
 */
#include <stdio.h>
#include <string.h>

#include "common/clientaddr.h"
#include "common/request.h"
#include "common/rfc3339.h"
#include "common/seclog.h"

static const char *const seclog_names[SECLOG__MAX] = {
	"login_failed",
	"login_throttled",
	"login_throttled_name",
	"signup_throttled",
	"refresh_reuse",
};

void
seclog_user(char *buf, const char *user, size_t ulen)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	size_t			 i;

	if (user == NULL || ulen == 0) {
		memcpy(buf, "-", 2);
		return;
	}
	if (ulen > SECLOG_USER_MAX)
		ulen = SECLOG_USER_MAX;
	for (i = 0; i < ulen; i++) {
		c = (unsigned char)user[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '@' || c == '-')
			*buf++ = (char)c;
		else {
			*buf++ = '%';
			*buf++ = hex[c >> 4];
			*buf++ = hex[c & 0xf];
		}
	}
	*buf = '\0';
}

void
seclog(const struct request *req, enum seclog_event ev, const char *user,
    size_t ulen, const struct clientaddr *ca)
{
	char	 when[RFC3339_LEN + 1], name[SECLOG_USER_MAX * 3 + 1];

	if (rfc3339_utc(req->now, when) == -1)
		memcpy(when, "-", 2);
	seclog_user(name, user, ulen);
	request_log(req, "security: time=%s event=%s user=%s addr=%s", when,
	    seclog_names[ev], name, ca != NULL ? ca->text : "-");
}
