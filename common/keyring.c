/* SPDX-License-Identifier: ISC */
/*
 * The keys and their files (see keyring.h).  A file is known by its device,
 * inode, size and modification time: rename(2) gives a new inode, an edit
 * in place a new time or size.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/hs256.h"
#include "common/jwk.h"
#include "common/keyring.h"

#define KEYRING_PEM_MAX		(64 * 1024)	/* bytes of a private key file */
#define KEYRING_JWKS_MAX	(1024 * 1024)	/* bytes of a JWK Set file */
#define KEYRING_SECRET_MAX	4096		/* bytes, as CONFIG_SECRET_MAX */

/* What a file was when last read. */
struct keyring_stamp {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
};

/* The keys of one load. */
struct keyring_keys {
	struct jwk	*sign;
	struct jwk	*verify[JWK_SET_MAX];
	size_t		 n;
	unsigned char	*secret;	/* TOKEN_SECRET_FILE's line, or NULL */
	size_t		 secret_len;
	struct hs256_key *hkey;		/* keyed from secret */
	struct keyring_stamp sst, vst, hst;
};

struct keyring {
	char		*sign_path;	/* TOKEN_SIGNING_KEY_FILE, or NULL */
	char		*verify_path;	/* TOKEN_VERIFY_KEYS_FILE, or NULL */
	enum jwk_alg	 alg;		/* TOKEN_ALG: the signing key's */
	char		*secret_path;	/* TOKEN_SECRET_FILE, when watched */
	size_t		 secret_min;	/* bytes a secret must have */
	long		 prev_for;	/* seconds a replaced secret verifies */
	struct keyring_keys keys;
	struct hs256_key *hprev;	/* the secret replaced last, or NULL */
	time_t		 hprev_until;
	time_t		 checked;	/* when the files were last looked at */
};

static volatile sig_atomic_t keyring_hup;

static void
keyring_on_hup(int sig)
{
	(void)sig;
	keyring_hup = 1;
}

static void
keyring_keys_free(struct keyring_keys *k)
{
	size_t	 i;

	jwk_free(k->sign);
	for (i = 0; i < k->n; i++)
		jwk_free(k->verify[i]);
	if (k->secret != NULL)
		sodium_memzero(k->secret, k->secret_len);
	free(k->secret);
	hs256_key_free(k->hkey);
	memset(k, 0, sizeof(*k));
}

static void
keyring_stamp(struct keyring_stamp *st, const struct stat *sb)
{
	memset(st, 0, sizeof(*st));
	st->dev = sb->st_dev;
	st->ino = sb->st_ino;
	st->size = sb->st_size;
	st->mtim = sb->st_mtim;
}

/*
 * Read the file at path (at most max bytes) into a malloc'd buffer with a
 * NUL after it, and its stamp.  Returns the buffer (caller wipes and frees)
 * or NULL with err (the variable's name is the caller's to add).
 */
