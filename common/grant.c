/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/cookie.h"
#include "common/grant.h"
#include "common/jsonout.h"
#include "common/reply.h"
#include "common/service.h"
#include "common/token.h"

/*
 * In cookie mode a token response says so beside its Set-Cookie lines,
 * which scripts cannot read: the browser page learns the mode without a
 * probe request that bearer mode would refuse (a red 401 in the console).
 */
#define AUTH_MODE_COOKIE	"Auth-Mode: cookie\r\n"

void
grant_reply(struct request *req, int status, const char *user,
    const char *rtok)
{
	const struct config	*cfg = &req->svc->cfg;
	struct json_object	*body = NULL;
	char			*access, cookies[2 * TOKEN_MAX_LEN];

	if ((access = token_sign(cfg, user, req->now)) == NULL) {
		request_log(req, "%s: cannot sign an access token", __func__);
		reply_error(req, 500, "server_error",
		    "The token could not be issued");
		return;
	}
	if ((body = json_object_new_object()) == NULL ||
	    jsonout_add(body, "access_token",
	    json_object_new_string(access)) == -1 ||
	    jsonout_add(body, "token_type",
	    json_object_new_string("Bearer")) == -1 ||
	    jsonout_add(body, "expires_in",
	    json_object_new_int64(cfg->access_ttl)) == -1 ||
	    jsonout_add(body, "refresh_token",
	    json_object_new_string(rtok)) == -1)
		reply_error(req, 500, "server_error", "Out of memory");
	else if (cfg->cookies && cookie_set(req, cookies,
	    sizeof(cookies) - strlen(AUTH_MODE_COOKIE), access, rtok) == -1)
		reply_error(req, 500, "server_error", "Cookies too long");
	else {
		if (cfg->cookies)
			memcpy(cookies + strlen(cookies), AUTH_MODE_COOKIE,
			    sizeof(AUTH_MODE_COOKIE));
		reply_json(req, status, cfg->cookies ? cookies : NULL, body);
	}
	json_object_put(body);
	sodium_memzero(cookies, sizeof(cookies));
	sodium_memzero(access, strlen(access));
	free(access);
}
