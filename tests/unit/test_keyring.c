/* SPDX-License-Identifier: ISC */
/*
 * The key files (common/keyring.c): loaded at start, looked at again at
 * most once a second, replaced by rename and picked up; a file that does
 * not load leaves the keys there were; a kid is looked up exactly; SIGHUP
 * stops nothing, with or without files.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/jwk.h"
#include "common/keyring.h"
#include "common/token.h"
#include "tests/unit/tokenkit.h"
#include "tests/unit/unit.h"

static char	 dir[] = "/tmp/test_keyring.XXXXXX";
static char	 pem_path[64], set_path[64];

/* A fresh Ed25519 pair at pem_path and set_path; its kid into kid. */
static void
write_pair(char *kid)
{
	tokenkit_pair(dir, pem_path, set_path, kid);
}

static void
setup(void)
{
	if (dir[sizeof(dir) - 2] == 'X' && mkdtemp(dir) == NULL)
		exit(2);
	snprintf(pem_path, sizeof(pem_path), "%s/key.pem", dir);
	snprintf(set_path, sizeof(set_path), "%s/jwks.json", dir);
}

static void
test_reload_after_rename(void)
{
	struct keyring	*kr;
	char		 k0[JWK_KID_LEN + 1], k1[JWK_KID_LEN + 1], err[512];
	time_t		 now = time(NULL);

	setup();
	write_pair(k0);
	kr = keyring_new(pem_path, set_path, JWK_EDDSA, err, sizeof(err));
	CHECK(kr != NULL);
	if (kr == NULL)
		return;
	CHECK_INT(keyring_check(kr, now), 0);	/* looked: unchanged */
	CHECK_STR(keyring_signer(kr)->kid, k0);
	write_pair(k1);
	/* The same second: not looked at; the next one: reloaded. */
	CHECK_INT(keyring_check(kr, now), 0);
	CHECK_STR(keyring_signer(kr)->kid, k0);
	CHECK_INT(keyring_check(kr, now + 1), 1);
	CHECK_STR(keyring_signer(kr)->kid, k1);
	CHECK(keyring_find(kr, k1, JWK_KID_LEN) != NULL);
	CHECK(keyring_find(kr, k0, JWK_KID_LEN) == NULL);
	CHECK(keyring_find(kr, NULL, 0) != NULL);	/* the only key */
	CHECK(keyring_find(kr, k1, JWK_KID_LEN - 1) == NULL);
	CHECK(keyring_by_hdr(kr, keyring_signer(kr)->hdr,
	    strlen(keyring_signer(kr)->hdr)) != NULL);
	/* Nothing changed: nothing reloaded. */
	CHECK_INT(keyring_check(kr, now + 2), 0);
	keyring_free(kr);
}

static void
test_bad_file_keeps_keys(void)
{
	struct keyring	*kr;
	char		 k0[JWK_KID_LEN + 1], err[512];
	time_t		 now = time(NULL);
	FILE		*fp;

	setup();
	write_pair(k0);
	kr = keyring_new(NULL, set_path, JWK_EDDSA, err, sizeof(err));
	CHECK(kr != NULL);
	if (kr == NULL)
		return;
	if ((fp = fopen(set_path, "w")) == NULL || fputs("{\"keys\":[]}",
	    fp) == EOF || fclose(fp) != 0)
		exit(2);
	CHECK_INT(keyring_check(kr, now + 5), 0);
	CHECK(keyring_find(kr, k0, JWK_KID_LEN) != NULL);
	CHECK_INT(keyring_count(kr), 1);
	keyring_free(kr);
	unlink(pem_path);
	unlink(set_path);
	rmdir(dir);
}

static void
test_start_refusals_name_the_variable(void)
{
	char	 err[512];

	setup();
	CHECK(keyring_new("/nonexistent/key.pem", NULL, JWK_EDDSA, err,
	    sizeof(err)) == NULL);
	CHECK(strncmp(err, "TOKEN_SIGNING_KEY_FILE: ", 24) == 0);
	CHECK(keyring_new(NULL, "/nonexistent/jwks.json", JWK_EDDSA, err,
	    sizeof(err)) == NULL);
	CHECK(strncmp(err, "TOKEN_VERIFY_KEYS_FILE: ", 24) == 0);
}

/* Write line as the secret file, by rename. */
static void
write_secret(const char *path, const char *line)
{
	char	 tmp[80];
	FILE	*fp;

	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	if ((fp = fopen(tmp, "w")) == NULL || fprintf(fp, "%s\n", line) < 0 ||
	    fclose(fp) != 0 || rename(tmp, path) == -1)
		exit(2);
}

#define SECRET_A	"secret-a-0123456789abcdef0123456789"
#define SECRET_B	"secret-b-0123456789abcdef0123456789"

/* TOKEN_SECRET_FILE read again like the key files; the replaced secret
 * verifies for prev_for seconds; a bad file keeps the secret there was. */
