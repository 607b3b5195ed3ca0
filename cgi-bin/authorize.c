/* SPDX-License-Identifier: ISC */
/*
 * authorize: the auth object in front of anything the web server serves
 * (static files, a CGI or PHP application, a proxied backend), so that
 * every verdict is userorders' own.
 *
 * In the FastCGI Authorizer role (FastCGI 1.0 §6.3: lighttpd's "mode" =>
 * "authorizer", Apache's mod_authnz_fcgi) a valid token answers 200 with
 * Variable-AUTH_USER and Variable-REMOTE_USER, which the server hands to
 * the protected handler as AUTH_USER and REMOTE_USER.  As a Responder (the
 * subrequest of nginx's auth_request) it answers 204 with X-Auth-User.
 * Anything else gets exactly what userorders answers: 401 missing_token or
 * the invalid status with invalid_token, WWW-Authenticate and the JSON
 * body; as a Responder also X-Auth-Error and X-Auth-Error-Description,
 * because nginx keeps only the status of a subrequest (and a 401's
 * WWW-Authenticate) and its error_page writes the body from them.
 *
 * The protected application may take form posts, which a browser sends
 * cross-site with the cookies: in cookie mode the access cookie counts
 * only for GET and HEAD, or when the request comes from the service's own
 * origin (docs/security.md, "The authorizer").  A bearer header counts for
 * every method: no other site can make a browser send it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/auth.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/server.h"
#include "common/service.h"
#include "common/token.h"
#include "common/username.h"

/*
 * Whether the request's Origin is the origin it was sent to: its scheme,
 * its Host header and port (RFC 6454 §6.1 serialises an origin as scheme
 * "://" host [":" port]).  Debian's nginx passes its $host as HTTP_HOST,
 * without the port: then the port is the one the request came in on.
 */
static int
authorize_same_origin(const struct request *req)
{
	const char	*origin = request_param(req, "HTTP_ORIGIN");
	const char	*host = request_param(req, "HTTP_HOST");
	const char	*https = request_param(req, "HTTPS");
	const char	*scheme = request_param(req, "REQUEST_SCHEME");
	const char	*port = request_param(req, "SERVER_PORT");
	size_t		 len;

	if (origin == NULL || host == NULL || *host == '\0')
		return 0;
	if ((https != NULL && strcasecmp(https, "on") == 0) ||
	    (scheme != NULL && strcasecmp(scheme, "https") == 0))
		scheme = "https://";
	else
		scheme = "http://";
	len = strlen(scheme);
	if (strncasecmp(origin, scheme, len) != 0)
		return 0;
	origin += len;
	len = strlen(host);
	if (strncasecmp(origin, host, len) != 0)
		return 0;
	if (origin[len] == '\0')
		return 1;
	/* A Host without a port: a name, or an IPv6 literal in brackets. */
	return origin[len] == ':' && port != NULL && *port != '\0' &&
	    strcmp(origin + len + 1, port) == 0 &&
	    (strchr(host, ':') == NULL || host[len - 1] == ']');
}

/*
 * Whether the access cookie may count for this request: a safe method
 * (RFC 9110 §9.2.1), or one from the service's own origin, as the browser
 * says in Sec-Fetch-Site or Origin.  A browser sends SameSite=Strict
 * cookies on no cross-site request, but "same-site" is wider than the
 * origin (a sibling subdomain, another port), and not every client is a
 * browser that honours it.
 */
static int
authorize_cookie_ok(const struct request *req)
{
	const char	*site = request_param(req, "HTTP_SEC_FETCH_SITE");

	if (strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0)
		return 1;
	if (site != NULL && strcmp(site, "same-origin") == 0)
		return 1;
	return authorize_same_origin(req);
}

/*
 * The Authorizer role's 200: the status and the Variable- lines alone.
 * Apache keeps an authorizer's other headers for the protected response
 * (lighttpd drops them), and the server ignores a 200's body.  The user
 * name is of the sign-up alphabet (token_verify checked it): safe in a
 * header line.
 */
static void
authorize_grant(struct request *req, const char *user)
{
	char	 head[160 + 2 * USERNAME_MAX];
	int	 n;

	n = snprintf(head, sizeof(head), "Status: 200 OK\r\n"
	    "Variable-AUTH_USER: %s\r\nVariable-REMOTE_USER: %s\r\n\r\n",
	    user, user);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		reply_error(req, 500, "server_error", "User name too long");
		return;
	}
	req->status = 200;
	(void)request_write(req, head, (size_t)n);
}

/* Every request, whatever its method and path: 200 or 204, 401 or 403. */
static void
authorize(struct request *req)
{
	struct auth_refusal	 why;
	const char		*role = request_param(req, "FCGI_ROLE");
	char			 user[USERNAME_MAX + 1];
	char			 hdr[512];
	int			 authorizer, n;

	authorizer = role != NULL && strcmp(role, "AUTHORIZER") == 0;
	if (auth_check(req, authorize_cookie_ok(req), user, &why) == 0) {
		if (authorizer)
			authorize_grant(req, user);
		else {
			n = snprintf(hdr, sizeof(hdr), "X-Auth-User: %s\r\n",
			    user);
			reply_json(req, 204, n > 0 && (size_t)n < sizeof(hdr) ?
			    hdr : NULL, NULL);
		}
		return;
	}
	if (authorizer)
		reply_bearer_error(req, why.status, why.code, why.msg);
	else {
		n = snprintf(hdr, sizeof(hdr), "X-Auth-Error: %s\r\n"
		    "X-Auth-Error-Description: %s\r\n", why.code, why.msg);
		reply_bearer_error_hdr(req, why.status,
		    n > 0 && (size_t)n < sizeof(hdr) ? hdr : NULL, why.code,
		    why.msg);
	}
}

static const struct route routes[] = {
	{ NULL,	NULL,	authorize },
};

/* Start-up: the authorizer verifies access tokens, as userorders does. */
static int
authorize_init(struct service *svc)
{
	return token_require(&svc->cfg, "authorize", 0, 1);
}

static const struct server_def def = {
	"authorize",
	"Answers whether a request carries a valid bearer token: a FastCGI "
	    "authorizer\n(lighttpd, Apache mod_authnz_fcgi) or an nginx "
	    "auth_request target.",
	routes, sizeof(routes) / sizeof(routes[0]), authorize_init,
};

int
main(int argc, char **argv)
{
	return server_main(&def, argc, argv);
}
