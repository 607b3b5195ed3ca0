/* SPDX-License-Identifier: ISC */
/*
 * Process configuration, read once at start-up from the environment and
 * then from a dotenv file (the environment wins, as with dotenv).
 *
 * It must be loaded before the first FastCGI accept: libfcgi may replace
 * environ per request, after which getenv() no longer sees the secret.
 */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/clientaddr.h"
#include "common/jwk.h"

#define CONFIG_SECRET_MIN	32	/* bytes; HS256 wants >= the hash size */
#define CONFIG_SECRET_MAX	4096	/* bytes */
#define CONFIG_COOKIE_PATH_MAX	128	/* bytes of AUTH_COOKIE_PATH */

struct hs256_key;		/* hs256.h */
struct keyring;			/* keyring.h */
struct tokcache;		/* tokcache.h */

struct config {
	unsigned char	*secret;	/* HMAC key, raw bytes (not hex-decoded) */
	size_t		 secret_len;	/* >= CONFIG_SECRET_MIN */
	char		*secret_file;	/* TOKEN_SECRET_FILE, or NULL */
	struct hs256_key *key;		/* token_init: keyed from secret once */
	/* TOKEN_SECRET_PREVIOUS: verifies (never signs) HS256 tokens until
	 * secret_prev_until. */
	unsigned char	*secret_prev;	/* or NULL */
	size_t		 secret_prev_len;
	int64_t		 secret_prev_until; /* TOKEN_SECRET_PREVIOUS_UNTIL */
	struct hs256_key *key_prev;	/* token_init: keyed from secret_prev */
	enum jwk_alg	 alg;		/* TOKEN_ALG: what tokens are signed with */
	char		*signing_key_file; /* TOKEN_SIGNING_KEY_FILE, or NULL */
	char		*verify_keys_file; /* TOKEN_VERIFY_KEYS_FILE, or NULL */
	/* TOKEN_ACCEPT_HS256_UNTIL, asymmetric mode: HS256 tokens issued
	 * before hs256_until - access_ttl verify until then; 0: never. */
	int64_t		 hs256_until;
	struct keyring	*keys;		/* token_init: the files' keys, or NULL */
	struct tokcache	*cache;		/* token_init: verified tokens */
	long		 access_ttl;	/* seconds, ACCESS_TOKEN_TTL */
	long		 refresh_ttl;	/* seconds, REFRESH_TOKEN_TTL */
	char		*issuer;	/* TOKEN_ISSUER, or NULL */
	char		*audience;	/* TOKEN_AUDIENCE, or NULL */
	long		 leeway;	/* seconds of clock skew, TOKEN_LEEWAY */
	int		 invalid_status; /* 403 or 401, AUTH_INVALID_STATUS */
	char		*database_path;	/* DATABASE_PATH; NULL with database_url */
	char		*database_url;	/* DATABASE_URL(_FILE): PostgreSQL, or NULL */
	char		*pwhash_lock;	/* PWHASH_LOCK_FILE, or NULL */
	int		 cookies;	/* AUTH_COOKIES=1 */
	/* AUTH_COOKIE_PATH, the access cookie's Path */
	char		 cookie_path[CONFIG_COOKIE_PATH_MAX + 1];
	/* Throttling: each limit counts within LOGIN_WINDOW; 0 turns it off. */
	long		 login_max;	/* LOGIN_MAX_FAILURES: per (name, address) */
	long		 login_max_addr; /* LOGIN_MAX_FAILURES_PER_ADDRESS */
	long		 login_max_name; /* LOGIN_MAX_FAILURES_PER_NAME */
	long		 signup_max;	/* SIGNUP_MAX_PER_ADDRESS */
	long		 login_window;	/* seconds, LOGIN_WINDOW */
	struct netrange	*proxies;	/* TRUSTED_PROXIES, nproxies of them */
	size_t		 nproxies;
	long		 pwhash_max;	/* PWHASH_MAX_CONCURRENT; 0: no cap */
	long		 pwhash_wait;	/* seconds, PWHASH_WAIT; 0: no wait */
	/* Pages on other origins (cors.c): none listed, same-origin only. */
	char		**cors_origins;	/* CORS_ORIGINS, normalised */
	size_t		 ncors_origins;
	long		 cors_max_age;	/* seconds, CORS_MAX_AGE */
	const char	*samesite;	/* AUTH_COOKIE_SAMESITE: "Strict", "Lax"
					 * or "None" (a constant) */
};

/*
 * Fill cfg from the environment, then ENV_FILE (default ".env" in the
 * working directory; a missing default file is not an error).
 * Returns 0, or -1 with one line naming the variable in err.
 * Everything in cfg is owned by cfg: release it with config_free().
 */
int	config_load(struct config *cfg, char *err, size_t errlen);

/* Wipe the secret and free every member but the key (token_fini frees
 * that); cfg may be zeroed or NULL. */
void	config_free(struct config *cfg);

/*
 * Parse a duration: "900", "1800s", "30m", "1h", "7d".  The result is in
 * seconds, from 1 to 10 years.  Returns 0, or -1 on anything else.
 */
int	config_parse_duration(const char *s, long *out);

#endif
