/* SPDX-License-Identifier: ISC */
/*
 * login: POST /api/createNewUser and POST /api/login.  Both answer the
 * token body: a signed access token and a refresh token.
 */
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/body.h"
#include "common/clientaddr.h"
#include "common/field.h"
#include "common/grant.h"
#include "common/pwhash.h"
#include "common/pwslot.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/rtoken.h"
#include "common/seclog.h"
#include "common/server.h"
#include "common/service.h"
#include "common/store.h"
#include "common/strictjson.h"
#include "common/throttle.h"
#include "common/token.h"
#include "common/username.h"

#define PASSWORD_MIN	8
#define PASSWORD_MAX	1024

/*
 * The client's address, or -1 after a 400: a trusted proxy sent a
 * forwarded address that cannot be believed.
 */
static int
login_client(struct request *req, struct clientaddr *ca)
{
	if (request_client(req, ca) == 0)
		return 0;
	reply_error(req, 400, "invalid_request",
	    "X-Forwarded-For must be sent once, ending in an address");
	return -1;
}

/*
 * A hashing slot (PWHASH_MAX_CONCURRENT), waiting up to PWHASH_WAIT.
 * Returns 0 with *slot set, or -1 after a 503 with Retry-After: every
 * slot stayed busy, and a request that waits longer helps nobody.
 */
static int
login_slot(struct request *req, int *slot)
{
	const struct config	*cfg = &req->svc->cfg;
	int			 rc;

	rc = pwslot_take(cfg->pwhash_max, cfg->pwhash_wait * 1000, slot);
	if (rc == 0)
		return 0;
	if (rc == -1)
		request_log(req, "%s: cannot take a hashing slot", __func__);
	reply_error_hdr(req, 503, "Retry-After: 1\r\n", "service_unavailable",
	    "Too many passwords are being checked; try again shortly");
	return -1;
}

/*
 * POST /api/createNewUser {"username", "password"}: 201 with the token
 * body, 409 user_exists, 400 for a bad field, 429 past
 * SIGNUP_MAX_PER_ADDRESS, 503 when no hashing slot comes free.
 */
static void
create_user(struct request *req)
{
	const struct config	*cfg = &req->svc->cfg;
	struct json_object	*body;
	struct clientaddr	 ca;
	struct throttle		 t;
	const char		*user, *pw;
	char			 hash[PWHASH_LEN], rtok[RTOKEN_LEN + 1];
	unsigned char		 rhash[RTOKEN_HASHLEN];
	size_t			 pwlen;
	int			 slot, made;
	enum store_rc		 rc;

	if ((body = body_json(req)) == NULL)
		return;
	if (field_username(req, body, &user) == -1 ||
	    field_string(req, body, "password", PASSWORD_MIN, PASSWORD_MAX,
	    &pw, &pwlen) == -1 ||
	    login_client(req, &ca) == -1 ||
	    throttle_signup(req, user, &ca, &t) == -1)
		goto out;
	if (login_slot(req, &slot) == -1) {
		throttle_give_back(req, &t);
		goto out;
	}
	made = pwhash_make(hash, pw, pwlen);
	pwslot_release(slot);
	if (made == -1) {
		request_log(req, "%s: cannot hash a password", __func__);
		reply_error(req, 500, "server_error", "Out of memory");
		goto out;
	}
	rtoken_new(rtok, rhash);
	rc = store_user_create(req->svc->store, user, hash, rhash, req->now,
	    req->now + cfg->refresh_ttl, cfg->access_ttl + cfg->leeway);
	if (rc == STORE_EXISTS)
		reply_error(req, 409, "user_exists",
		    "That user name is taken");
	else if (rc != STORE_OK)
		service_unavailable(req, rc);
	else {
		throttle_signup_ok(req, user, &ca);
		grant_reply(req, 201, user, rtok);
	}
out:
	sodium_memzero(rtok, sizeof(rtok));
	json_object_put(body);
}

/*
 * Check pw for user under a hashing slot, rehashing a hash made at older
 * limits (only over the hash just verified: a password changed meanwhile
 * wins).  Returns 1 (match), 0 (no match), or -1 after a reply.
 */
