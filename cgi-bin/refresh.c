/* SPDX-License-Identifier: ISC */
/*
 * refresh: POST /api/token (rotate a refresh token for a new access
 * token) and POST /api/logout (revoke a refresh token's family).
 */
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/body.h"
#include "common/clientaddr.h"
#include "common/cookie.h"
#include "common/field.h"
#include "common/grant.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/rtoken.h"
#include "common/seclog.h"
#include "common/server.h"
#include "common/service.h"
#include "common/store.h"
#include "common/token.h"
#include "common/username.h"

/*
 * The refresh_token field of the body, hashed; in cookie mode a body
 * without the field ({}) takes the refresh_token cookie instead, which the
 * page's script cannot read.  Returns 0, 1 when the value cannot be one of
 * ours (no look-up needed), -1 after a reply.
 */
static int
refresh_field(struct request *req, struct json_object **body,
    unsigned char hash[RTOKEN_HASHLEN])
{
	const char	*tok;
	size_t		 len;

	if ((*body = body_json(req)) == NULL)
		return -1;
	if (req->svc->cfg.cookies &&
	    !json_object_object_get_ex(*body, "refresh_token", NULL)) {
		if ((tok = cookie_get(req, COOKIE_REFRESH, &len)) == NULL)
			return 1;
	} else if (field_string(req, *body, "refresh_token", 0,
	    REQUEST_BODY_MAX, &tok, &len) == -1)
		return -1;	/* not a string: a 400; any string is a token */
	return rtoken_hash(tok, len, hash) == 0 ? 0 : 1;
}

/* 204, clearing the cookies in cookie mode. */
static void
logout_done(struct request *req)
{
	char	 hdr[1024];

	if (req->svc->cfg.cookies && cookie_clear(req, hdr, sizeof(hdr)) == 0)
		reply_json(req, 204, hdr, NULL);
	else
		reply_empty(req, 204);
}

static void
refresh_invalid(struct request *req)
{
	reply_bearer_error(req, req->svc->cfg.invalid_status, "invalid_token",
	    "The refresh token is invalid, expired or revoked");
}

/*
 * POST /api/token {"refresh_token"}: 200 with a new token body; the old
 * token is spent.  A spent token presented again revokes its family,
 * and is logged as a security event.
 */
static void
token_refresh(struct request *req)
{
	const struct config	*cfg = &req->svc->cfg;
	struct json_object	*body = NULL;
	struct clientaddr	 ca;
	unsigned char		 old[RTOKEN_HASHLEN], new[RTOKEN_HASHLEN];
	char			 rtok[RTOKEN_LEN + 1];
	char			 user[USERNAME_MAX + 1];
	enum store_rc		 rc;

	switch (refresh_field(req, &body, old)) {
	case -1:
		goto out;
	case 1:
		refresh_invalid(req);
		goto out;
	}
	rtoken_new(rtok, new);
	rc = store_refresh_rotate(req->svc->store, old, new, req->now,
	    req->now + cfg->refresh_ttl, user);
	if (rc == STORE_REUSED) {
		/* A copy is loose: someone may hold the user's session. */
		seclog(req, SECLOG_REFRESH_REUSE, user, strlen(user),
		    request_client(req, &ca) == 0 ? &ca : NULL);
		refresh_invalid(req);
	} else if (rc == STORE_INVALID)
		refresh_invalid(req);
	else if (rc != STORE_OK)
		service_unavailable(req, rc);
	else
		grant_reply(req, 200, user, rtok);
	sodium_memzero(rtok, sizeof(rtok));
out:
	json_object_put(body);
}

/* POST /api/logout {"refresh_token"}: 204, idempotent. */
static void
logout(struct request *req)
{
	struct json_object	*body = NULL;
	unsigned char		 hash[RTOKEN_HASHLEN];
	enum store_rc		 rc;

	switch (refresh_field(req, &body, hash)) {
	case -1:
		goto out;
	case 1:
		logout_done(req);
		goto out;
	}
	rc = store_refresh_revoke(req->svc->store, hash, req->now);
	if (rc != STORE_OK)
		service_unavailable(req, rc);
	else
		logout_done(req);
out:
	json_object_put(body);
}

/* Start-up: refresh signs access tokens. */
static int
refresh_init(struct service *svc)
{
	return token_require(&svc->cfg, "refresh", 1, 0);
}

static const struct route routes[] = {
	{ "/api/token",		"POST",	token_refresh },
	{ "/api/logout",	"POST",	logout },
};

static const struct server_def def = {
	"refresh",
	"Trades a refresh token for a new access token (rotating it), and "
	"logs out.",
	routes, sizeof(routes) / sizeof(routes[0]), refresh_init,
};

int
main(int argc, char **argv)
{
	return server_main(&def, argc, argv);
}
