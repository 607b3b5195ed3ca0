/* SPDX-License-Identifier: ISC */
/*
 * Password hashing with Argon2id (libsodium crypto_pwhash_str) at the
 * interactive limits.  Unknown users are checked against a dummy hash
 * made at start-up, so they cost the same work as a wrong password.
 */
#ifndef COMMON_PWHASH_H
#define COMMON_PWHASH_H

#include <stddef.h>

#include <sodium.h>

#define PWHASH_LEN	crypto_pwhash_STRBYTES	/* with the NUL */

/* Initialise libsodium; make the dummy hash only if the built-in one is
 * not at the current limits.  Returns 0 or -1. */
int	pwhash_init(void);

/* 1 when the built-in dummy hash is at the current limits. */
int	pwhash_dummy_current(void);

/* Hash pw into out (PWHASH_LEN bytes).  Returns 0 or -1 (out of memory). */
int	pwhash_make(char out[PWHASH_LEN], const char *pw, size_t pwlen);

/*
 * Check pw against hash; a NULL hash checks against the dummy hash and
 * always fails.  Returns 1 on a match, 0 otherwise.  *rehash is set when
 * the hash should be remade with the current limits.
 */
int	pwhash_check(const char *hash, const char *pw, size_t pwlen,
	    int *rehash);

#endif
