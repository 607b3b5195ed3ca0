/* SPDX-License-Identifier: ISC */
/*
 * CORS answers.  The origin a header names is the configured one, never
 * the bytes the client sent: a request's Origin is normalised and looked
 * up, and only a match is answered (reply.c: no client data in headers).
 */
#include <stdio.h>
#include <string.h>

#include "common/cors.h"
#include "common/origin.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/service.h"

/*
 * What a page's script may read besides the simple response headers: a
 * 429's or 503's wait, the bearer challenge, and whether the tokens
 * travel as cookies.
 */
#define CORS_EXPOSE	"Retry-After, WWW-Authenticate, Auth-Mode"
/* What a page may send: the token and the JSON body's type. */
#define CORS_ALLOW_HEADERS	"Authorization, Content-Type"

static char	cors_lines[ORIGIN_MAX + 256];

/* The listed origin the request comes from, or NULL. */
static const char *
cors_listed(const struct request *req)
{
	const struct config	*cfg = &req->svc->cfg;
	const char		*o;
	char			 norm[ORIGIN_MAX];
	size_t			 i;

	if (cfg->ncors_origins == 0 ||
	    (o = request_param(req, "HTTP_ORIGIN")) == NULL ||
	    origin_normalize(o, strlen(o), norm) == -1)
		return NULL;
	for (i = 0; i < cfg->ncors_origins; i++)
		if (strcmp(cfg->cors_origins[i], norm) == 0)
			return cfg->cors_origins[i];
	return NULL;
}

void
cors_begin(struct request *req)
{
	const char	*o;
	int		 n;

	req->cors = NULL;
	if ((o = cors_listed(req)) == NULL)
		return;
	/*
	 * Credentials only in cookie mode: a bearer page sends none, and
	 * a browser then never attaches our cookies to its requests.
	 */
	n = snprintf(cors_lines, sizeof(cors_lines),
	    "Access-Control-Allow-Origin: %s\r\n%s"
	    "Access-Control-Expose-Headers: " CORS_EXPOSE "\r\n"
	    "Vary: Origin\r\n", o, req->svc->cfg.cookies ?
	    "Access-Control-Allow-Credentials: true\r\n" : "");
	if (n > 0 && (size_t)n < sizeof(cors_lines))
		req->cors = cors_lines;
}

int
cors_is_preflight(const struct request *req)
{
	const char	*m;

	return req->svc->cfg.ncors_origins > 0 &&
	    strcmp(req->method, "OPTIONS") == 0 &&
	    (m = request_param(req, "HTTP_ACCESS_CONTROL_REQUEST_METHOD")) !=
	    NULL && *m != '\0';
}

void
cors_preflight(struct request *req, const char *methods)
{
	char	 hdr[256];
	int	 n;

	if (req->cors == NULL) {
		reply_error(req, 403, "origin_not_allowed",
		    "This origin may not call the API from a browser");
		return;
	}
	n = snprintf(hdr, sizeof(hdr), "Access-Control-Allow-Methods: %s\r\n"
	    "Access-Control-Allow-Headers: " CORS_ALLOW_HEADERS "\r\n"
	    "Access-Control-Max-Age: %ld\r\n", methods,
	    req->svc->cfg.cors_max_age);
	if (n < 0 || (size_t)n >= sizeof(hdr)) {
		reply_error(req, 500, "server_error", "Response too long");
		return;
	}
	reply_json(req, 204, hdr, NULL);
}