static void
test_secret_file_reload(void)
{
	struct keyring		*kr;
	const unsigned char	*sec;
	char			 path[80], err[512];
	size_t			 len;
	time_t			 now = time(NULL), until;

	setup();
	snprintf(path, sizeof(path), "%s/secret", dir);
	write_secret(path, SECRET_A);
	kr = keyring_new(NULL, NULL, JWK_HS256, err, sizeof(err));
	CHECK(kr != NULL);
	if (kr == NULL)
		return;
	CHECK(keyring_secret(kr, NULL, NULL) == NULL);
	CHECK_INT(keyring_watch_secret(kr, path, 32, 60, err, sizeof(err)), 0);
	CHECK(keyring_secret(kr, &sec, &len) != NULL);
	CHECK(len == strlen(SECRET_A) && memcmp(sec, SECRET_A, len) == 0);
	CHECK(keyring_secret_prev(kr, now, &until) == NULL);
	write_secret(path, SECRET_B);
	CHECK_INT(keyring_check(kr, now + 1), 1);
	CHECK(keyring_secret(kr, &sec, &len) != NULL);
	CHECK(len == strlen(SECRET_B) && memcmp(sec, SECRET_B, len) == 0);
	CHECK(keyring_secret_prev(kr, now + 1, &until) != NULL);
	CHECK_INT(until, now + 61);
	CHECK(keyring_secret_prev(kr, now + 60, &until) != NULL);
	CHECK(keyring_secret_prev(kr, now + 61, &until) == NULL);
	write_secret(path, "too short");
	CHECK_INT(keyring_check(kr, now + 2), 0);
	CHECK(keyring_secret(kr, &sec, &len) != NULL);
	CHECK(len == strlen(SECRET_B) && memcmp(sec, SECRET_B, len) == 0);
	CHECK(keyring_watch_secret(kr, path, 32, 60, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "TOKEN_SECRET_FILE: ", 19) == 0);
	keyring_free(kr);
	unlink(path);
}

/* HS256 with TOKEN_SECRET_FILE, a signer and a verifier as two workers:
 * the verifier takes a token of the new secret even within the second it
 * has not looked at the file, and the old secret's tokens meanwhile. */
static void
test_secret_file_workers(void)
{
	struct config	 sig, ver, *c[2] = { &sig, &ver };
	char		 path[80], err[512], user[USERNAME_MAX + 1];
	char		*old, *new;
	time_t		 now = time(NULL);
	int		 i;

	setup();
	snprintf(path, sizeof(path), "%s/secret", dir);
	write_secret(path, SECRET_A);
	for (i = 0; i < 2; i++) {
		memset(c[i], 0, sizeof(*c[i]));
		c[i]->alg = JWK_HS256;
		c[i]->secret = (unsigned char *)strdup(SECRET_A);
		c[i]->secret_len = strlen(SECRET_A);
		c[i]->secret_file = path;
		c[i]->access_ttl = 900;
		c[i]->invalid_status = 403;
		if (c[i]->secret == NULL || token_init(c[i], err,
		    sizeof(err)) == -1)
			exit(2);
	}
	old = token_sign(&sig, "alice", now);
	CHECK(old != NULL);
	if (old == NULL)
		exit(2);
	/* The verifier looks at now + 1, before the file changes; the
	 * signer after: it signs with the new secret in that second. */
	CHECK_INT(token_verify(&ver, old, now + 1, user), TOKEN_OK);
	write_secret(path, SECRET_B);
	new = token_sign(&sig, "bob", now + 1);
	CHECK(new != NULL);
	if (new != NULL) {
		CHECK_INT(token_verify(&ver, new, now + 1, user), TOKEN_OK);
		CHECK_STR(user, "bob");
		CHECK_INT(token_verify(&ver, old, now + 1, user), TOKEN_OK);
		CHECK_STR(user, "alice");
		CHECK_INT(token_verify(&ver, old, now + 900, user),
		    TOKEN_EXPIRED);
		/* Once its window is over, the old secret verifies nothing. */
		CHECK_INT(token_verify(&ver, old, now + 902, user),
		    TOKEN_BADSIG);
		/* Forged with neither secret: refused (control). */
		new[strlen(new) - 2] = new[strlen(new) - 2] == 'A' ? 'B' : 'A';
		CHECK_INT(token_verify(&ver, new, now + 1, user),
		    TOKEN_BADSIG);
	}
	free(old);
	free(new);
	for (i = 0; i < 2; i++) {
		token_fini(c[i]);
		free(c[i]->secret);
	}
	unlink(path);
}

/* No key file at all (the secret from the environment): SIGHUP is caught,
 * stops nothing, and asks once for the cache to be emptied. */
static void
test_hup_without_files(void)
{
	time_t	 now = time(NULL);

	keyring_catch_hup();
	CHECK_INT(keyring_check(NULL, now), 0);
	CHECK_INT(raise(SIGHUP), 0);
	CHECK_INT(keyring_check(NULL, now), 1);
	CHECK_INT(keyring_check(NULL, now), 0);
}

UNIT_TESTS(
	T(test_hup_without_files),
	T(test_secret_file_reload),
	T(test_secret_file_workers),
	T(test_reload_after_rename),
	T(test_start_refusals_name_the_variable),
	T(test_bad_file_keeps_keys),
);
