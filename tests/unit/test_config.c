/* SPDX-License-Identifier: ISC */
/*
 * config_parse_duration and config_load: the environment first, then the
 * ENV_FILE dotenv file.  Every test starts from an environment with none
 * of our variables and ENV_FILE naming a fresh file in a scratch
 * directory, so the repository's own .env never leaks in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "tests/unit/unit.h"

/* 32 bytes, and one short of that. */
#define SECRET32	"k9Qx7vLm2Rt8Wz4Np6Hs3Jd5Fb1Gc0Ya"
#define SECRET32B	"Zp3Lq8Wm5Xr2Tn7Vb4Kc9Hd6Jf1Gs0Ue"
#define SECRET31	"k9Qx7vLm2Rt8Wz4Np6Hs3Jd5Fb1Gc0Y"

static const char *const config_vars[] = {
	"TOKEN_SECRET", "ACCESS_TOKEN_SECRET", "TOKEN_SECRET_FILE",
	"ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL", "TOKEN_ISSUER",
	"TOKEN_AUDIENCE", "TOKEN_LEEWAY", "AUTH_INVALID_STATUS",
	"DATABASE_PATH", "AUTH_COOKIES", "AUTH_COOKIE_PATH", "ENV_FILE",
	"LOGIN_MAX_FAILURES",
	"LOGIN_MAX_FAILURES_PER_ADDRESS", "LOGIN_MAX_FAILURES_PER_NAME",
	"LOGIN_WINDOW", "SIGNUP_MAX_PER_ADDRESS", "PWHASH_MAX_CONCURRENT",
	"PWHASH_WAIT", "TRUSTED_PROXIES", "CORS_ORIGINS", "CORS_MAX_AGE",
	"AUTH_COOKIE_SAMESITE", "TOKEN_ALG", "TOKEN_SIGNING_KEY_FILE",
	"TOKEN_VERIFY_KEYS_FILE", "TOKEN_ACCEPT_HS256_UNTIL",
	"TOKEN_SECRET_PREVIOUS", "TOKEN_SECRET_PREVIOUS_UNTIL", "DATABASE_URL",
	"DATABASE_URL_FILE", "PWHASH_LOCK_FILE",
};

static char	scratch_dir[64];
static char	env_file[128];
static char	secret_file[128];

