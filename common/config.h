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

#include "common/clientaddr.h"

#define CONFIG_SECRET_MIN	32	/* bytes; HS256 wants >= the hash size */
#define CONFIG_SECRET_MAX	4096	/* bytes */

struct hs256_key;		/* hs256.h */

struct config {
	unsigned char	*secret;	/* HMAC key, raw bytes (not hex-decoded) */
	size_t		 secret_len;	/* >= CONFIG_SECRET_MIN */
	struct hs256_key *key;		/* token_init: keyed from secret once */
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
