/* SPDX-License-Identifier: ISC */
/*
 * Configuration: the environment first, then the dotenv file (dotenv's
 * rule: a variable already set is never overridden).  Every value is
 * checked here, so a served request never meets a weak key or a bad TTL.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/config.h"
#include "common/dotenv.h"
#include "common/jwk.h"
#include "common/origin.h"
#include "common/rfc3339.h"

#define DURATION_MAX	(10L * 365 * 24 * 3600)	/* ten years */
#define LEEWAY_MAX	3600L
#define CONFIG_URL_MAX	4096		/* bytes of DATABASE_URL */
#define PWHASH_WAIT_MAX	60L		/* seconds; past that, a client gave up */
#define CORS_MAX_AGE_MAX 86400L		/* seconds; Firefox's own cap */

/* The value of name: the environment wins over the file. */
static const char *
config_get(const struct dotenv *env, const char *name)
{
	const char	*v;

	if ((v = getenv(name)) != NULL)
		return v;
	return dotenv_get(env, name);
}

int
config_parse_duration(const char *s, long *out)
{
	const char	*p = s;
	long		 n = 0, unit = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (DURATION_MAX - (*p - '0')) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 's':
		p++;
		break;
	case 'm':
		unit = 60;
		p++;
		break;
	case 'h':
		unit = 3600;
		p++;
		break;
	case 'd':
		unit = 86400;
		p++;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || n == 0 || n > DURATION_MAX / unit)
		return -1;
	*out = n * unit;
	return 0;
}

/* A whole number from 0 to max, digits only (httpd's strtonum). */
static int
config_parse_uint(const char *s, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Read the secret from path: one line, the final newline dropped.  The
 * result is malloc'd into *out.  Returns 0 or -1 with err set.
 */
static int
config_read_secret_file(const char *path, unsigned char **out, size_t *len,
    char *err, size_t errlen)
{
	unsigned char	 buf[CONFIG_SECRET_MAX + 2];
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "TOKEN_SECRET_FILE: cannot open %s: %s",
		    path, strerror(errno));
		return -1;
	}
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "TOKEN_SECRET_FILE: cannot read "
			    "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	if (got > 0 && buf[got - 1] == '\r')
		got--;
	if (got > CONFIG_SECRET_MAX || memchr(buf, '\n', got) != NULL) {
		snprintf(err, errlen, "TOKEN_SECRET_FILE: %s must hold one "
		    "line of at most %d bytes", path, CONFIG_SECRET_MAX);
		goto out;
	}
	if ((*out = malloc(got + 1)) == NULL) {
		snprintf(err, errlen, "TOKEN_SECRET_FILE: out of memory");
		goto out;
	}
	memcpy(*out, buf, got);
	(*out)[got] = '\0';
	*len = got;
	rc = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/*
 * Choose the secret: TOKEN_SECRET_FILE, else TOKEN_SECRET, else its alias
 * ACCESS_TOKEN_SECRET.  Two sources that disagree are refused: the
 * tutorial signs with one and verifies with the other, so a difference is
 * a mistake a user must hear about.
 */