/* Clear our variables, then point ENV_FILE at a file holding text. */
static void
setup(const char *text)
{
	FILE	*fp;
	size_t	 i;

	for (i = 0; i < sizeof(config_vars) / sizeof(config_vars[0]); i++)
		unsetenv(config_vars[i]);
	snprintf(scratch_dir, sizeof(scratch_dir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(scratch_dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(env_file, sizeof(env_file), "%s/env", scratch_dir);
	snprintf(secret_file, sizeof(secret_file), "%s/secret", scratch_dir);
	if ((fp = fopen(env_file, "w")) == NULL) {
		perror(env_file);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
	setenv("ENV_FILE", env_file, 1);
}

static void
teardown(void)
{
	size_t	 i;

	unlink(env_file);
	unlink(secret_file);
	rmdir(scratch_dir);
	for (i = 0; i < sizeof(config_vars) / sizeof(config_vars[0]); i++)
		unsetenv(config_vars[i]);
}

static void
write_secret_file(const char *text, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(secret_file, "w")) == NULL) {
		perror(secret_file);
		exit(2);
	}
	fwrite(text, 1, len, fp);
	fclose(fp);
	setenv("TOKEN_SECRET_FILE", secret_file, 1);
}

/* err names var and holds neither a secret nor an 8-byte piece of one. */
static void
check_err(const char *err, const char *var)
{
	CHECK(strstr(err, var) != NULL);
	CHECK(strstr(err, SECRET31) == NULL);
	CHECK(strstr(err, "k9Qx7vLm") == NULL);
	CHECK(strstr(err, "Zp3Lq8Wm") == NULL);
	if (strstr(err, var) == NULL)
		fprintf(stderr, "  err: %s\n", err);
}

/* Load expecting success; with the secret it must hold. */
static int
load_ok(struct config *cfg, const char *secret)
{
	char	 err[256] = "";

	if (config_load(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "  config_load failed: %s\n", err);
		return -1;
	}
	CHECK_INT(cfg->secret_len, strlen(secret));
	CHECK(cfg->secret != NULL &&
	    memcmp(cfg->secret, secret, strlen(secret)) == 0);
	return 0;
}

/* Load expecting failure naming var. */
static void
load_fails(const char *var)
{
	struct config	 cfg;
	char		 err[256] = "";

	CHECK_INT(config_load(&cfg, err, sizeof(err)), -1);
	check_err(err, var);
	CHECK(cfg.secret == NULL);
	config_free(&cfg);
}

/* Each (variable, value) of bad, set alone beside a good secret, is
 * refused with an error naming the variable. */
static void
each_refused(const char *const (*bad)[2], size_t n)
{
	size_t	 i;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	for (i = 0; i < n; i++) {
		setenv(bad[i][0], bad[i][1], 1);
		load_fails(bad[i][0]);
		unsetenv(bad[i][0]);
	}
	teardown();
}

static void
test_duration_plain_seconds(void)
{
	long	 v = 0;

	CHECK_INT(config_parse_duration("900", &v), 0);
	CHECK_INT(v, 900);
	CHECK_INT(config_parse_duration("1", &v), 0);
	CHECK_INT(v, 1);
}

static void
test_duration_seconds_suffix(void)
{
	long	 v = 0;

	CHECK_INT(config_parse_duration("1800s", &v), 0);
	CHECK_INT(v, 1800);
}

static void
test_duration_minutes(void)
{
	long	 v = 0;

	CHECK_INT(config_parse_duration("30m", &v), 0);
	CHECK_INT(v, 1800);
}

static void
test_duration_hours(void)
{
	long	 v = 0;

	CHECK_INT(config_parse_duration("1h", &v), 0);
	CHECK_INT(v, 3600);
}

static void
test_duration_days(void)
{
	long	 v = 0;

	CHECK_INT(config_parse_duration("7d", &v), 0);
	CHECK_INT(v, 604800);
}

/* The positive control of the upper bound: ten years exactly. */
static void
test_duration_ten_years_accepted(void)
{
	long	 v = 0;

	CHECK_INT(config_parse_duration("3650d", &v), 0);
	CHECK_INT(v, 315360000L);
	CHECK_INT(config_parse_duration("315360000", &v), 0);
	CHECK_INT(v, 315360000L);
}

static void
test_duration_over_ten_years_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration("3651d", &v), -1);
	CHECK_INT(config_parse_duration("315360001", &v), -1);
	CHECK_INT(config_parse_duration("87601h", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_duration_empty_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration("", &v), -1);
	CHECK_INT(config_parse_duration(NULL, &v), -1);
	CHECK_INT(v, 42);
}

static void
test_duration_zero_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration("0", &v), -1);
	CHECK_INT(config_parse_duration("0s", &v), -1);
	CHECK_INT(config_parse_duration("0d", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_duration_negative_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration("-5", &v), -1);
	CHECK_INT(config_parse_duration("+5", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_duration_fraction_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration("1.5h", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_duration_bad_unit_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration("10x", &v), -1);
	CHECK_INT(config_parse_duration("10ms", &v), -1);
	CHECK_INT(config_parse_duration("1hh", &v), -1);
	CHECK_INT(config_parse_duration("h", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_duration_spaces_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration(" 5", &v), -1);
	CHECK_INT(config_parse_duration("5 ", &v), -1);
	CHECK_INT(config_parse_duration("5 m", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_duration_overflow_refused(void)
{
	long	 v = 42;

	CHECK_INT(config_parse_duration("99999999999999999999", &v), -1);
	CHECK_INT(config_parse_duration("9223372036854775807", &v), -1);
	CHECK_INT(config_parse_duration("106751991167301d", &v), -1);
	CHECK_INT(v, 42);
}

static void
test_load_missing_secret(void)
{
	setup("");
	load_fails("TOKEN_SECRET");
	teardown();
}

static void
test_load_secret_31_refused(void)
{
	setup("");
	setenv("TOKEN_SECRET", SECRET31, 1);
	load_fails("TOKEN_SECRET");
	teardown();
}

static void
test_load_secret_32_accepted(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	teardown();
}

static void
test_load_empty_secret_refused(void)
{
	setup("");
	setenv("TOKEN_SECRET", "", 1);
	load_fails("TOKEN_SECRET");
	teardown();
}

static void
test_load_alias_accepted(void)
{
	struct config	 cfg;

	setup("");
	setenv("ACCESS_TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	teardown();
}

static void
test_load_alias_31_refused(void)
{
	setup("");
	setenv("ACCESS_TOKEN_SECRET", SECRET31, 1);
	load_fails("ACCESS_TOKEN_SECRET");
	teardown();
}

static void
test_load_both_same_accepted(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("ACCESS_TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	teardown();
}

static void
test_load_both_differ_refused(void)
{
	struct config	 cfg;
	char		 err[256] = "";

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("ACCESS_TOKEN_SECRET", SECRET32B, 1);
	CHECK_INT(config_load(&cfg, err, sizeof(err)), -1);
	check_err(err, "TOKEN_SECRET");
	check_err(err, "ACCESS_TOKEN_SECRET");
	config_free(&cfg);
	teardown();
}

/* The same conflict with one side in the file. */
static void
test_load_both_differ_across_file_refused(void)
{
	setup("ACCESS_TOKEN_SECRET=" SECRET32B "\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	load_fails("ACCESS_TOKEN_SECRET");
	teardown();
}

static void
test_load_secret_from_env_file(void)
{
	struct config	 cfg;

	setup("TOKEN_SECRET=" SECRET32 "\n");
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	teardown();
}

static void
test_load_env_wins_over_file(void)
{
	struct config	 cfg;

	setup("TOKEN_SECRET=" SECRET32B "\nAUTH_INVALID_STATUS=401\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("AUTH_INVALID_STATUS", "403", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.invalid_status, 403);
	config_free(&cfg);
	teardown();
}

static void
test_load_file_used_when_env_unset(void)
{
	struct config	 cfg;

	setup("AUTH_INVALID_STATUS=401\nTOKEN_LEEWAY=7\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.invalid_status, 401);
	CHECK_INT(cfg.leeway, 7);
	config_free(&cfg);
	teardown();
}

static void
test_load_missing_env_file_refused(void)
{
	setup("");
	setenv("ENV_FILE", "/nonexistent/test_config/env", 1);
	setenv("TOKEN_SECRET", SECRET32, 1);
	load_fails("ENV_FILE");
	teardown();
}

static void
test_load_secret_file_newline_dropped(void)
{
	struct config	 cfg;

	setup("");
	write_secret_file(SECRET32 "\n", 33);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.secret_len, 32);
	config_free(&cfg);
	teardown();
}

static void
test_load_secret_file_without_newline(void)
{
	struct config	 cfg;

	setup("");
	write_secret_file(SECRET32, 32);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	teardown();
}

static void
test_load_secret_file_31_refused(void)
{
	setup("");
	write_secret_file(SECRET31 "\n", 32);
	load_fails("TOKEN_SECRET_FILE");
	teardown();
}

static void
test_load_secret_file_missing_refused(void)
{
	setup("");
	setenv("TOKEN_SECRET_FILE", "/nonexistent/test_config/secret", 1);
	load_fails("TOKEN_SECRET_FILE");
	teardown();
}

static void
test_load_secret_file_two_lines_refused(void)
{
	setup("");
	write_secret_file(SECRET32 "\n" SECRET32 "\n", 66);
	load_fails("TOKEN_SECRET_FILE");
	teardown();
}

static void
test_load_secret_file_disagrees_refused(void)
{
	setup("");
	write_secret_file(SECRET32 "\n", 33);
	setenv("TOKEN_SECRET", SECRET32B, 1);
	load_fails("TOKEN_SECRET_FILE");
	teardown();
}

static void
test_load_defaults(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.access_ttl, 1800);
	CHECK_INT(cfg.refresh_ttl, 604800);
	CHECK_INT(cfg.invalid_status, 403);
	CHECK_INT(cfg.leeway, 0);
	CHECK_STR(cfg.database_path, "var/auth.db");
	CHECK(cfg.issuer == NULL);
	CHECK(cfg.audience == NULL);
	CHECK_INT(cfg.cookies, 0);
	CHECK_STR(cfg.cookie_path, "/api/userOrders");
	config_free(&cfg);
	teardown();
}

static void
test_load_ttls(void)
{
	struct config	 cfg;

	setup("REFRESH_TOKEN_TTL=1d\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("ACCESS_TOKEN_TTL", "15m", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.access_ttl, 900);
	CHECK_INT(cfg.refresh_ttl, 86400);
	config_free(&cfg);
	teardown();
}

static void
test_load_bad_access_ttl(void)
{
	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("ACCESS_TOKEN_TTL", "10x", 1);
	load_fails("ACCESS_TOKEN_TTL");
	teardown();
}

static void
test_load_bad_refresh_ttl(void)
{
	setup("REFRESH_TOKEN_TTL=0\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	load_fails("REFRESH_TOKEN_TTL");
	teardown();
}

static void
test_load_status_401(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("AUTH_INVALID_STATUS", "401", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.invalid_status, 401);
	config_free(&cfg);
	teardown();
}

static void
test_load_status_403(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("AUTH_INVALID_STATUS", "403", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.invalid_status, 403);
	config_free(&cfg);
	teardown();
}

static void
test_load_status_other_refused(void)
{
	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("AUTH_INVALID_STATUS", "500", 1);
	load_fails("AUTH_INVALID_STATUS");
	setenv("AUTH_INVALID_STATUS", "400", 1);
	load_fails("AUTH_INVALID_STATUS");
	setenv("AUTH_INVALID_STATUS", "abc", 1);
	load_fails("AUTH_INVALID_STATUS");
	setenv("AUTH_INVALID_STATUS", "401x", 1);
	load_fails("AUTH_INVALID_STATUS");
	teardown();
}

static void
test_load_leeway(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("TOKEN_LEEWAY", "30", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.leeway, 30);
	config_free(&cfg);
	setenv("TOKEN_LEEWAY", "3600", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.leeway, 3600);
	config_free(&cfg);
	teardown();
}

static void
test_load_bad_leeway_refused(void)
{
	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("TOKEN_LEEWAY", "-1", 1);
	load_fails("TOKEN_LEEWAY");
	setenv("TOKEN_LEEWAY", "3601", 1);
	load_fails("TOKEN_LEEWAY");
	setenv("TOKEN_LEEWAY", "5s", 1);
	load_fails("TOKEN_LEEWAY");
	setenv("TOKEN_LEEWAY", " 5", 1);
	load_fails("TOKEN_LEEWAY");
	teardown();
}

/* The throttling limits' defaults: 5, 50, 100, 20, the CPUs; 5 s, 15 m. */
static void
test_load_limits_default(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.login_max, 5);
	CHECK_INT(cfg.login_max_addr, 50);
	CHECK_INT(cfg.login_max_name, 100);
	CHECK_INT(cfg.signup_max, 20);
	CHECK_INT(cfg.pwhash_max, sysconf(_SC_NPROCESSORS_ONLN));
	CHECK_INT(cfg.pwhash_wait, 5);
	CHECK_INT(cfg.login_window, 900);
	CHECK_INT(cfg.nproxies, 0);
	config_free(&cfg);
	teardown();
}

/* Each limit takes 0 (off) and its own value, from the environment or
 * the file. */
static void
test_load_limits_set(void)
{
	struct config	 cfg;

	setup("LOGIN_MAX_FAILURES_PER_NAME=7\nPWHASH_WAIT=0\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("LOGIN_MAX_FAILURES", "0", 1);
	setenv("LOGIN_MAX_FAILURES_PER_ADDRESS", "3", 1);
	setenv("SIGNUP_MAX_PER_ADDRESS", "0", 1);
	setenv("PWHASH_MAX_CONCURRENT", "1024", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.login_max, 0);
	CHECK_INT(cfg.login_max_addr, 3);
	CHECK_INT(cfg.login_max_name, 7);
	CHECK_INT(cfg.signup_max, 0);
	CHECK_INT(cfg.pwhash_max, 1024);
	CHECK_INT(cfg.pwhash_wait, 0);
	config_free(&cfg);
	setenv("PWHASH_WAIT", "1m", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.pwhash_wait, 60);
	config_free(&cfg);
	setenv("PWHASH_WAIT", "0s", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.pwhash_wait, 0);
	config_free(&cfg);
	teardown();
}

static void
test_load_bad_limits_refused(void)
{
	static const char *const bad[][2] = {
		{ "LOGIN_MAX_FAILURES", "1001" },
		{ "LOGIN_MAX_FAILURES", "-1" },
		{ "LOGIN_MAX_FAILURES_PER_ADDRESS", "5x" },
		{ "LOGIN_MAX_FAILURES_PER_NAME", "" },
		{ "SIGNUP_MAX_PER_ADDRESS", " 3" },
		{ "PWHASH_MAX_CONCURRENT", "1025" },
		{ "PWHASH_WAIT", "61s" },
		{ "PWHASH_WAIT", "-1" },
		{ "PWHASH_WAIT", "fast" },
		{ "PWHASH_WAIT", "0x" },
		{ "LOGIN_WINDOW", "0s" },
		{ "TRUSTED_PROXIES", "10.0.0.0/33" },
		{ "TRUSTED_PROXIES", "proxy.example" },
		{ "TRUSTED_PROXIES", "::1/129" },
		{ "TRUSTED_PROXIES", "10.0.0.1/" },
	};

	each_refused(bad, sizeof(bad) / sizeof(bad[0]));
}

/* TRUSTED_PROXIES: addresses and ranges, commas and blanks alike. */
static void
test_load_trusted_proxies(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ::1,fd00::/8", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.nproxies, 4);
	if (cfg.nproxies == 4) {
		CHECK_INT(cfg.proxies[0].bits, 32);
		CHECK_INT(cfg.proxies[1].bits, 8);
		CHECK_INT(cfg.proxies[2].bits, 128);
		CHECK_INT(cfg.proxies[3].bits, 8);
	}
	config_free(&cfg);
	teardown();
}

static void
test_load_issuer_audience(void)
{
	struct config	 cfg;

	setup("TOKEN_AUDIENCE=orders-api\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("TOKEN_ISSUER", "https://auth.example", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_STR(cfg.issuer, "https://auth.example");
	CHECK_STR(cfg.audience, "orders-api");
	config_free(&cfg);
	teardown();
}

static void
test_load_database_path(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("DATABASE_PATH", "/srv/auth/x.db", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_STR(cfg.database_path, "/srv/auth/x.db");
	config_free(&cfg);
	setenv("DATABASE_PATH", "", 1);
	load_fails("DATABASE_PATH");
	teardown();
}

/* No CORS_ORIGINS: same-origin only; a preflight may be kept 600 s;
 * cookies are SameSite=Strict. */
static void
test_load_cors_defaults(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.ncors_origins, 0);
	CHECK(cfg.cors_origins == NULL);
	CHECK_INT(cfg.cors_max_age, 600);
	CHECK_STR(cfg.samesite, "Strict");
	config_free(&cfg);
	teardown();
}

/* Origins from the file, normalised; the other two from the
 * environment, SameSite in any case and written as cookies spell it. */
static void
test_load_cors_set(void)
{
	struct config	 cfg;

	setup("CORS_ORIGINS=\"http://localhost:3000, "
	    "HTTPS://App.Example:443\"\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("CORS_MAX_AGE", "0", 1);
	setenv("AUTH_COOKIE_SAMESITE", "none", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.ncors_origins, 2);
	if (cfg.ncors_origins == 2) {
		CHECK_STR(cfg.cors_origins[0], "http://localhost:3000");
		CHECK_STR(cfg.cors_origins[1], "https://app.example");
	}
	CHECK_INT(cfg.cors_max_age, 0);
	CHECK_STR(cfg.samesite, "None");
	config_free(&cfg);
	CHECK(cfg.cors_origins == NULL);
	setenv("CORS_MAX_AGE", "86400", 1);
	setenv("AUTH_COOKIE_SAMESITE", "Lax", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_INT(cfg.cors_max_age, 86400);
	CHECK_STR(cfg.samesite, "Lax");
	config_free(&cfg);
	teardown();
}

static void
test_load_bad_cors_refused(void)
{
	static const char *const bad[][2] = {
		{ "CORS_ORIGINS", "*" },
		{ "CORS_ORIGINS", "null" },
		{ "CORS_ORIGINS", "http://localhost:3000 https://*.example" },
		{ "CORS_ORIGINS", "https://app.example.com/" },
		{ "CORS_ORIGINS", "app.example.com" },
		{ "CORS_MAX_AGE", "86401" },
		{ "CORS_MAX_AGE", "10m" },
		{ "CORS_MAX_AGE", "-1" },
		{ "AUTH_COOKIE_SAMESITE", "Strictly" },
		{ "AUTH_COOKIE_SAMESITE", "None; Secure" },
	};

	each_refused(bad, sizeof(bad) / sizeof(bad[0]));
}

/* AUTH_COOKIE_PATH: a path that covers /api/userOrders (RFC 6265 §5.1.4). */
static void
test_load_cookie_path_covering(void)
{
	static const char *const good[] = {
		"/", "/api", "/api/", "/api/userOrders",
	};
	struct config	 cfg;
	size_t		 i;

	setup("AUTH_COOKIE_PATH=/\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_STR(cfg.cookie_path, "/");
	config_free(&cfg);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		setenv("AUTH_COOKIE_PATH", good[i], 1);
		CHECK_INT(load_ok(&cfg, SECRET32), 0);
		CHECK_STR(cfg.cookie_path, good[i]);
		config_free(&cfg);
	}
	teardown();
}

/* ... and nothing else: the page would lose its session at userOrders. */
static void
test_load_cookie_path_refused(void)
{
	static const char *const bad[] = {
		"/protected", "/ap", "/api/user", "/api/userOrders/",
		"/api/userOrdersX", "api", "/api;x", "/api x", "/ap%69",
		"/api/userOrders\r\nSet-Cookie: x=y",
		"/../api", "//",
	};
	size_t		 i;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("AUTH_COOKIE_PATH", bad[i], 1);
		load_fails("AUTH_COOKIE_PATH");
	}
	teardown();
}

#define PG_URL	"postgresql://auth:Pw9sEcReT@db.example:5432/auth"

static void
test_load_database_url(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("DATABASE_URL", PG_URL, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_STR(cfg.database_url, PG_URL);
	CHECK(cfg.database_path == NULL);
	config_free(&cfg);
	/* postgres:// and libpq's key=value words are forms of it too. */
	setenv("DATABASE_URL", "postgres:///auth", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	setenv("DATABASE_URL", "host=/run/postgresql dbname=auth", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	/* The control: without it, SQLite at the default path. */
	unsetenv("DATABASE_URL");
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK(cfg.database_url == NULL);
	CHECK_STR(cfg.database_path, "var/auth.db");
	config_free(&cfg);
	teardown();
}

/* An error about the URL names the variable, never the password. */
static void
load_fails_url(const char *var)
{
	struct config	 cfg;
	char		 err[256] = "";

	CHECK_INT(config_load(&cfg, err, sizeof(err)), -1);
	check_err(err, var);
	CHECK(strstr(err, "Pw9sEcReT") == NULL);
	config_free(&cfg);
}

static void
test_load_database_url_refused(void)
{
	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("DATABASE_URL", "mysql://auth:Pw9sEcReT@db/auth", 1);
	load_fails_url("DATABASE_URL");
	setenv("DATABASE_URL", "Pw9sEcReT", 1);
	load_fails_url("DATABASE_URL");
	/* Both stores named: which holds the users would be a guess. */
	setenv("DATABASE_URL", PG_URL, 1);
	setenv("DATABASE_PATH", "/srv/auth/x.db", 1);
	load_fails_url("DATABASE_PATH");
	teardown();
	/* DATABASE_PATH from the file counts too. */
	setup("DATABASE_PATH=/srv/auth/x.db\n");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("DATABASE_URL", PG_URL, 1);
	load_fails_url("DATABASE_URL");
	teardown();
}

static void
test_load_database_url_empty_path(void)
{
	struct config	 cfg;

	/* lighttpd-cgi.conf always passes a DATABASE_PATH: empty is none. */
	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	setenv("DATABASE_URL", PG_URL, 1);
	setenv("DATABASE_PATH", "", 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK(cfg.database_path == NULL);
	config_free(&cfg);
	teardown();
}

static void
test_load_database_url_file(void)
{
	struct config	 cfg;
	char		 path[160];
	FILE		*fp;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	snprintf(path, sizeof(path), "%s/url", scratch_dir);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fputs(PG_URL "\n", fp);
	fclose(fp);
	setenv("DATABASE_URL_FILE", path, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	CHECK_STR(cfg.database_url, PG_URL);
	config_free(&cfg);
	setenv("DATABASE_URL", PG_URL, 1);
	load_fails_url("DATABASE_URL_FILE");
	unsetenv("DATABASE_URL");
	unlink(path);
	load_fails_url("DATABASE_URL_FILE");
	teardown();
}

static void
test_free_zeroes(void)
{
	struct config	 cfg;

	setup("");
	setenv("TOKEN_SECRET", SECRET32, 1);
	CHECK_INT(load_ok(&cfg, SECRET32), 0);
	config_free(&cfg);
	CHECK(cfg.secret == NULL);
	CHECK_INT(cfg.secret_len, 0);
	CHECK(cfg.database_path == NULL);
	config_free(&cfg);
	config_free(NULL);
	teardown();
}

UNIT_TESTS(
	T(test_duration_plain_seconds),
	T(test_duration_seconds_suffix),
	T(test_duration_minutes),
	T(test_duration_hours),
	T(test_duration_days),
	T(test_duration_ten_years_accepted),
	T(test_duration_over_ten_years_refused),
	T(test_duration_empty_refused),
	T(test_duration_zero_refused),
	T(test_duration_negative_refused),
	T(test_duration_fraction_refused),
	T(test_duration_bad_unit_refused),
	T(test_duration_spaces_refused),
	T(test_duration_overflow_refused),
	T(test_load_cookie_path_covering),
	T(test_load_cookie_path_refused),
	T(test_load_missing_secret),
	T(test_load_secret_31_refused),
	T(test_load_secret_32_accepted),
	T(test_load_empty_secret_refused),
	T(test_load_alias_accepted),
	T(test_load_alias_31_refused),
	T(test_load_both_same_accepted),
	T(test_load_both_differ_refused),
	T(test_load_both_differ_across_file_refused),
	T(test_load_secret_from_env_file),
	T(test_load_env_wins_over_file),
	T(test_load_file_used_when_env_unset),
	T(test_load_missing_env_file_refused),
	T(test_load_secret_file_newline_dropped),
	T(test_load_secret_file_without_newline),
	T(test_load_secret_file_31_refused),
	T(test_load_secret_file_missing_refused),
	T(test_load_secret_file_two_lines_refused),
	T(test_load_secret_file_disagrees_refused),
	T(test_load_defaults),
	T(test_load_ttls),
	T(test_load_bad_access_ttl),
	T(test_load_bad_refresh_ttl),
	T(test_load_status_401),
	T(test_load_status_403),
	T(test_load_status_other_refused),
	T(test_load_leeway),
	T(test_load_limits_default),
	T(test_load_limits_set),
	T(test_load_bad_limits_refused),
	T(test_load_trusted_proxies),
	T(test_load_bad_leeway_refused),
	T(test_load_issuer_audience),
	T(test_load_database_path),
	T(test_load_cors_defaults),
	T(test_load_cors_set),
	T(test_load_bad_cors_refused),
	T(test_load_database_url),
	T(test_load_database_url_refused),
	T(test_load_database_url_empty_path),
	T(test_load_database_url_file),
	T(test_free_zeroes),
);
