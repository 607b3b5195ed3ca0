/* SPDX-License-Identifier: ISC */
/*
 * Throttling.  Each counter's key is a SHA-256 over a tag and the fields
 * it counts, each preceded by its length, so no two counters can share a
 * key and the store never holds a name or an address as such.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/clientaddr.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/seclog.h"
#include "common/service.h"
#include "common/store.h"
#include "common/throttle.h"

/* key = SHA-256(tag, len(a), a, len(b), b); b may be NULL. */
static void
throttle_key(unsigned char key[STORE_KEYLEN], char tag, const char *a,
    size_t alen, const char *b)
{
	crypto_hash_sha256_state	 h;
	uint32_t			 len;

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)&tag, 1);
	len = (uint32_t)alen;
	crypto_hash_sha256_update(&h, (const unsigned char *)&len,
	    sizeof(len));
	crypto_hash_sha256_update(&h, (const unsigned char *)a, alen);
	if (b != NULL) {
		len = (uint32_t)strlen(b);
		crypto_hash_sha256_update(&h, (const unsigned char *)&len,
		    sizeof(len));
		crypto_hash_sha256_update(&h, (const unsigned char *)b, len);
	}
	crypto_hash_sha256_final(&h, key);
}

/* How many of t's counters store_limit_take found full. */
static int
throttle_full(const struct throttle *t)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < t->n; i++)
		n += t->lim[i].full != 0;
	return n;
}

/* Take t's counters; 429 (logged as ev) when one is full. */
static int
throttle_take(struct request *req, struct throttle *t, enum seclog_event ev,
    const char *user, size_t ulen, const struct clientaddr *ca,
    const char *msg)
{
	const struct config	*cfg = &req->svc->cfg;
	char			 hdr[48];
	long			 retry;
	enum store_rc		 rc;

	t->taken_at = req->now;
	if (t->n == 0)
		return 0;
	rc = store_limit_take(req->svc->store, t->lim, t->n, req->now,
	    cfg->login_window, &retry);
	if (rc != STORE_OK) {
		t->n = 0;
		service_unavailable(req, rc);
		return -1;
	}
	if (retry == 0)
		return 0;
	/* Refused by the per-name limit alone: others filled it, and this
	 * client may be its owner.  Logged apart, so a tool that bans
	 * guessers does not ban the victim. */
	if (ev == SECLOG_LOGIN_THROTTLED && t->name >= 0 &&
	    t->lim[t->name].full && throttle_full(t) == 1)
		ev = SECLOG_LOGIN_THROTTLED_NAME;
	t->n = 0;
	seclog(req, ev, user, ulen, ca);
	snprintf(hdr, sizeof(hdr), "Retry-After: %ld\r\n", retry);
	reply_error_hdr(req, 429, hdr, "too_many_requests", msg);
	return -1;
}

int
throttle_login(struct request *req, const char *user, size_t ulen,
    const struct clientaddr *ca, struct throttle *t)
{
	const struct config	*cfg = &req->svc->cfg;
	struct store_limit	*l;
	int			 known = 0;
	enum store_rc		 rc;

	memset(t, 0, sizeof(*t));
	t->login = 1;
	t->name = -1;
	throttle_key(t->known, 'k', user, ulen, ca->key);
	if (cfg->login_max > 0) {
		l = &t->lim[t->n++];
		throttle_key(l->key, 'p', user, ulen, ca->key);
		l->max = cfg->login_max;
	}
	if (cfg->login_max_addr > 0) {
		l = &t->lim[t->n++];
		throttle_key(l->key, 'a', ca->key, strlen(ca->key), NULL);
		l->max = cfg->login_max_addr;
	}
	if (cfg->login_max_name > 0) {
		rc = store_login_known(req->svc->store, t->known,
		    req->now - cfg->refresh_ttl, &known);
		if (rc != STORE_OK) {
			t->n = 0;
			service_unavailable(req, rc);
			return -1;
		}
		t->name = (int)t->n;
		l = &t->lim[t->n++];
		throttle_key(l->key, 'n', user, ulen, NULL);
		/* From a known address it still counts, but never refuses. */
		l->max = known ? 0 : cfg->login_max_name;
	}
	return throttle_take(req, t, SECLOG_LOGIN_THROTTLED, user, ulen, ca,
	    "Too many failed logins; try again later");
}

void
throttle_login_ok(struct request *req, struct throttle *t)
{
	const struct config	*cfg = &req->svc->cfg;
	const struct store_limit *pair = NULL;
	size_t			 skip = 0;
	enum store_rc		 rc;

	/* The pair is the first counter when LOGIN_MAX_FAILURES is on. */
	if (cfg->login_max > 0 && t->n > 0) {
		pair = &t->lim[0];
		skip = 1;
	}
	rc = store_login_succeeded(req->svc->store, pair, t->lim + skip,
	    t->n > skip ? t->n - skip : 0, t->known, t->taken_at, req->now,
	    req->now - cfg->refresh_ttl);
	if (rc != STORE_OK)
		request_log(req, "%s: cannot settle the counters: %s",
		    __func__, store_errmsg(req->svc->store));
	t->n = 0;
}

int
throttle_signup(struct request *req, const char *user,
    const struct clientaddr *ca, struct throttle *t)
{
	const struct config	*cfg = &req->svc->cfg;

	memset(t, 0, sizeof(*t));
	t->name = -1;
	if (cfg->signup_max > 0) {
		throttle_key(t->lim[0].key, 's', ca->key, strlen(ca->key),
		    NULL);
		t->lim[0].max = cfg->signup_max;
		t->n = 1;
	}
	return throttle_take(req, t, SECLOG_SIGNUP_THROTTLED, user,
	    strlen(user), ca,
	    "Too many sign-ups from this address; try again later");
}

void
throttle_signup_ok(struct request *req, const char *user,
    const struct clientaddr *ca)
{
	const struct config	*cfg = &req->svc->cfg;
	unsigned char		 known[STORE_KEYLEN];

	throttle_key(known, 'k', user, strlen(user), ca->key);
	if (store_login_succeeded(req->svc->store, NULL, NULL, 0, known,
	    req->now, req->now, req->now - cfg->refresh_ttl) != STORE_OK)
		request_log(req, "%s: cannot remember the address: %s",
		    __func__, store_errmsg(req->svc->store));
}

void
throttle_give_back(struct request *req, struct throttle *t)
{
	if (t->n == 0)
		return;
	if (store_limit_give_back(req->svc->store, t->lim, t->n,
	    t->taken_at) != STORE_OK)
		request_log(req, "%s: cannot give back the counters: %s",
		    __func__, store_errmsg(req->svc->store));
	t->n = 0;
}
