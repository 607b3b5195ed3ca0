/*
 * login: POST /api/createNewUser and POST /api/login.  Both answer the
 * token body: a signed access token and a refresh token.
 */
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/body.h"
#include "common/field.h"
#include "common/grant.h"
#include "common/pwhash.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/rtoken.h"
#include "common/server.h"
#include "common/store.h"
#include "common/strictjson.h"
#include "common/username.h"

#define PASSWORD_MIN	8
#define PASSWORD_MAX	1024

/*
 * POST /api/createNewUser {"username", "password"}: 201 with the token
 * body, 409 user_exists, 400 for a bad field.
 */
static void
create_user(struct request *req)
{
	const struct config	*cfg = &req->svc->cfg;
	struct json_object	*body;
	const char		*user, *pw;
	char			 hash[PWHASH_LEN], rtok[RTOKEN_LEN + 1];
	unsigned char		 rhash[RTOKEN_HASHLEN];
	size_t			 pwlen;
	enum store_rc		 rc;

	if ((body = body_json(req)) == NULL)
		return;
	if (field_username(req, body, &user) == -1 ||
	    field_string(req, body, "password", PASSWORD_MIN, PASSWORD_MAX,
	    &pw, &pwlen) == -1)
		goto out;
	if (pwhash_make(hash, pw, pwlen) == -1) {
		request_log(req, "%s: cannot hash a password", __func__);
		reply_error(req, 500, "server_error", "Out of memory");
		goto out;
	}
	rtoken_new(rtok, rhash);
	rc = store_user_create(req->svc->store, user, hash, rhash, req->now,
	    req->now + cfg->refresh_ttl);
	if (rc == STORE_EXISTS)
		reply_error(req, 409, "user_exists",
		    "That user name is taken");
	else if (rc != STORE_OK)
		reply_store_error(req, rc);
	else
		grant_reply(req, 201, user, rtok);
out:
	sodium_memzero(rtok, sizeof(rtok));
	json_object_put(body);
}

/*
 * Whether the user name key has had LOGIN_MAX_FAILURES failed logins in
 * its window: then 429 with Retry-After, before any password work.  The
 * key hashes the name as sent, so a name that does not exist is counted
 * and refused alike, and a lock lasts at most one window.  Returns 0, or
 * -1 after replying.
 */
static int
login_throttled(struct request *req, const unsigned char *key)
{
	const struct config	*cfg = &req->svc->cfg;
	char			 hdr[64];
	long			 retry;
	enum store_rc		 rc;

	if (cfg->login_max == 0)
		return 0;
	rc = store_login_check(req->svc->store, key, req->now,
	    cfg->login_window, cfg->login_max, &retry);
	if (rc != STORE_OK) {
		reply_store_error(req, rc);
		return -1;
	}
	if (retry == 0)
		return 0;
	snprintf(hdr, sizeof(hdr), "Retry-After: %ld\r\n", retry);
	reply_error_hdr(req, 429, hdr, "too_many_requests",
	    "Too many failed logins for this user name; try again later");
	return -1;
}

/*
 * POST /api/login {"username", "password"}: 200 with the token body, or
 * 401 invalid_credentials.  An unknown or impossible user name costs the
 * same Argon2id work as a wrong password, so the answer and its time are
 * the same.  429 too_many_requests after LOGIN_MAX_FAILURES failures.
 */
static void
login(struct request *req)
{
	const struct config	*cfg = &req->svc->cfg;
	struct json_object	*body;
	const char		*user, *pw;
	char			 hash[PWHASH_LEN], fresh[PWHASH_LEN];
	char			 rtok[RTOKEN_LEN + 1];
	unsigned char		 rhash[RTOKEN_HASHLEN];
	unsigned char		 key[STORE_LOGIN_KEYLEN];
	size_t			 ulen, pwlen;
	int			 ok, rehash;
	enum store_rc		 rc = STORE_NOTFOUND;

	if ((body = body_json(req)) == NULL)
		return;
	if (field_string(req, body, "username", 1, PASSWORD_MAX, &user,
	    &ulen) == -1 ||
	    field_string(req, body, "password", 1, PASSWORD_MAX, &pw,
	    &pwlen) == -1)
		goto out;
	crypto_hash_sha256(key, (const unsigned char *)user, ulen);
	if (login_throttled(req, key) != 0)
		goto out;
	if (username_valid(user, ulen))
		rc = store_user_hash(req->svc->store, user, hash);
	if (rc != STORE_OK && rc != STORE_NOTFOUND) {
		reply_store_error(req, rc);
		goto out;
	}
	ok = pwhash_check(rc == STORE_OK ? hash : NULL, pw, pwlen, &rehash);
	if (!ok) {
		if (cfg->login_max > 0 && (rc = store_login_failed(
		    req->svc->store, key, req->now, cfg->login_window)) !=
		    STORE_OK) {
			reply_store_error(req, rc);
			goto out;
		}
		reply_error(req, 401, "invalid_credentials",
		    "Wrong user name or password");
		goto out;
	}
	if (cfg->login_max > 0)
		(void)store_login_reset(req->svc->store, key);
	if (rehash && pwhash_make(fresh, pw, pwlen) == 0 &&
	    store_user_set_hash(req->svc->store, user, fresh) != STORE_OK)
		request_log(req, "%s: cannot store a rehashed password",
		    __func__);
	rtoken_new(rtok, rhash);
	rc = store_refresh_issue(req->svc->store, user, rhash, req->now,
	    req->now + cfg->refresh_ttl);
	if (rc != STORE_OK)
		reply_store_error(req, rc);
	else
		grant_reply(req, 200, user, rtok);
	sodium_memzero(rtok, sizeof(rtok));
out:
	json_object_put(body);
}

static int
login_init(struct service *svc)
{
	(void)svc;
	return pwhash_init();
}

static const struct route routes[] = {
	{ "/api/createNewUser",	"POST",	create_user },
	{ "/api/login",		"POST",	login },
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