static char *
keyring_read(const char *path, size_t max, size_t *len,
    struct keyring_stamp *st, char *err, size_t errlen)
{
	struct stat	 sb;
	char		*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size < 0 || (size_t)sb.st_size > max) {
		snprintf(err, errlen, "%s is not a regular file of at most "
		    "%zu bytes", path, max);
		goto fail;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			    n == 0 ? "short read" : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	keyring_stamp(st, &sb);
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * TOKEN_SECRET_FILE into k: one line (its newline dropped) of secret_min
 * to KEYRING_SECRET_MAX bytes, as config_load reads it, and its key.
 */
static int
keyring_load_secret(const struct keyring *kr, struct keyring_keys *k,
    char *err, size_t errlen)
{
	char	 why[256];
	char	*buf;
	size_t	 len;

	if ((buf = keyring_read(kr->secret_path, KEYRING_SECRET_MAX + 2, &len,
	    &k->hst, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "TOKEN_SECRET_FILE: %s", why);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len < kr->secret_min || len > KEYRING_SECRET_MAX ||
	    memchr(buf, '\n', len) != NULL ||
	    (k->hkey = hs256_key_new((unsigned char *)buf, len,
	    kr->secret_min)) == NULL) {
		snprintf(err, errlen, "TOKEN_SECRET_FILE: %s must hold one "
		    "line of %zu to %d bytes", kr->secret_path, kr->secret_min,
		    KEYRING_SECRET_MAX);
		sodium_memzero(buf, len);
		free(buf);
		return -1;
	}
	k->secret = (unsigned char *)buf;
	k->secret_len = len;
	return 0;
}

/* Load kr's files into k.  Returns 0, or -1 with err naming the variable. */
static int
keyring_load(const struct keyring *kr, struct keyring_keys *k, char *err,
    size_t errlen)
{
	char	 why[256];
	char	*buf;
	size_t	 len, i;
	int	 rc;

	memset(k, 0, sizeof(*k));
	if (kr->secret_path != NULL && keyring_load_secret(kr, k, err,
	    errlen) == -1)
		return -1;
	if (kr->sign_path != NULL) {
		buf = keyring_read(kr->sign_path, KEYRING_PEM_MAX, &len,
		    &k->sst, why, sizeof(why));
		if (buf == NULL) {
			snprintf(err, errlen, "TOKEN_SIGNING_KEY_FILE: %s", why);
			goto fail;
		}
		k->sign = jwk_from_pem(buf, len, why, sizeof(why));
		sodium_memzero(buf, len);
		free(buf);
		if (k->sign == NULL) {
			snprintf(err, errlen, "TOKEN_SIGNING_KEY_FILE: %s: %s",
			    kr->sign_path, why);
			goto fail;
		}
		if (k->sign->alg != kr->alg) {
			snprintf(err, errlen, "TOKEN_SIGNING_KEY_FILE: %s: a "
			    "key for %s, but TOKEN_ALG is %s", kr->sign_path,
			    jwk_alg_name(k->sign->alg), jwk_alg_name(kr->alg));
			goto fail;
		}
	}
	if (kr->verify_path != NULL) {
		if ((buf = keyring_read(kr->verify_path, KEYRING_JWKS_MAX,
		    &len, &k->vst, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "TOKEN_VERIFY_KEYS_FILE: %s", why);
			goto fail;
		}
		rc = jwk_set_parse(buf, len, k->verify, &k->n, why,
		    sizeof(why));
		free(buf);
		if (rc == -1) {
			snprintf(err, errlen, "TOKEN_VERIFY_KEYS_FILE: %s: %s",
			    kr->verify_path, why);
			goto fail;
		}
		for (i = 0; k->sign != NULL && i < k->n; i++)
			if (strcmp(k->verify[i]->kid, k->sign->kid) == 0)
				break;
		if (k->sign != NULL && i == k->n) {
			snprintf(err, errlen, "TOKEN_SIGNING_KEY_FILE: its "
			    "public key (kid %s) is not in "
			    "TOKEN_VERIFY_KEYS_FILE %s", k->sign->kid,
			    kr->verify_path);
			goto fail;
		}
	}
	return 0;
fail:
	keyring_keys_free(k);
	return -1;
}

struct keyring *
keyring_new(const char *sign_path, const char *verify_path,
    enum jwk_alg alg, char *err, size_t errlen)
{
	struct keyring		*kr;

	if ((kr = calloc(1, sizeof(*kr))) == NULL ||
	    (sign_path != NULL &&
	    (kr->sign_path = strdup(sign_path)) == NULL) ||
	    (verify_path != NULL &&
	    (kr->verify_path = strdup(verify_path)) == NULL)) {
		snprintf(err, errlen, "TOKEN_ALG: out of memory");
		keyring_free(kr);
		return NULL;
	}
	kr->alg = alg;
	if (keyring_load(kr, &kr->keys, err, errlen) == -1) {
		keyring_free(kr);
		return NULL;
	}
	return kr;
}

void
keyring_catch_hup(void)
{
	struct sigaction	 sa;

	/* SA_RESTART: libfcgi's accept goes on waiting after the signal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = keyring_on_hup;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
}

void
keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	keyring_keys_free(&kr->keys);
	hs256_key_free(kr->hprev);
	free(kr->sign_path);
	free(kr->verify_path);
	free(kr->secret_path);
	free(kr);
}

/* Whether the file at path is no longer what st says it was. */
static int
keyring_changed(const char *path, const struct keyring_stamp *st)
{
	struct keyring_stamp	 now;
	struct stat		 sb;

	if (path == NULL)
		return 0;
	if (stat(path, &sb) == -1)
		return 1;
	keyring_stamp(&now, &sb);
	return now.dev != st->dev || now.ino != st->ino ||
	    now.size != st->size || now.mtim.tv_sec != st->mtim.tv_sec ||
	    now.mtim.tv_nsec != st->mtim.tv_nsec;
}

int
keyring_watch_secret(struct keyring *kr, const char *path, size_t min,
    long prev_for, char *err, size_t errlen)
{
	struct keyring_keys	 k;
	char			*p;

	/* Called again (a test does), it watches the new path instead. */
	if ((p = strdup(path)) == NULL) {
		snprintf(err, errlen, "TOKEN_SECRET_FILE: out of memory");
		return -1;
	}
	free(kr->secret_path);
	kr->secret_path = p;
	kr->secret_min = min;
	kr->prev_for = prev_for;
	memset(&k, 0, sizeof(k));
	if (keyring_load_secret(kr, &k, err, errlen) == -1)
		return -1;
	kr->keys.secret = k.secret;
	kr->keys.secret_len = k.secret_len;
	kr->keys.hkey = k.hkey;
	kr->keys.hst = k.hst;
	return 0;
}

int
keyring_recheck(struct keyring *kr, time_t now)
{
	if (kr == NULL)
		return 0;
	kr->checked = now - 1;
	return keyring_check(kr, now);
}

int
keyring_check(struct keyring *kr, time_t now)
{
	struct keyring_keys	 k;
	char			 err[512];
	int			 hup;

	/* No files to look at (the secret from the environment): SIGHUP
	 * still asks for the cache to be emptied. */
	if (kr == NULL) {
		hup = keyring_hup;
		keyring_hup = 0;
		return hup != 0;
	}
	if (!keyring_hup && now == kr->checked)
		return 0;
	hup = keyring_hup;
	keyring_hup = 0;
	kr->checked = now;
	/* SIGHUP is the operator's "forget what you know": 1 even when the
	 * files are the same, so a cache of verified tokens is emptied. */
	if (!keyring_changed(kr->sign_path, &kr->keys.sst) &&
	    !keyring_changed(kr->verify_path, &kr->keys.vst) &&
	    !keyring_changed(kr->secret_path, &kr->keys.hst))
		return hup != 0;
	if (keyring_load(kr, &k, err, sizeof(err)) == -1) {
		/* Keep serving with the keys we have; try again later. */
		fprintf(stderr, "keyring_check: keeping the loaded keys: %s\n",
		    err);
		return hup != 0;
	}
	/* A replaced secret goes on verifying the tokens it signed until
	 * they have expired, as TOKEN_SECRET_PREVIOUS would. */
	if (k.secret != NULL && (kr->keys.secret_len != k.secret_len ||
	    sodium_memcmp(kr->keys.secret, k.secret, k.secret_len) != 0)) {
		hs256_key_free(kr->hprev);
		kr->hprev = kr->keys.hkey;
		kr->hprev_until = now + kr->prev_for;
		kr->keys.hkey = NULL;
	}
	keyring_keys_free(&kr->keys);
	kr->keys = k;
	return 1;
}

struct hs256_key *
keyring_secret(const struct keyring *kr, const unsigned char **secret,
    size_t *len)
{
	if (kr == NULL || kr->keys.hkey == NULL)
		return NULL;
	if (secret != NULL) {
		*secret = kr->keys.secret;
		*len = kr->keys.secret_len;
	}
	return kr->keys.hkey;
}

struct hs256_key *
keyring_secret_prev(const struct keyring *kr, time_t now, time_t *until)
{
	if (kr == NULL || now >= kr->hprev_until)
		return NULL;
	*until = kr->hprev_until;
	return kr->hprev;
}

const struct jwk *
keyring_signer(const struct keyring *kr)
{
	return kr != NULL ? kr->keys.sign : NULL;
}

const struct jwk *
keyring_find(const struct keyring *kr, const char *kid, size_t len)
{
	size_t	 i;

	if (kr == NULL || kr->keys.n == 0)
		return NULL;
	if (kid == NULL)
		return kr->keys.n == 1 ? kr->keys.verify[0] : NULL;
	if (len != JWK_KID_LEN)
		return NULL;
	for (i = 0; i < kr->keys.n; i++)
		if (strncmp(kr->keys.verify[i]->kid, kid, len) == 0)
			return kr->keys.verify[i];
	return NULL;
}

const struct jwk *
keyring_by_hdr(const struct keyring *kr, const char *hdr, size_t len)
{
	size_t	 i;

	for (i = 0; kr != NULL && i < kr->keys.n; i++)
		if (strlen(kr->keys.verify[i]->hdr) == len &&
		    strncmp(kr->keys.verify[i]->hdr, hdr, len) == 0)
			return kr->keys.verify[i];
	return NULL;
}

size_t
keyring_count(const struct keyring *kr)
{
	return kr != NULL ? kr->keys.n : 0;
}
