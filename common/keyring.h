/* SPDX-License-Identifier: ISC */
/*
 * The asymmetric keys of a process: the signing key (TOKEN_SIGNING_KEY_FILE,
 * signers only) and the verify set (TOKEN_VERIFY_KEYS_FILE, a JWK Set),
 * parsed once at start-up and again only when a file changes.  A worker
 * looks at the files at most once a second, or at the next request after
 * SIGHUP; a file that changed and does not load keeps the keys it had
 * (one line on stderr) and is tried again a second later.  authctl
 * replaces the files by rename(2), so a reader never sees half of one.
 */
#ifndef COMMON_KEYRING_H
#define COMMON_KEYRING_H

#include <stddef.h>
#include <time.h>

#include "common/jwk.h"

struct hs256_key;
struct keyring;

/*
 * Load the files (either path may be NULL); a signing key must be of
 * alg, and when both are given the set must hold the signing key's public
 * half.  Returns the keyring (release with keyring_free), or NULL with
 * one line naming the variable in err.
 */
struct keyring	*keyring_new(const char *sign_path, const char *verify_path,
		    enum jwk_alg alg, char *err, size_t errlen);
void		 keyring_free(struct keyring *kr);

/*
 * Catch SIGHUP (token_init does, in every process): it asks for a reload
 * and never stops the process, whatever holds the keys.
 */
void		 keyring_catch_hup(void);

/*
 * Reload what changed since the last look, if a second has passed since
 * it (or SIGHUP came).  Returns 1 when the keys changed or SIGHUP came (a
 * cache of verified tokens must then be emptied), else 0; kr may be NULL
 * (no key files), when only SIGHUP counts.
 */
int		 keyring_check(struct keyring *kr, time_t now);

/*
 * Watch TOKEN_SECRET_FILE too (HS256): its line, at least min bytes, is
 * the secret from now on, read again like the key files; a replaced
 * secret verifies (never signs) for prev_for seconds more.  Returns 0, or
 * -1 with one line naming the variable in err.
 */
int		 keyring_watch_secret(struct keyring *kr, const char *path,
		    size_t min, long prev_for, char *err, size_t errlen);

/*
 * keyring_check now, even within the second: for a token that no key
 * verifies, which may be signed with a key a signer read a moment ago.
 */
int		 keyring_recheck(struct keyring *kr, time_t now);

/* The watched secret's key, and its bytes into *secret and *len unless
 * secret is NULL; NULL when no secret file is watched (borrowed until the
 * next keyring_check). */
struct hs256_key *keyring_secret(const struct keyring *kr,
		    const unsigned char **secret, size_t *len);

/* The secret the file held before while it still verifies (until *until),
 * or NULL. */
struct hs256_key *keyring_secret_prev(const struct keyring *kr, time_t now,
		    time_t *until);

/* The signing key, or NULL (borrowed until the next keyring_check). */
const struct jwk *keyring_signer(const struct keyring *kr);

/*
 * The verify key whose kid is the len bytes at kid; with kid NULL, the
 * set's only key, or NULL when it holds more than one.  NULL when none.
 */
const struct jwk *keyring_find(const struct keyring *kr, const char *kid,
		    size_t len);

/* The verify key whose protected header (jwk.h) is exactly the len bytes
 * at hdr, or NULL: a token we signed, known without decoding its header. */
const struct jwk *keyring_by_hdr(const struct keyring *kr, const char *hdr,
		    size_t len);

/* How many verify keys are loaded. */
size_t		 keyring_count(const struct keyring *kr);

#endif
