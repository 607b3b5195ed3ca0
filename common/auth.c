/*
 * The auth object of the tutorial's authenticateToken middleware, made
 * strict: 401 when there are no bearer credentials at all, the configured
 * invalid status (403 by default, as the tutorial) for a bad token.
 */
#include <string.h>

#include "common/auth.h"
#include "common/bearer.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/token.h"

int
auth_request(struct request *req, char *user)
{
	const struct config	*cfg = &req->svc->cfg;
	char			 tok[TOKEN_MAX_LEN + 1];
	const char		*p;
	size_t			 len;
	enum token_err		 rc;

	switch (bearer_parse(request_param(req, "HTTP_AUTHORIZATION"), &p,
	    &len)) {
	case BEARER_OK:
		break;
	case BEARER_MISSING:
		reply_bearer_error(req, 401, "missing_token",
		    "An Authorization: Bearer token is required");
		return -1;
	default:
		reply_bearer_error(req, 401, "missing_token",
		    "The Authorization header is not of the form Bearer <token>");
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
		reply_bearer_error(req, cfg->invalid_status, "invalid_token",
		    token_err_str(rc));
		return -1;
	}
	return 0;
}