static int
login_verify(struct request *req, const char *user, size_t ulen,
    const char *pw, size_t pwlen)
{
	struct store		*st = req->svc->store;
	char			 hash[PWHASH_LEN], fresh[PWHASH_LEN];
	int			 ok, rehash, slot;
	enum store_rc		 rc = STORE_NOTFOUND;

	if (login_slot(req, &slot) == -1)
		return -1;
	if (username_valid(user, ulen))
		rc = store_user_hash(st, user, hash);
	if (rc != STORE_OK && rc != STORE_NOTFOUND) {
		pwslot_release(slot);
		service_unavailable(req, rc);
		return -1;
	}
	ok = pwhash_check(rc == STORE_OK ? hash : NULL, pw, pwlen, &rehash);
	if (ok && rehash && pwhash_make(fresh, pw, pwlen) == 0 &&
	    (rc = store_user_rehash(st, user, hash, fresh)) != STORE_OK &&
	    rc != STORE_NOTFOUND)
		request_log(req, "%s: cannot store a rehashed password",
		    __func__);
	pwslot_release(slot);
	return ok;
}

/*
 * POST /api/login {"username", "password"}: 200 with the token body, or
 * 401 invalid_credentials.  An unknown or impossible user name costs the
 * same Argon2id work as a wrong password, so the answer and its time are
 * the same.  429 too_many_requests past a throttling limit (throttle.h),
 * 503 when no hashing slot comes free.
 */
static void
login(struct request *req)
{
	const struct config	*cfg = &req->svc->cfg;
	struct json_object	*body;
	struct clientaddr	 ca;
	struct throttle		 t;
	const char		*user, *pw;
	char			 rtok[RTOKEN_LEN + 1];
	unsigned char		 rhash[RTOKEN_HASHLEN];
	size_t			 ulen, pwlen;
	enum store_rc		 rc;

	if ((body = body_json(req)) == NULL)
		return;
	if (field_string(req, body, "username", 1, PASSWORD_MAX, &user,
	    &ulen) == -1 ||
	    field_string(req, body, "password", 1, PASSWORD_MAX, &pw,
	    &pwlen) == -1 ||
	    login_client(req, &ca) == -1 ||
	    throttle_login(req, user, ulen, &ca, &t) == -1)
		goto out;
	switch (login_verify(req, user, ulen, pw, pwlen)) {
	case -1:
		throttle_give_back(req, &t);
		goto out;
	case 0:
		seclog(req, SECLOG_LOGIN_FAILED, user, ulen, &ca);
		reply_error(req, 401, "invalid_credentials",
		    "Wrong user name or password");
		goto out;
	}
	throttle_login_ok(req, &t);
	rtoken_new(rtok, rhash);
	rc = store_refresh_issue(req->svc->store, user, rhash, req->now,
	    req->now + cfg->refresh_ttl);
	if (rc == STORE_NOTFOUND)	/* deleted or disabled meanwhile */
		reply_error(req, 401, "invalid_credentials",
		    "Wrong user name or password");
	else if (rc != STORE_OK)
		service_unavailable(req, rc);
	else
		grant_reply(req, 200, user, rtok);
	sodium_memzero(rtok, sizeof(rtok));
out:
	json_object_put(body);
}

static int
login_init(struct service *svc)
{
	const struct config	*cfg = &svc->cfg;

	if (token_require(cfg, "login", 1, 0) == -1)
		return -1;
	if (cfg->pwhash_lock != NULL)
		pwslot_init_file(cfg->pwhash_lock);
	else if (cfg->database_path != NULL)
		pwslot_init(cfg->database_path);
	else if (cfg->pwhash_max > 0) {
		/* PostgreSQL: no file of ours on this machine to lock. */
		fprintf(stderr, "%s: PWHASH_LOCK_FILE: not set; with "
		    "DATABASE_URL the hashing slots need a file on this "
		    "machine (or PWHASH_MAX_CONCURRENT=0)\n", svc->name);
		return -1;
	}
	if (pwhash_init() == -1) {
		fprintf(stderr, "%s: cannot set up password hashing (libsodium's "
		    "Argon2id)\n", svc->name);
		return -1;
	}
	return 0;
}

static const struct route routes[] = {
	{ "/api/createNewUser",	"POST",	create_user },
	{ "/api/login",		"POST",	login },
	{ "/api/health",	"GET",	service_health },
};

static const struct server_def def = {
	"login",
	"Signs users up and logs them in: answers an access token (JWT) and "
	"a refresh token.",
	routes, sizeof(routes) / sizeof(routes[0]), login_init,
};

int
main(int argc, char **argv)
{
	return server_main(&def, argc, argv);
}
