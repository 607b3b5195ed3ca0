/* SPDX-License-Identifier: ISC */
/*
 * The bench's users, made straight through the store instead of the API:
 * signing up a thousand users would cost a thousand Argon2id hashes (~50 ms
 * each), and the GET, POST and refresh cases never log in.  Reads the
 * service's own configuration (TOKEN_SECRET_FILE, ENV_FILE, DATABASE_PATH,
 * as the workers do), so the tokens are signed by token_sign with the same
 * key and the rows go in through store_open's schema.
 *
 *	seed USERS ORDERS PASSWORD OUTDIR
 *
 * makes users bench-0 .. bench-(USERS - 1), each with ORDERS orders, one
 * password hash (of PASSWORD, made once) shared by all, and the first
 * refresh token of a session each; then writes OUTDIR/access (one access
 * token a line), OUTDIR/refresh (one refresh token a line) and
 * OUTDIR/users (one name a line), in the same order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/config.h"
#include "common/pwhash.h"
#include "common/rtoken.h"
#include "common/store.h"
#include "common/token.h"
#include "common/username.h"

/* Open OUTDIR/name for writing; NULL with a message on failure. */
static FILE *
seed_out(const char *dir, const char *name)
{
	char	 path[4096];
	FILE	*f = NULL;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		fprintf(stderr, "seed: %s: path too long\n", dir);
	else if ((f = fopen(path, "w")) == NULL)
		fprintf(stderr, "seed: %s: %s\n", path, strerror(errno));
	return f;
}

/* One user with its orders and a session; its tokens to the files. */
static int
seed_user(struct config *cfg, struct store *st, const char *hash, long u,
    long orders, time_t now, FILE *acc, FILE *ref, FILE *names)
{
	unsigned char	 rhash[RTOKEN_HASHLEN];
	char		 rtok[RTOKEN_LEN + 1], item[32];
	char		 user[USERNAME_MAX + 1];
	char		*tok = NULL;
	struct order	 o;
	enum store_rc	 rc;
	long		 i;
	int		 ret = -1;

	(void)snprintf(user, sizeof(user), "bench-%ld", u);
	rtoken_new(rtok, rhash);
	rc = store_user_create(st, user, hash, rhash, now,
	    now + cfg->refresh_ttl, cfg->access_ttl + cfg->leeway);
	for (i = 0; i < orders && rc == STORE_OK; i++) {
		(void)snprintf(item, sizeof(item), "item %ld", i + 1);
		rc = store_order_add(st, user, item, (int)(i % 9) + 1, now,
		    &o);
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "seed: %s: %s\n", user, store_errmsg(st));
		goto out;
	}
	if ((tok = token_sign(cfg, user, now)) == NULL) {
		fprintf(stderr, "seed: cannot sign a token for %s\n", user);
		goto out;
	}
	if (fprintf(acc, "%s\n", tok) < 0 || fprintf(ref, "%s\n", rtok) < 0 ||
	    fprintf(names, "%s\n", user) < 0) {
		fprintf(stderr, "seed: cannot write: %s\n", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(tok);
	sodium_memzero(rtok, sizeof(rtok));
	return ret;
}

int
main(int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st = NULL;
	FILE		*acc = NULL, *ref = NULL, *names = NULL;
	char		 err[512], hash[PWHASH_LEN];
	long		 users, orders, u;
	time_t		 now = time(NULL);
	int		 ret = 1;

	memset(&cfg, 0, sizeof(cfg));
	if (argc != 5 || (users = atol(argv[1])) < 1 ||
	    (orders = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: seed USERS ORDERS PASSWORD OUTDIR\n");
		return 2;
	}
	if (sodium_init() < 0 || pwhash_init() == -1) {
		fprintf(stderr, "seed: libsodium will not start\n");
		return 1;
	}
	if (config_load(&cfg, err, sizeof(err)) == -1 ||
	    token_init(&cfg, err, sizeof(err)) == -1 ||
	    (st = store_connect(cfg.database_url,
	    cfg.database_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "seed: %s\n", err);
		goto out;
	}
	/* One hash for all: only the login case checks it. */
	if (pwhash_make(hash, argv[3], strlen(argv[3])) == -1) {
		fprintf(stderr, "seed: cannot hash the password\n");
		goto out;
	}
	if ((acc = seed_out(argv[4], "access")) == NULL ||
	    (ref = seed_out(argv[4], "refresh")) == NULL ||
	    (names = seed_out(argv[4], "users")) == NULL)
		goto out;
	for (u = 0; u < users; u++)
		if (seed_user(&cfg, st, hash, u, orders, now, acc, ref,
		    names) == -1)
			goto out;
	ret = 0;
out:
	if (acc != NULL && fclose(acc) != 0)
		ret = 1;
	if (ref != NULL && fclose(ref) != 0)
		ret = 1;
	if (names != NULL && fclose(names) != 0)
		ret = 1;
	store_close(st);
	token_fini(&cfg);
	config_free(&cfg);
	return ret;
}