static int
config_secret(struct config *cfg, const struct dotenv *env, int required,
    char *err, size_t errlen)
{
	const char	*file, *ts, *ats, *name;
	size_t		 len;

	file = config_get(env, "TOKEN_SECRET_FILE");
	ts = config_get(env, "TOKEN_SECRET");
	ats = config_get(env, "ACCESS_TOKEN_SECRET");
	if (ts != NULL && ats != NULL && strcmp(ts, ats) != 0) {
		snprintf(err, errlen, "TOKEN_SECRET: differs from "
		    "ACCESS_TOKEN_SECRET; set one, or both to the same value");
		return -1;
	}
	name = ts != NULL ? "TOKEN_SECRET" : "ACCESS_TOKEN_SECRET";
	if (ts == NULL)
		ts = ats;

	if (file != NULL && *file != '\0') {
		if (config_read_secret_file(file, &cfg->secret,
		    &cfg->secret_len, err, errlen) == -1)
			return -1;
		/* token_init watches it (keyring.h): a new line is the
		 * secret from then on, without a restart. */
		if ((cfg->secret_file = strdup(file)) == NULL) {
			snprintf(err, errlen, "TOKEN_SECRET_FILE: out of memory");
			return -1;
		}
		name = "TOKEN_SECRET_FILE";
		if (ts != NULL && (strlen(ts) != cfg->secret_len ||
		    sodium_memcmp(ts, cfg->secret, cfg->secret_len) != 0)) {
			snprintf(err, errlen, "TOKEN_SECRET_FILE: differs "
			    "from TOKEN_SECRET; set only one of them");
			return -1;
		}
	} else if (ts != NULL) {
		len = strlen(ts);
		if (len > CONFIG_SECRET_MAX) {
			snprintf(err, errlen, "%s: longer than %d bytes",
			    name, CONFIG_SECRET_MAX);
			return -1;
		}
		if ((cfg->secret = (unsigned char *)strdup(ts)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", name);
			return -1;
		}
		cfg->secret_len = len;
	} else if (!required)
		return 0;
	else {
		snprintf(err, errlen, "TOKEN_SECRET: not set (environment or "
		    ".env); make one with: authctl gen-secret");
		return -1;
	}

	/* libjwt takes an empty key for no key at all (docs/security.md). */
	if (cfg->secret_len < CONFIG_SECRET_MIN) {
		snprintf(err, errlen, "%s: shorter than %d bytes", name,
		    CONFIG_SECRET_MIN);
		return -1;
	}
	return 0;
}

/* An optional string; empty means unset.  Returns 0 or -1 (no memory). */
static int
config_optional(const struct dotenv *env, const char *name, char **out,
    char *err, size_t errlen)
{
	const char	*v = config_get(env, name);

	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if ((*out = strdup(v)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	return 0;
}

/*
 * The numeric settings, one row each (as lighttpd's config_plugin_keys_t
 * declares its keys): a duration ("900", "30m", ...) from 1 s (0 too when
 * min is 0) to max seconds, or a count from 0 to max, where 0 turns a
 * limit off.  A NULL default is the number of CPUs.
 */
enum config_type {
	CONFIG_DURATION,
	CONFIG_COUNT,
};

static const struct config_key {
	const char		*name;
	enum config_type	 type;
	const char		*def;
	long			 min, max;
	size_t			 offset;	/* of the long in struct config */
} config_keys[] = {
	{ "ACCESS_TOKEN_TTL", CONFIG_DURATION, "1800s", 1, DURATION_MAX,
	    offsetof(struct config, access_ttl) },
	{ "REFRESH_TOKEN_TTL", CONFIG_DURATION, "7d", 1, DURATION_MAX,
	    offsetof(struct config, refresh_ttl) },
	{ "TOKEN_LEEWAY", CONFIG_COUNT, "0", 0, LEEWAY_MAX,
	    offsetof(struct config, leeway) },
	{ "LOGIN_WINDOW", CONFIG_DURATION, "15m", 1, DURATION_MAX,
	    offsetof(struct config, login_window) },
	{ "LOGIN_MAX_FAILURES", CONFIG_COUNT, "5", 0, 1000,
	    offsetof(struct config, login_max) },
	{ "LOGIN_MAX_FAILURES_PER_ADDRESS", CONFIG_COUNT, "50", 0, 100000,
	    offsetof(struct config, login_max_addr) },
	{ "LOGIN_MAX_FAILURES_PER_NAME", CONFIG_COUNT, "100", 0, 100000,
	    offsetof(struct config, login_max_name) },
	{ "SIGNUP_MAX_PER_ADDRESS", CONFIG_COUNT, "20", 0, 100000,
	    offsetof(struct config, signup_max) },
	{ "PWHASH_MAX_CONCURRENT", CONFIG_COUNT, NULL, 0, 1024,
	    offsetof(struct config, pwhash_max) },
	/* 0: answer 503 at once when every hashing slot is busy. */
	{ "PWHASH_WAIT", CONFIG_DURATION, "5s", 0, PWHASH_WAIT_MAX,
	    offsetof(struct config, pwhash_wait) },
	/* Seconds a browser may keep a preflight's answer; 0: ask each time. */
	{ "CORS_MAX_AGE", CONFIG_COUNT, "600", 0, CORS_MAX_AGE_MAX,
	    offsetof(struct config, cors_max_age) },
};

/* Online CPUs, at least 1: the default cap on Argon2id at once. */
static long
config_ncpu(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* Whether s is a duration of zero: "0", "00", "0s", "0m", ... */
static int
config_is_zero(const char *s)
{
	size_t	 n = strspn(s, "0");

	return n > 0 && (s[n] == '\0' ||
	    (strchr("smhd", s[n]) != NULL && s[n + 1] == '\0'));
}

/* Read the setting k describes into cfg.  Returns 0, or -1 with err. */
static int
config_key(struct config *cfg, const struct dotenv *env,
    const struct config_key *k, char *err, size_t errlen)
{
	const char	*v = config_get(env, k->name);
	long		 n = 0;
	int		 rc;

	if (v == NULL && k->def == NULL)
		n = config_ncpu();
	else {
		if (v == NULL)
			v = k->def;
		if (k->type == CONFIG_COUNT)
			rc = config_parse_uint(v, k->max, &n);
		else if (k->min == 0 && config_is_zero(v))
			rc = 0;
		else
			rc = config_parse_duration(v, &n);
		if (rc == -1 || n < k->min || n > k->max) {
			if (k->type == CONFIG_COUNT)
				snprintf(err, errlen, "%s: not a number from "
				    "%ld to %ld", k->name, k->min, k->max);
			else
				snprintf(err, errlen, "%s: not a duration "
				    "(900, 1800s, 30m, 1h or 7d) from %lds to "
				    "%lds", k->name, k->min, k->max);
			return -1;
		}
	}
	*(long *)(void *)((char *)cfg + k->offset) = n;
	return 0;
}

/*
 * CORS_ORIGINS and AUTH_COOKIE_SAMESITE (docs/api.md, "Pages on other
 * origins").  The list holds exact origins only: a wildcard, "null" or a
 * path is a mistake to hear about at start-up, not a policy to guess at.
 */
static int
config_cors(struct config *cfg, const struct dotenv *env, char *err,
    size_t errlen)
{
	static const char *const samesite[] = { "Strict", "Lax", "None" };
	const char	*v;
	char		 bad[96];
	size_t		 i;

	v = config_get(env, "CORS_ORIGINS");
	if (origin_parse_list(v != NULL ? v : "", &cfg->cors_origins,
	    &cfg->ncors_origins, bad, sizeof(bad)) == -1) {
		if (bad[0] == '\0')
			snprintf(err, errlen, "CORS_ORIGINS: out of memory");
		else
			snprintf(err, errlen, "CORS_ORIGINS: \"%s\" is not an "
			    "origin: scheme://host[:port] with http or https, "
			    "no path, no wildcard (http://localhost:3000, "
			    "https://app.example.com)", bad);
		return -1;
	}

	v = config_get(env, "AUTH_COOKIE_SAMESITE");
	cfg->samesite = samesite[0];
	if (v == NULL || *v == '\0')
		return 0;
	for (i = 0; i < sizeof(samesite) / sizeof(samesite[0]); i++)
		if (strcasecmp(v, samesite[i]) == 0) {
			cfg->samesite = samesite[i];
			return 0;
		}
	snprintf(err, errlen, "AUTH_COOKIE_SAMESITE: must be Strict, Lax or "
	    "None");
	return -1;
}

/*
 * AUTH_COOKIE_PATH, the access cookie's Path: a path of unreserved
 * characters (RFC 3986 §2.3) and '/', which must path-match
 * /api/userOrders (RFC 6265 §5.1.4), where the page reads the orders with
 * the cookie: "/", "/api" or "/api/userOrders" (the default).
 */
static int
config_cookie_path(struct config *cfg, const struct dotenv *env, char *err,
    size_t errlen)
{
	static const char	 reader[] = "/api/userOrders";
	const char		*v = config_get(env, "AUTH_COOKIE_PATH");
	size_t			 len;

	if (v == NULL || *v == '\0')
		v = reader;
	len = strlen(v);
	if (*v != '/' || len > CONFIG_COOKIE_PATH_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-._~/") != len ||
	    strncmp(reader, v, len) != 0 ||
	    (v[len - 1] != '/' && reader[len] != '/' && reader[len] != '\0')) {
		snprintf(err, errlen, "AUTH_COOKIE_PATH: must be a path that "
		    "covers /api/userOrders, such as / or /api");
		return -1;
	}
	memcpy(cfg->cookie_path, v, len + 1);
	return 0;
}

/*
 * An RFC 3339 time no later than ttl seconds from now, for a window that
 * ends when the last token of the old key has expired: a later end would
 * let a leaked old key mint tokens for longer.  ttl is ACCESS_TOKEN_TTL,
 * plus TOKEN_LEEWAY for TOKEN_SECRET_PREVIOUS_UNTIL (a verifier takes a
 * token until exp plus the leeway; TOKEN_ACCEPT_HS256_UNTIL's iat bound
 * is the window's end less ACCESS_TOKEN_TTL, so it stays at that).  0 or
 * -1 with err.
 */
static int
config_until(const char *name, const char *v, long ttl, int64_t *out,
    char *err, size_t errlen)
{
	if (rfc3339_parse(v, out) == -1) {
		snprintf(err, errlen, "%s: not a UTC time like "
		    "2026-01-01T12:00:00Z", name);
		return -1;
	}
	if (*out > (int64_t)time(NULL) + ttl) {
		snprintf(err, errlen, "%s: later than %ld s from now (the old "
		    "key's last token expires before that)", name, ttl);
		return -1;
	}
	return 0;
}

/*
 * TOKEN_SIGNING_KEY_FILE, TOKEN_VERIFY_KEYS_FILE and
 * TOKEN_ACCEPT_HS256_UNTIL, after TOKEN_ALG, the secret and the TTLs.
 * Loading the files is token_init's.  0 or -1 with err.
 */
static int
config_keys_files(struct config *cfg, const struct dotenv *env, char *err,
    size_t errlen)
{
	const char	*v;

	if (config_optional(env, "TOKEN_SIGNING_KEY_FILE",
	    &cfg->signing_key_file, err, errlen) == -1 ||
	    config_optional(env, "TOKEN_VERIFY_KEYS_FILE",
	    &cfg->verify_keys_file, err, errlen) == -1)
		return -1;
	v = config_get(env, "TOKEN_ACCEPT_HS256_UNTIL");
	if (cfg->alg == JWK_HS256) {
		/* HS256 signs: a verify set only adds asymmetric tokens. */
		if (cfg->signing_key_file != NULL) {
			snprintf(err, errlen, "TOKEN_SIGNING_KEY_FILE: set, but "
			    "TOKEN_ALG is HS256; set TOKEN_ALG to the key's "
			    "algorithm");
			return -1;
		}
		if (v != NULL && *v != '\0') {
			snprintf(err, errlen, "TOKEN_ACCEPT_HS256_UNTIL: only "
			    "with TOKEN_ALG EdDSA, ES256 or RS256");
			return -1;
		}
		return 0;
	}
	if (cfg->signing_key_file == NULL && cfg->verify_keys_file == NULL) {
		snprintf(err, errlen, "TOKEN_ALG: %s needs "
		    "TOKEN_SIGNING_KEY_FILE (to sign) or TOKEN_VERIFY_KEYS_FILE "
		    "(to verify)", jwk_alg_name(cfg->alg));
		return -1;
	}
	if (v == NULL || *v == '\0')
		return 0;
	if (cfg->secret == NULL) {
		snprintf(err, errlen, "TOKEN_ACCEPT_HS256_UNTIL: needs "
		    "TOKEN_SECRET, the key of the HS256 tokens it accepts");
		return -1;
	}
	return config_until("TOKEN_ACCEPT_HS256_UNTIL", v, cfg->access_ttl,
	    &cfg->hs256_until, err, errlen);
}

/*
 * TOKEN_SECRET_PREVIOUS and TOKEN_SECRET_PREVIOUS_UNTIL, both or neither:
 * the replaced HS256 secret verifies its own tokens until they expire.
 */
static int
config_previous(struct config *cfg, const struct dotenv *env, char *err,
    size_t errlen)
{
	const char	*v, *until;
	size_t		 len;

	v = config_get(env, "TOKEN_SECRET_PREVIOUS");
	until = config_get(env, "TOKEN_SECRET_PREVIOUS_UNTIL");
	if ((v == NULL || *v == '\0') && (until == NULL || *until == '\0'))
		return 0;
	if (v == NULL || *v == '\0' || until == NULL || *until == '\0') {
		snprintf(err, errlen, "TOKEN_SECRET_PREVIOUS: set it and "
		    "TOKEN_SECRET_PREVIOUS_UNTIL together, or neither");
		return -1;
	}
	len = strlen(v);
	if (len < CONFIG_SECRET_MIN || len > CONFIG_SECRET_MAX) {
		snprintf(err, errlen, "TOKEN_SECRET_PREVIOUS: not %d to %d "
		    "bytes", CONFIG_SECRET_MIN, CONFIG_SECRET_MAX);
		return -1;
	}
	if (cfg->secret == NULL || (len == cfg->secret_len &&
	    sodium_memcmp(v, cfg->secret, len) == 0)) {
		snprintf(err, errlen, "TOKEN_SECRET_PREVIOUS: needs a "
		    "TOKEN_SECRET that differs from it");
		return -1;
	}
	if (config_until("TOKEN_SECRET_PREVIOUS_UNTIL", until,
	    cfg->access_ttl + cfg->leeway, &cfg->secret_prev_until, err,
	    errlen) == -1)
		return -1;
	if ((cfg->secret_prev = (unsigned char *)strdup(v)) == NULL) {
		snprintf(err, errlen, "TOKEN_SECRET_PREVIOUS: out of memory");
		return -1;
	}
	cfg->secret_prev_len = len;
	return 0;
}

/*
 * Read a file holding one line (a secret) into buf, the final newline
 * dropped; name is the variable for messages.  Returns the length, or -1
 * with err set.
 */
static ssize_t
config_read_line(const char *name, const char *path, char *buf,
    size_t bufsz, char *err, size_t errlen)
{
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot open %s: %s", name, path,
		    strerror(errno));
		return -1;
	}
	while (got < bufsz) {
		n = read(fd, buf + got, bufsz - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: cannot read %s: %s", name,
			    path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	if (got > 0 && buf[got - 1] == '\r')
		got--;
	if (got == bufsz || got == 0 || memchr(buf, '\n', got) != NULL ||
	    memchr(buf, '\0', got) != NULL) {
		snprintf(err, errlen, "%s: %s must hold one line of 1 to %zu "
		    "bytes", name, path, bufsz - 1);
		return -1;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

/*
 * DATABASE_URL, or the one line of the file DATABASE_URL_FILE names (it
 * may hold a password, so a file of mode 0600 keeps it out of the
 * environment); both set: refused, as for the secret.  Only the form is
 * checked here (store_pg_open parses it): a URI of the postgresql or
 * postgres scheme, or libpq's key=value words.  Never echoes the value.
 */
static int
config_database_url(struct config *cfg, const struct dotenv *env,
    char *err, size_t errlen)
{
	char		 buf[CONFIG_URL_MAX + 1];
	const char	*url, *file, *name = "DATABASE_URL";

	url = config_get(env, "DATABASE_URL");
	file = config_get(env, "DATABASE_URL_FILE");
	if (url != NULL && *url == '\0')
		url = NULL;
	if (file != NULL && *file != '\0') {
		if (url != NULL) {
			snprintf(err, errlen, "DATABASE_URL_FILE: set together "
			    "with DATABASE_URL; set only one of them");
			return -1;
		}
		if (config_read_line("DATABASE_URL_FILE", file, buf,
		    sizeof(buf), err, errlen) == -1)
			return -1;
		url = buf;
		name = "DATABASE_URL_FILE";
	}
	if (url == NULL)
		return 0;
	if (strlen(url) > CONFIG_URL_MAX || (strstr(url, "://") != NULL &&
	    strncmp(url, "postgresql://", 13) != 0 &&
	    strncmp(url, "postgres://", 11) != 0) ||
	    (strstr(url, "://") == NULL && strchr(url, '=') == NULL)) {
		snprintf(err, errlen, "%s: not a postgresql:// URI or libpq "
		    "key=value words", name);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	cfg->database_url = strdup(url);
	sodium_memzero(buf, sizeof(buf));
	if (cfg->database_url == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	return 0;
}

static int
config_values(struct config *cfg, const struct dotenv *env, char *err,
    size_t errlen)
{
	const char	*v;
	size_t		 i;
	long		 n;

	v = config_get(env, "TOKEN_ALG");
	if (jwk_alg_parse(v != NULL && *v != '\0' ? v : "HS256",
	    &cfg->alg) == -1) {
		snprintf(err, errlen, "TOKEN_ALG: must be HS256, EdDSA, ES256 "
		    "or RS256");
		return -1;
	}
	/* Asymmetric mode needs the secret only for a migration window. */
	if (config_secret(cfg, env, cfg->alg == JWK_HS256 ||
	    config_get(env, "TOKEN_ACCEPT_HS256_UNTIL") != NULL, err,
	    errlen) == -1)
		return -1;
	for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
		if (config_key(cfg, env, &config_keys[i], err, errlen) == -1)
			return -1;

	v = config_get(env, "AUTH_INVALID_STATUS");
	if (config_parse_uint(v != NULL ? v : "403", 999, &n) == -1 ||
	    (n != 401 && n != 403)) {
		snprintf(err, errlen, "AUTH_INVALID_STATUS: must be 403 or 401");
		return -1;
	}
	cfg->invalid_status = (int)n;

	v = config_get(env, "AUTH_COOKIES");
	if (v != NULL && strcmp(v, "0") != 0 && strcmp(v, "1") != 0 &&
	    *v != '\0') {
		snprintf(err, errlen, "AUTH_COOKIES: must be 0 or 1");
		return -1;
	}
	cfg->cookies = v != NULL && strcmp(v, "1") == 0;
	if (config_cors(cfg, env, err, errlen) == -1)
		return -1;

	if (config_cookie_path(cfg, env, err, errlen) == -1)
		return -1;

	v = config_get(env, "TRUSTED_PROXIES");
	if (clientaddr_parse_ranges(v != NULL ? v : "", &cfg->proxies,
	    &cfg->nproxies) == -1) {
		snprintf(err, errlen, "TRUSTED_PROXIES: not a list of "
		    "addresses or CIDR ranges (10.0.0.1, 192.168.0.0/16, ::1)");
		return -1;
	}

	if (config_optional(env, "TOKEN_ISSUER", &cfg->issuer, err,
	    errlen) == -1 ||
	    config_optional(env, "TOKEN_AUDIENCE", &cfg->audience, err,
	    errlen) == -1)
		return -1;

	if (config_keys_files(cfg, env, err, errlen) == -1 ||
	    config_previous(cfg, env, err, errlen) == -1)
		return -1;

	if (config_optional(env, "PWHASH_LOCK_FILE", &cfg->pwhash_lock, err,
	    errlen) == -1 || config_database_url(cfg, env, err, errlen) == -1)
		return -1;
	v = config_get(env, "DATABASE_PATH");
	if (cfg->database_url != NULL) {
		/*
		 * Two stores named: which one holds the users is a guess.  An
		 * empty DATABASE_PATH names none (lighttpd-cgi.conf passes
		 * one, set or not).
		 */
		if (v != NULL && *v != '\0') {
			snprintf(err, errlen, "DATABASE_URL: set together with "
			    "DATABASE_PATH; set only one of them");
			return -1;
		}
		return 0;
	}
	if (v != NULL && *v == '\0') {
		snprintf(err, errlen, "DATABASE_PATH: empty");
		return -1;
	}
	if ((cfg->database_path = strdup(v != NULL ? v : "var/auth.db")) ==
	    NULL) {
		snprintf(err, errlen, "DATABASE_PATH: out of memory");
		return -1;
	}
	return 0;
}

int
config_load(struct config *cfg, char *err, size_t errlen)
{
	struct dotenv	 env;
	const char	*path;
	int		 rc;

	memset(cfg, 0, sizeof(*cfg));
	path = getenv("ENV_FILE");
	rc = dotenv_load(&env, path != NULL ? path : ".env");
	if (rc == -1 || (rc == 1 && path != NULL)) {
		snprintf(err, errlen, "ENV_FILE: cannot read %s: %s",
		    path != NULL ? path : ".env",
		    rc == 1 ? strerror(ENOENT) : strerror(errno));
		return -1;
	}
	rc = config_values(cfg, &env, err, errlen);
	dotenv_free(&env);
	if (rc == -1)
		config_free(cfg);
	return rc;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->secret != NULL)
		sodium_memzero(cfg->secret, cfg->secret_len);
	free(cfg->secret);
	free(cfg->secret_file);
	if (cfg->secret_prev != NULL)
		sodium_memzero(cfg->secret_prev, cfg->secret_prev_len);
	free(cfg->secret_prev);
	free(cfg->signing_key_file);
	free(cfg->verify_keys_file);
	free(cfg->issuer);
	free(cfg->audience);
	free(cfg->database_path);
	if (cfg->database_url != NULL)
		sodium_memzero(cfg->database_url, strlen(cfg->database_url));
	free(cfg->database_url);
	free(cfg->pwhash_lock);
	free(cfg->proxies);
	origin_list_free(cfg->cors_origins, cfg->ncors_origins);
	memset(cfg, 0, sizeof(*cfg));
}
