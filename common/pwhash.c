/* SPDX-License-Identifier: ISC */
/*
 * Argon2id password hashes.  The dummy hash gives an unknown user the
 * same Argon2id work as a known one, so login time does not say whether
 * a name exists (docs/api.md, POST /api/login: "in about the same time").
 */
#include <string.h>

#include <sodium.h>

#include "common/pwhash.h"

#define PWHASH_OPS	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PWHASH_MEM	crypto_pwhash_MEMLIMIT_INTERACTIVE

/*
 * The hash of a random password nobody kept, at the interactive limits.
 * A constant, not one made at start-up: under plain CGI every login is a
 * new process, and a start-up hash would double its Argon2id work and
 * memory outside the PWHASH_MAX_CONCURRENT cap.  Should libsodium's
 * limits change, pwhash_init() makes one at the new limits instead.
 */
static char	pwhash_dummy[PWHASH_LEN] = "$argon2id$v=19$m=65536,t=2,p=1$"
    "FzaOfsz3i2/8WRwlC/nvvA$lnkROMece4OACRxA5vdi1feLHAez+3OvpfpF5KCjtsE";

int
pwhash_init(void)
{
	unsigned char	 pw[32];
	int		 rc;

	if (sodium_init() < 0)
		return -1;
	if (crypto_pwhash_str_needs_rehash(pwhash_dummy, PWHASH_OPS,
	    PWHASH_MEM) == 0)
		return 0;
	randombytes_buf(pw, sizeof(pw));
	rc = crypto_pwhash_str(pwhash_dummy, (const char *)pw, sizeof(pw),
	    PWHASH_OPS, PWHASH_MEM);
	sodium_memzero(pw, sizeof(pw));
	return rc == 0 ? 0 : -1;
}

/* Whether the dummy hash is at the current limits (for tests). */
int
pwhash_dummy_current(void)
{
	return crypto_pwhash_str_needs_rehash(pwhash_dummy, PWHASH_OPS,
	    PWHASH_MEM) == 0;
}

int
pwhash_make(char out[PWHASH_LEN], const char *pw, size_t pwlen)
{
	return crypto_pwhash_str(out, pw, pwlen, PWHASH_OPS, PWHASH_MEM) == 0 ?
	    0 : -1;
}

int
pwhash_check(const char *hash, const char *pw, size_t pwlen, int *rehash)
{
	int	 ok;

	*rehash = 0;
	if (hash == NULL) {
		/* Same work, and never a match: the dummy's password is
		 * random and forgotten. */
		ok = crypto_pwhash_str_verify(pwhash_dummy, pw, pwlen);
		(void)ok;
		return 0;
	}
	ok = crypto_pwhash_str_verify(hash, pw, pwlen) == 0;
	if (ok && crypto_pwhash_str_needs_rehash(hash, PWHASH_OPS,
	    PWHASH_MEM) != 0)
		*rehash = 1;
	return ok;
}
