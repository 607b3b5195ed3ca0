/* SPDX-License-Identifier: ISC */
/*
 * The key files (common/keyring.c): loaded at start, looked at again at
 * most once a second, replaced by rename and picked up; a file that does
 * not load leaves the keys there were; a kid is looked up exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/jwk.h"
#include "common/keyring.h"
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

UNIT_TESTS(
	T(test_reload_after_rename),
	T(test_start_refusals_name_the_variable),
	T(test_bad_file_keeps_keys),
);
