/* SPDX-License-Identifier: ISC */
/*
 * Cookies, RFC 6265.  Values we set are base64url tokens, so they need no
 * quoting; a value we read goes through the same checks as a bearer token.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/cookie.h"
#include "common/request.h"
#include "common/service.h"

const char *
cookie_get(const struct request *req, const char *name, size_t *len)
{
	const char	*p, *v;
	size_t		 nlen = strlen(name);

	if ((p = request_param(req, "HTTP_COOKIE")) == NULL)
		return NULL;
	/* cookie-string = cookie-pair *( ";" SP cookie-pair ), RFC 6265 §4.2.1;
	 * servers join several Cookie headers with "; " too. */
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			v = p + nlen + 1;
			*len = strcspn(v, ";");
			while (*len > 0 && (v[*len - 1] == ' ' ||
			    v[*len - 1] == '\t'))
				(*len)--;
			return *len > 0 ? v : NULL;
		}
		p += strcspn(p, ";");
	}
	return NULL;
}

/*
 * Secure, except over plain http to a loopback origin (the development
 * set-up of `make run`), where a browser would drop a Secure cookie.  The
 * origin is the Host the browser asked for, not the peer address: behind
 * a TLS proxy on the same machine the peer is 127.0.0.1 too.
 */
static const char *
cookie_secure(const struct request *req)
{
	const char	*https = request_param(req, "HTTPS");
	const char	*host = request_param(req, "HTTP_HOST");
	size_t		 len;

	/* Browsers drop SameSite=None without Secure (RFC 6265bis §5.6.7);
	 * they keep a Secure cookie from http://localhost all the same. */
	if (strcmp(req->svc->cfg.samesite, "None") == 0)
		return "; Secure";
	if (https != NULL && strcasecmp(https, "on") == 0)
		return "; Secure";
	if (host == NULL)
		host = request_param(req, "SERVER_NAME");
	if (host == NULL)
		return "; Secure";
	if (strncmp(host, "[::1]", 5) == 0)
		len = 5;
	else
		len = strcspn(host, ":");
	if ((len == 5 && strncmp(host, "[::1]", 5) == 0) ||
	    (len == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	    (len >= 4 && strncmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") == len))
		return (host[len] == '\0' || host[len] == ':') ? "" :
		    "; Secure";
	return "; Secure";
}

/*
 * One Set-Cookie line; value "" with max_age 0 clears the cookie.
 * samesite is AUTH_COOKIE_SAMESITE (Strict unless set); secure is
 * "; Secure" or "".
 */
static int
cookie_line(char *buf, size_t len, const char *name, const char *value,
    const char *path, long max_age, const char *samesite, const char *secure)
{
	int	 n;

	n = snprintf(buf, len, "Set-Cookie: %s=%s; Path=%s; Max-Age=%ld; "
	    "HttpOnly; SameSite=%s%s\r\n", name, value, path, max_age,
	    samesite, secure);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/*
 * A browser keeps an access cookie set on another Path (AUTH_COOKIE_PATH
 * changed since) as a second cookie of the same name, and sends the one
 * with the longer path first (RFC 6265 §5.4): with a wider AUTH_COOKIE_PATH
 * a stale one on the default path would win at /api/userOrders until it
 * expired.  So the default path's cookie is cleared too.  Returns the
 * bytes written, 0 when the path is the default, or -1.
 */
static int
cookie_stale(const struct request *req, char *buf, size_t len,
    const char *secure)
{
	if (strcmp(req->svc->cfg.cookie_path, COOKIE_ACCESS_PATH) == 0)
		return 0;
	return cookie_line(buf, len, COOKIE_ACCESS, "", COOKIE_ACCESS_PATH, 0,
	    req->svc->cfg.samesite, secure);
}

int
cookie_set(const struct request *req, char *buf, size_t len,
    const char *access, const char *refresh)
{
	const struct config	*cfg = &req->svc->cfg;
	const char		*secure = cookie_secure(req);
	int			 n, m;

	if ((n = cookie_stale(req, buf, len, secure)) == -1 ||
	    (m = cookie_line(buf + n, len - (size_t)n, COOKIE_ACCESS, access,
	    cfg->cookie_path, cfg->access_ttl, cfg->samesite, secure)) == -1)
		return -1;
	n += m;
	if (cookie_line(buf + n, len - (size_t)n, COOKIE_REFRESH, refresh,
	    COOKIE_REFRESH_PATH, cfg->refresh_ttl, cfg->samesite, secure) == -1)
		return -1;
	return 0;
}

int
cookie_clear(const struct request *req, char *buf, size_t len)
{
	const char	*samesite = req->svc->cfg.samesite;
	const char	*secure = cookie_secure(req);
	int		 n, m;

	if ((n = cookie_stale(req, buf, len, secure)) == -1 ||
	    (m = cookie_line(buf + n, len - (size_t)n, COOKIE_ACCESS, "",
	    req->svc->cfg.cookie_path, 0, samesite, secure)) == -1)
		return -1;
	n += m;
	return cookie_line(buf + n, len - (size_t)n, COOKIE_REFRESH, "",
	    COOKIE_REFRESH_PATH, 0, samesite, secure) == -1 ? -1 : 0;
}
