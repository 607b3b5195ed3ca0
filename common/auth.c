/* SPDX-License-Identifier: ISC */
/*
 * The auth object of the tutorial's authenticateToken middleware, made
 * strict: 401 when there are no bearer credentials at all, the configured
 * invalid status (403 by default, as the tutorial) for a bad token.  In
 * cookie mode a request without an Authorization header may carry the
 * token in the access_token cookie instead.
 */
#include <string.h>

#include "common/auth.h"
#include "common/bearer.h"
#include "common/cookie.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/service.h"
#include "common/token.h"

int
auth_check(struct request *req, int cookie_ok, char *user,
    struct auth_refusal *why)
{
	const struct config	*cfg = &req->svc->cfg;
	char			 tok[TOKEN_MAX_LEN + 1];
	const char		*hdr, *p;
	size_t			 len;
	enum bearer_err		 berr;
	enum token_err		 rc;

	why->status = 401;
	why->code = "missing_token";
	hdr = request_param(req, "HTTP_AUTHORIZATION");
	/* Cookie mode: the header wins; the cookie serves when there is none. */
	if (cfg->cookies && (hdr == NULL || *hdr == '\0') &&
	    (p = cookie_get(req, COOKIE_ACCESS, &len)) != NULL) {
		if (!cookie_ok) {
			why->msg = "The access_token cookie is not accepted "
			    "on a cross-site request; send an Authorization: "
			    "Bearer token";
			return -1;
		}
		berr = BEARER_OK;
	} else
		berr = bearer_parse(hdr, &p, &len);
	switch (berr) {
	case BEARER_OK:
		break;
	case BEARER_MISSING:
		why->msg = "An Authorization: Bearer token is required";
		return -1;
	default:
		why->msg = "The Authorization header is not of the form "
		    "Bearer <token>";
		return -1;
	}
	if (len > TOKEN_MAX_LEN)
		rc = TOKEN_TOOLONG;
	else {
		memcpy(tok, p, len);
		tok[len] = '\0';
		rc = token_verify(cfg, tok, req->now, user);
	}
	if (rc != TOKEN_OK) {
		why->status = cfg->invalid_status;
		why->code = "invalid_token";
		why->msg = token_err_str(rc);
		return -1;
	}
	return 0;
}

int
auth_request(struct request *req, char *user)
{
	struct auth_refusal	 why;

	if (auth_check(req, 1, user, &why) == 0)
		return 0;
	reply_bearer_error(req, why.status, why.code, why.msg);
	return -1;
}
