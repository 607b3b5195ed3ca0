/* SPDX-License-Identifier: ISC */
/*
 * authctl: the operator's command for the jwt-auth service.
 *
 * It reads the configuration exactly as the three executables do
 * (config_load: the environment, then ENV_FILE or .env) and opens the same
 * store, so a user added here logs in there, and a token checked here is
 * judged by the same token_verify() at the same clock.  It never prints
 * the secret, a password or a hash.
 *
 * Exit status: 0 done, 1 failure (one line on stderr, or "invalid: ..."
 * from token check), 2 usage.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/config.h"
#include "common/dotenv.h"
#include "common/pwhash.h"
#include "common/rtoken.h"
#include "common/store.h"
#include "common/strictjson.h"
#include "common/token.h"
#include "common/username.h"

#include "admin/dbcopy.h"
#include "admin/envfile.h"
#include "admin/keys.h"

#define EXIT_USAGE	2

#define PASSWORD_MIN	8	/* bytes, as POST /api/createNewUser */
#define PASSWORD_MAX	1024
#define SECRET_BYTES	64	/* randomBytes(64).toString('hex') */
#define STDIN_TOKEN_MAX	(TOKEN_MAX_LEN * 2)	/* then: too long */
#define TIME_LEN	32	/* an RFC 3339 UTC time with its NUL */

/* What a command needs before it runs. */
#define NEED_CONFIG	0x01	/* config_load */
#define NEED_STORE	0x02	/* store_open (implies NEED_CONFIG) */
#define NEED_PWHASH	0x04	/* pwhash_init */

struct ctx {
	struct config	 cfg;		/* config_load; wiped at exit */
	struct store	*store;		/* or NULL when not needed */
	time_t		 now;		/* one clock for the whole command */
	int		 flag;		/* the command's option was given */
};

struct cmd {
	const char	*group;		/* "user" or "token" */
	const char	*name;
	const char	*option;	/* the one option it takes, or NULL */
	const char	*args;		/* the positional argument, for usage */
	int		 need;		/* NEED_* */
	int		(*run)(struct ctx *, const char *);
};

static const char	*progname = "authctl";

/* The terminal state to restore when a password prompt is interrupted. */
static struct termios	 tty_saved;
static volatile sig_atomic_t tty_hidden;

/* The synopsis, as in authctl(8). */
static void
synopsis(FILE *fp)
{
	fprintf(fp,
	    "usage: %s gen-secret [--force] [--env-file path]\n"
	    "       %s user add name\n"
	    "       %s user passwd name\n"
	    "       %s user list\n"
	    "       %s user revoke name\n"
	    "       %s user disable name\n"
	    "       %s user enable name\n"
	    "       %s user delete [--with-orders] name\n"
	    "       %s token check token | -\n"
	    "       %s token issue name\n"
	    "       %s key generate | rotate [--force] | retire kid | list | "
	    "jwks\n"
	    "       %s db copy --to url | -\n"
	    "       %s help | --version\n",
	    progname, progname, progname, progname, progname, progname,
	    progname, progname, progname, progname, progname, progname,
	    progname);
}

static void
usage(FILE *fp)
{
	synopsis(fp);
	fprintf(fp, "\n"
	    "Administers a jwt-auth service: its token secret, its users and "
	    "their\nsessions, and access tokens.  Configuration comes from "
	    "the environment,\nthen ENV_FILE (default .env), as for the "
	    "service: TOKEN_SECRET (or\nTOKEN_SECRET_FILE), DATABASE_PATH, "
	    "ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL,\nTOKEN_ISSUER, "
	    "TOKEN_AUDIENCE, TOKEN_LEEWAY.  A password is read from\n"
	    "standard input (one line), or asked for twice without echo on "
	    "a terminal.\nExit status: 0 done, 1 failure, 2 usage.  See "
	    "authctl(8).\n");
}

static int	usage_error(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));

/* A usage error: one line saying what is wrong, then the usage. */
static int
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	synopsis(stderr);
	return EXIT_USAGE;
}

static int
is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0 ||
	    strcmp(s, "help") == 0;
}

/*
 * Format t as an RFC 3339 UTC time ("2026-11-28T18:00:00Z") into buf
 * (TIME_LEN bytes).  A time gmtime() cannot show comes out as the number
 * of seconds with an '@', so a strange claim is still printed, not lost.
 */
static void
time_str(int64_t t, char buf[TIME_LEN])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, TIME_LEN, "@%lld", (long long)t);
}

/* Flush stdout; a write error (a full disk, a closed pipe) is a failure. */
static int
flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the output: %s\n", progname,
		    strerror(errno));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Passwords */

static void
tty_restore(int sig)
{
	if (tty_hidden)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	tty_hidden = 0;
	if (sig != 0) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

/*
 * Read one line from stdin into pw (PASSWORD_MAX + 2 bytes) without its
 * "\n" or "\r\n".  Returns its length, or -1 at end of file before any
 * byte, or -2 when the line is longer than PASSWORD_MAX (the rest of it is
 * read and dropped).
 */
static ssize_t
read_line(char *pw, size_t size)
{
	size_t	 len = 0;
	int	 c, any = 0, toolong = 0;

	while ((c = getchar()) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (len + 1 >= size) {
			toolong = 1;
			continue;
		}
		pw[len++] = (char)c;
	}
	if (!any)
		return -1;
	if (toolong)
		return -2;
	if (len > 0 && pw[len - 1] == '\r')
		len--;
	pw[len] = '\0';
	return (ssize_t)len;
}

/*
 * Prompt on stderr and read a line from the terminal on stdin with echo
 * off; a signal on the way restores the echo before the default action.
 */
static ssize_t
read_hidden(const char *prompt, char *pw, size_t size)
{
	struct termios		 t;
	struct sigaction	 sa;
	ssize_t			 n;
	int			 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	size_t			 i;

	if (tcgetattr(STDIN_FILENO, &tty_saved) == -1)
		return read_line(pw, size);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_restore;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	t.c_lflag |= ICANON;
	fputs(prompt, stderr);
	fflush(stderr);
	tty_hidden = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == -1)
		tty_hidden = 0;
	n = read_line(pw, size);
	tty_restore(0);
	fputc('\n', stderr);
	return n;
}

/*
 * Get the new password of user: one line of stdin, or asked twice on a
 * terminal.  The service's rule applies: 8 to 1024 bytes (of UTF-8, since
 * login takes it in JSON).  Returns 0 with the length in *len, or -1 after
 * one line on stderr.  The caller wipes pw (PASSWORD_MAX + 2 bytes).
 */
static int
get_password(const char *user, char *pw, size_t size, size_t *len)
{
	char		 again[PASSWORD_MAX + 2], prompt[128];
	ssize_t		 n, m;
	int		 rc = -1;

	/* Unbuffered: no copy of the password is left in stdio's buffer. */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (isatty(STDIN_FILENO)) {
		snprintf(prompt, sizeof(prompt), "New password for %s: ",
		    user);
		n = read_hidden(prompt, pw, size);
		if (n >= 0) {
			m = read_hidden("Repeat the password: ", again,
			    sizeof(again));
			if (m != n || sodium_memcmp(pw, again, (size_t)n) != 0) {
				fprintf(stderr, "%s: the passwords differ\n",
				    progname);
				goto out;
			}
		}
	} else
		n = read_line(pw, size);

	if (n == -1) {
		fprintf(stderr, "%s: no password on standard input\n",
		    progname);
		goto out;
	}
	if (n == -2 || (size_t)n > PASSWORD_MAX) {
		fprintf(stderr, "%s: password: longer than %d bytes\n",
		    progname, PASSWORD_MAX);
		goto out;
	}
	if ((size_t)n < PASSWORD_MIN) {
		fprintf(stderr, "%s: password: shorter than %d bytes\n",
		    progname, PASSWORD_MIN);
		goto out;
	}
	if (memchr(pw, '\0', (size_t)n) != NULL ||
	    !strictjson_utf8_valid((const unsigned char *)pw, (size_t)n)) {
		fprintf(stderr, "%s: password: not valid UTF-8 text\n",
		    progname);
		goto out;
	}
	*len = (size_t)n;
	rc = 0;
out:
	sodium_memzero(again, sizeof(again));
	return rc;
}

/* ------------------------------------------------------------------ */
/* user */

/* Check a user name given on the command line; 0 or -1 after a message. */
static int
check_name(const char *user)
{
	if (username_valid(user, strlen(user)))
		return 0;
	fprintf(stderr, "%s: invalid user name: 1 to %d bytes of A-Z a-z 0-9 "
	    ". _ @ -\n", progname, USERNAME_MAX);
	return -1;
}

/* One line for a store failure; the reason never holds user data. */
static int
store_failed(struct ctx *c, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", progname, what,
	    store_errmsg(c->store));
	return EXIT_FAILURE;
}

/*
 * Whether user exists: 1, 0 (after "no such user" on stderr), or -1 after
 * a store failure.
 */
static int
user_exists(struct ctx *c, const char *user)
{
	char		 hash[PWHASH_LEN];
	enum store_rc	 rc;

	rc = store_user_hash(c->store, user, hash);
	sodium_memzero(hash, sizeof(hash));
	if (rc == STORE_OK)
		return 1;
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "%s: no such user: %s\n", progname, user);
		return 0;
	}
	(void)store_failed(c, "cannot read the user");
	return -1;
}

/*
 * user add NAME: create the user with the password from stdin.
 * store_user_create() also stores the first refresh token of a session,
 * as sign-up does; nobody gets that token here, so it is made, dropped,
 * and its session revoked at once: "user revoke" then counts only real
 * logins.
 */
static int
cmd_user_add(struct ctx *c, const char *user)
{
	char		 pw[PASSWORD_MAX + 2], hash[PWHASH_LEN];
	char		 rtok[RTOKEN_LEN + 1];
	unsigned char	 rhash[RTOKEN_HASHLEN];
	size_t		 pwlen;
	int		 n, ret = EXIT_FAILURE;
	enum store_rc	 rc;

	if (check_name(user) == -1)
		return EXIT_FAILURE;
	/* Say so before asking for a password that would be thrown away. */
	if (store_user_hash(c->store, user, hash) == STORE_OK) {
		fprintf(stderr, "%s: user exists: %s\n", progname, user);
		goto out;
	}
	if (get_password(user, pw, sizeof(pw), &pwlen) == -1)
		goto out;
	if (pwhash_make(hash, pw, pwlen) == -1) {
		fprintf(stderr, "%s: cannot hash the password: out of "
		    "memory\n", progname);
		goto out;
	}
	rtoken_new(rtok, rhash);
	c->now = time(NULL);	/* the prompt may have waited */
	rc = store_user_create(c->store, user, hash, rhash, c->now,
	    c->now + c->cfg.refresh_ttl, c->cfg.access_ttl + c->cfg.leeway);
	if (rc == STORE_EXISTS) {
		fprintf(stderr, "%s: user exists: %s\n", progname, user);
		goto out;
	}
	if (rc != STORE_OK) {
		ret = store_failed(c, "cannot create the user");
		goto out;
	}
	if (store_user_revoke_all(c->store, user, c->now, &n) != STORE_OK)
		fprintf(stderr, "%s: warning: cannot revoke the unused first "
		    "session: %s\n", progname, store_errmsg(c->store));
	printf("added user %s\n", user);
	ret = flush_stdout();
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(rtok, sizeof(rtok));
	sodium_memzero(rhash, sizeof(rhash));
	return ret;
}

/* user passwd NAME: replace the password hash; sessions are kept. */
static int
cmd_user_passwd(struct ctx *c, const char *user)
{
	char		 pw[PASSWORD_MAX + 2], hash[PWHASH_LEN];
	size_t		 pwlen;
	int		 ret = EXIT_FAILURE;
	enum store_rc	 rc;

	if (check_name(user) == -1)
		return EXIT_FAILURE;
	if (user_exists(c, user) != 1)
		goto out;
	if (get_password(user, pw, sizeof(pw), &pwlen) == -1)
		goto out;
	if (pwhash_make(hash, pw, pwlen) == -1) {
		fprintf(stderr, "%s: cannot hash the password: out of "
		    "memory\n", progname);
		goto out;
	}
	rc = store_user_set_hash(c->store, user, hash);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "%s: no such user: %s\n", progname, user);
		goto out;
	}
	if (rc != STORE_OK) {
		ret = store_failed(c, "cannot change the password");
		goto out;
	}
	printf("changed the password of user %s\n", user);
	ret = flush_stdout();
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	return ret;
}

static int
list_one(const char *user, int64_t created_at, int disabled, void *arg)
{
	char	 when[TIME_LEN];

	(void)arg;
	time_str(created_at, when);
	return printf("%s\t%s%s\n", user, when, disabled ? "\tdisabled" :
	    "") < 0 ? -1 : 0;
}

/* user list: "NAME<TAB>CREATED" per user, by name, and "<TAB>disabled"
 * after a disabled one. */
static int
cmd_user_list(struct ctx *c, const char *unused)
{
	(void)unused;
	if (store_user_list(c->store, list_one, NULL) != STORE_OK)
		return store_failed(c, "cannot list the users");
	return flush_stdout();
}

/*
 * user revoke NAME: revoke every refresh-token family (session) of the
 * user.  Access tokens already handed out stay valid until they expire:
 * a JWT is checked against the secret, not the store.
 */
static int
cmd_user_revoke(struct ctx *c, const char *user)
{
	int	 n = 0;

	if (check_name(user) == -1)
		return EXIT_FAILURE;
	if (user_exists(c, user) != 1)
		return EXIT_FAILURE;
	if (store_user_revoke_all(c->store, user, c->now, &n) != STORE_OK)
		return store_failed(c, "cannot revoke the sessions");
	printf("revoked %d session%s of user %s\n", n, n == 1 ? "" : "s",
	    user);
	return flush_stdout();
}

/*
 * user disable NAME: no login and no refresh from now on, and every
 * session ends.  Its access tokens live until they expire (at most
 * ACCESS_TOKEN_TTL): a JWT is checked against the key, not the store.
 */
static int
cmd_user_disable(struct ctx *c, const char *user)
{
	int		 n = 0;
	enum store_rc	 rc;

	if (check_name(user) == -1)
		return EXIT_FAILURE;
	rc = store_user_disable(c->store, user, c->now, &n);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "%s: no such user: %s\n", progname, user);
		return EXIT_FAILURE;
	}
	if (rc != STORE_OK)
		return store_failed(c, "cannot disable the user");
	printf("disabled user %s and revoked %d session%s\n", user, n,
	    n == 1 ? "" : "s");
	return flush_stdout();
}

/* user enable NAME: undo user disable; the user logs in afresh. */
static int
cmd_user_enable(struct ctx *c, const char *user)
{
	enum store_rc	 rc;

	if (check_name(user) == -1)
		return EXIT_FAILURE;
	rc = store_user_enable(c->store, user);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "%s: no such user: %s\n", progname, user);
		return EXIT_FAILURE;
	}
	if (rc != STORE_OK)
		return store_failed(c, "cannot enable the user");
	printf("enabled user %s\n", user);
	return flush_stdout();
}

/*
 * On a terminal, ask "question [y/N] " and read the answer: 1 for y or
 * yes, 0 otherwise.  Not on a terminal (a script): 1 without asking.
 */
static int
confirm(const char *question)
{
	char	 line[16];
	ssize_t	 n;

	if (!isatty(STDIN_FILENO))
		return 1;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	n = read_line(line, sizeof(line));
	return n > 0 && (strcmp(line, "y") == 0 || strcmp(line, "yes") == 0);
}

/*
 * user delete [--with-orders] NAME: the user and every refresh token of
 * theirs; with --with-orders their orders too.  The name stays taken for
 * ACCESS_TOKEN_TTL (the deleted user's access tokens would otherwise be
 * the next owner's), and for as long as orders kept under it remain.
 */
static int
cmd_user_delete(struct ctx *c, const char *user)
{
	char		 q[160];
	int		 disabled, sessions, orders;
	enum store_rc	 rc;

	if (check_name(user) == -1)
		return EXIT_FAILURE;
	/* With --with-orders, a user deleted before may have left orders
	 * (written with an access token that outlived them). */
	rc = store_user_state(c->store, user, &disabled);
	if (rc == STORE_NOTFOUND && !c->flag) {
		fprintf(stderr, "%s: no such user: %s\n", progname, user);
		return EXIT_FAILURE;
	}
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return store_failed(c, "cannot read the user");
	snprintf(q, sizeof(q), "Delete %s %s%s?", rc == STORE_OK ? "user" :
	    "what is left of user", user, c->flag ? " and all their orders" :
	    "");
	if (!confirm(q)) {
		fprintf(stderr, "%s: nothing deleted\n", progname);
		return EXIT_FAILURE;
	}
	c->now = time(NULL);	/* the question may have waited */
	rc = store_user_delete(c->store, user, c->flag, c->now, &sessions,
	    &orders);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "%s: no such user: %s\n", progname, user);
		return EXIT_FAILURE;
	}
	if (rc != STORE_OK)
		return store_failed(c, "cannot delete the user");
	if (c->flag)
		printf("deleted user %s, %d session%s and %d order%s\n", user,
		    sessions, sessions == 1 ? "" : "s", orders,
		    orders == 1 ? "" : "s");
	else
		printf("deleted user %s and %d session%s; their orders are "
		    "kept\n", user, sessions, sessions == 1 ? "" : "s");
	return flush_stdout();
}

/* ------------------------------------------------------------------ */
/* token */

/*
 * The exp claim of a token token_verify() accepted: its payload is the
 * signed text between the dots.  Returns 0 or -1.
 */
static int
token_exp(const char *tok, int64_t *exp)
{
	unsigned char		 buf[TOKEN_MAX_LEN];
	struct json_object	*claims;
	const char		*p, *q;
	size_t			 n;
	int			 rc = -1;

	if ((p = strchr(tok, '.')) == NULL || (q = strchr(p + 1, '.')) == NULL)
		return -1;
	p++;
	if (sodium_base642bin(buf, sizeof(buf), p, (size_t)(q - p), NULL, &n,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	if ((claims = strictjson_object((const char *)buf, n, 8)) == NULL)
		return -1;
	if (strictjson_int(claims, "exp", exp) == 0)
		rc = 0;
	json_object_put(claims);
	return rc;
}

/*
 * Read a token from stdin into a malloc'd string, white space around it
 * dropped.  Returns it (caller frees with free(3)), or NULL with *toolong
 * set when stdin holds more than any token could be.
 */
static char *
read_token(int *toolong)
{
	char	*buf, *s, *e;
	size_t	 len = 0, n;

	*toolong = 0;
	if ((buf = malloc(STDIN_TOKEN_MAX + 1)) == NULL)
		return NULL;
	while ((n = fread(buf + len, 1, STDIN_TOKEN_MAX + 1 - len,
	    stdin)) > 0) {
		len += n;
		if (len > STDIN_TOKEN_MAX) {
			*toolong = 1;
			free(buf);
			return NULL;
		}
	}
	buf[len] = '\0';
	/* A NUL inside would hide the rest from token_verify(). */
	if (memchr(buf, '\0', len) != NULL)
		buf[0] = '\0';
	for (e = buf + strlen(buf); e > buf && strchr(" \t\r\n", e[-1]) != NULL;
	    e--)
		continue;
	*e = '\0';
	for (s = buf; *s != '\0' && strchr(" \t\r\n", *s) != NULL; s++)
		continue;
	memmove(buf, s, (size_t)(e - s) + 1);
	return buf;
}

/*
 * token check TOKEN|-: verify as the service would now, and say why not.
 * Prints "valid: user NAME, expires TIME" (exit 0) or "invalid: REASON"
 * (exit 1) on stdout.
 */
static int
cmd_token_check(struct ctx *c, const char *arg)
{
	char		*tok = NULL, user[USERNAME_MAX + 1], when[TIME_LEN];
	int64_t		 exp;
	int		 toolong, ret = EXIT_FAILURE;
	enum token_err	 err;

	if (strcmp(arg, "-") == 0) {
		if ((tok = read_token(&toolong)) == NULL && !toolong) {
			fprintf(stderr, "%s: cannot read the token: %s\n",
			    progname, ferror(stdin) ? strerror(errno) :
			    "out of memory");
			return EXIT_FAILURE;
		}
		if (tok == NULL) {
			printf("invalid: %s\n", token_err_str(TOKEN_TOOLONG));
			goto out;
		}
		arg = tok;
	}
	err = token_verify(&c->cfg, arg, c->now, user);
	if (err != TOKEN_OK) {
		printf("invalid: %s\n", token_err_str(err));
		goto out;
	}
	if (token_exp(arg, &exp) == -1) {
		fprintf(stderr, "%s: cannot read the expiry of a valid "
		    "token\n", progname);
		goto out;
	}
	time_str(exp, when);
	printf("valid: user %s, expires %s\n", user, when);
	ret = EXIT_SUCCESS;
out:
	free(tok);
	if (flush_stdout() != EXIT_SUCCESS)
		ret = EXIT_FAILURE;
	return ret;
}

/* token issue NAME: print an access token for an existing user. */
static int
cmd_token_issue(struct ctx *c, const char *user)
{
	char	*tok;
	int	 ret;

	if (check_name(user) == -1)
		return EXIT_FAILURE;
	if (user_exists(c, user) != 1)
		return EXIT_FAILURE;
	if ((tok = token_sign(&c->cfg, user, c->now)) == NULL) {
		fprintf(stderr, "%s: cannot sign a token\n", progname);
		return EXIT_FAILURE;
	}
	printf("%s\n", tok);
	ret = flush_stdout();
	sodium_memzero(tok, strlen(tok));
	free(tok);
	return ret;
}

/* ------------------------------------------------------------------ */
/* gen-secret */

/* The secret's names: TOKEN_SECRET and its alias (the tutorial's). */
static const char *const secret_keys[] = { "TOKEN_SECRET",
    "ACCESS_TOKEN_SECRET" };
#define NSECRET_KEYS	(sizeof(secret_keys) / sizeof(secret_keys[0]))

/* Whether env sets a non-empty secret under either name. */
static int
env_has_secret(const struct dotenv *env)
{
	const char	*v;
	size_t		 i;

	for (i = 0; i < NSECRET_KEYS; i++) {
		if ((v = dotenv_get(env, secret_keys[i])) != NULL && *v != '\0')
			return 1;
	}
	return 0;
}

/*
 * Whether the new text reads, as the service will read it, as meant:
 * both names absent or hex, TOKEN_SECRET present, and no old secret
 * value left anywhere in it.  Returns 1 or 0; env gets the parse.
 */
static int
env_is_meant(const struct envfile *ef, const struct dotenv *old,
    const char *hex, struct dotenv *env)
{
	const char	*v;
	size_t		 i;

	if (dotenv_parse(env, ef->text, ef->len) == -1 ||
	    dotenv_get(env, secret_keys[0]) == NULL)
		return 0;
	for (i = 0; i < NSECRET_KEYS; i++) {
		if ((v = dotenv_get(env, secret_keys[i])) != NULL &&
		    strcmp(v, hex) != 0)
			return 0;
		if ((v = dotenv_get(old, secret_keys[i])) != NULL &&
		    *v != '\0' && strstr(ef->text, v) != NULL)
			return 0;
	}
	return 1;
}

/*
 * gen-secret [--force] [--env-file PATH]: write a fresh TOKEN_SECRET, 64
 * random bytes as 128 hex characters (the tutorial's
 * randomBytes(64).toString('hex')), into the dotenv file.  A secret
 * already there is replaced only with --force: every token signed with it
 * stops verifying, which logs everyone out.  Needs no configuration.
 */
static int
cmd_gen_secret(int argc, char **argv)
{
	unsigned char	 raw[SECRET_BYTES];
	char		 hex[SECRET_BYTES * 2 + 1], real[PATH_MAX], err[512];
	const char	*path = NULL, *target;
	struct envfile	 ef;
	struct dotenv	 was = { NULL, NULL, 0 }, now = { NULL, NULL, 0 };
	int		 i, force = 0, has, ret = EXIT_FAILURE;

	memset(&ef, 0, sizeof(ef));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--env-file") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--env-file=", 11) == 0)
			path = argv[i] + 11;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_SUCCESS;
		} else if (strcmp(argv[i], "--env-file") == 0)
			return usage_error("gen-secret: --env-file wants a "
			    "path");
		else
			return usage_error("gen-secret: unknown argument: %s",
			    argv[i]);
	}
	if (path == NULL && (path = getenv("ENV_FILE")) == NULL)
		path = ".env";
	if (*path == '\0') {
		fprintf(stderr, "%s: ENV_FILE: empty\n", progname);
		return EXIT_FAILURE;
	}
	/* Write through a symbolic link, not over it. */
	target = realpath(path, real) != NULL ? real : path;

	if (envfile_read(&ef, target, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", progname, err);
		goto out;
	}
	if (dotenv_parse(&was, ef.text != NULL ? ef.text : "", ef.len) == -1) {
		fprintf(stderr, "%s: out of memory\n", progname);
		goto out;
	}
	/* An empty value logs nobody out when it is filled in. */
	if ((has = env_has_secret(&was)) && !force) {
		fprintf(stderr, "%s: %s already sets TOKEN_SECRET; --force "
		    "replaces it, and every token signed with it stops "
		    "verifying\n", progname, path);
		goto out;
	}

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	if (envfile_set(&ef, secret_keys, NSECRET_KEYS, hex) == -1) {
		fprintf(stderr, "%s: %s: out of memory\n", progname, path);
		goto out;
	}
	/* Read the result back before it replaces anything. */
	if (!env_is_meant(&ef, &was, hex, &now)) {
		fprintf(stderr, "%s: %s: cannot rewrite its TOKEN_SECRET "
		    "safely; edit it by hand\n", progname, path);
		goto out;
	}
	if (envfile_write(&ef, target, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", progname, err);
		goto out;
	}
	printf("%s TOKEN_SECRET in %s\n", has ? "replaced" : "wrote", path);
	if (has)
		printf("restart the service: tokens signed with the old secret "
		    "no longer verify\n");
	ret = flush_stdout();
	if (dotenv_get(&now, "TOKEN_SECRET_FILE") != NULL)
		fprintf(stderr, "%s: warning: %s also sets TOKEN_SECRET_FILE, "
		    "which must then hold the same secret\n", progname, path);
	if (getenv("TOKEN_SECRET") != NULL ||
	    getenv("ACCESS_TOKEN_SECRET") != NULL ||
	    getenv("TOKEN_SECRET_FILE") != NULL)
		fprintf(stderr, "%s: warning: the environment sets the secret, "
		    "and wins over %s\n", progname, path);
out:
	dotenv_free(&was);
	dotenv_free(&now);
	envfile_free(&ef);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(hex, sizeof(hex));
	return ret;
}

/*
 * db copy --to URL: the configured SQLite store into an empty PostgreSQL
 * database (admin/dbcopy.c).  URL "-" is read from standard input, one
 * line, so a password in it stays off the command line.
 */
static int
cmd_db_copy(struct ctx *c, const char *arg)
{
	struct dbcopy_counts	 n;
	char			 url[4096], err[512];
	size_t			 len;
	int			 ret = EXIT_FAILURE;

	if (!c->flag)
		return usage_error("%s", "db copy: wants --to url");
	if (c->cfg.database_url != NULL) {
		fprintf(stderr, "%s: db copy: it reads the SQLite store, and "
		    "DATABASE_URL is set: unset it (DATABASE_PATH names the "
		    "source)\n", progname);
		return EXIT_FAILURE;
	}
	if (strcmp(arg, "-") == 0) {
		if (fgets(url, sizeof(url), stdin) == NULL ||
		    (len = strcspn(url, "\r\n")) == 0) {
			fprintf(stderr, "%s: db copy: no URL on standard "
			    "input\n", progname);
			goto out;
		}
		url[len] = '\0';
		arg = url;
	}
	if (dbcopy_run(c->cfg.database_path, arg, c->now, &n, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", progname, err);
		goto out;
	}
	printf("copied %ld users, %ld orders, %ld sessions (%ld refresh "
	    "tokens) and %ld deleted names from %s\n", n.users, n.orders,
	    n.families, n.tokens, n.deleted, c->cfg.database_path);
	ret = flush_stdout();
out:
	sodium_memzero(url, sizeof(url));
	return ret;
}

/* ------------------------------------------------------------------ */

static const struct cmd cmds[] = {
	{ "user",  "add",     NULL, "name",  NEED_STORE | NEED_PWHASH,
	    cmd_user_add },
	{ "user",  "passwd",  NULL, "name",  NEED_STORE | NEED_PWHASH,
	    cmd_user_passwd },
	{ "user",  "list",    NULL, NULL,    NEED_STORE, cmd_user_list },
	{ "user",  "revoke",  NULL, "name",  NEED_STORE, cmd_user_revoke },
	{ "user",  "disable", NULL, "name",  NEED_STORE, cmd_user_disable },
	{ "user",  "enable",  NULL, "name",  NEED_STORE, cmd_user_enable },
	{ "user",  "delete",  "--with-orders", "name", NEED_STORE,
	    cmd_user_delete },
	{ "token", "check",   NULL, "token", NEED_CONFIG, cmd_token_check },
	{ "token", "issue",   NULL, "name",  NEED_STORE, cmd_token_issue },
	{ "db",    "copy",    "--to", "url", NEED_CONFIG, cmd_db_copy },
};

/*
 * Run one of cmds: its options ("--" ends them, so "--help" can be a user
 * name), its positional argument, the set-up it needs, the command.
 */
static int
run_cmd(const struct cmd *cmd, int argc, char **argv)
{
	struct ctx	 c;
	const char	*arg = NULL;
	char		 err[512];
	int		 i, dashdash = 0, flag = 0, ret = EXIT_FAILURE;

	for (i = 3; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && argv[i][0] == '-' && argv[i][1] != '\0') {
			if (strcmp(argv[i], "--help") == 0 ||
			    strcmp(argv[i], "-h") == 0) {
				usage(stdout);
				return EXIT_SUCCESS;
			}
			if (cmd->option != NULL &&
			    strcmp(argv[i], cmd->option) == 0) {
				flag = 1;
				continue;
			}
			return usage_error("unknown option: %s", argv[i]);
		}
		if (arg != NULL || cmd->args == NULL)
			return usage_error("too many arguments: %s", argv[i]);
		arg = argv[i];
	}
	if (cmd->args != NULL && arg == NULL)
		return usage_error("%s %s: wants a %s", cmd->group, cmd->name,
		    cmd->args);

	memset(&c, 0, sizeof(c));
	c.now = time(NULL);
	c.flag = flag;
	if (config_load(&c.cfg, err, sizeof(err)) == -1 ||
	    token_init(&c.cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", progname, err);
		config_free(&c.cfg);
		return EXIT_FAILURE;
	}
	if ((cmd->need & NEED_PWHASH) && pwhash_init() == -1) {
		fprintf(stderr, "%s: cannot initialise the password hash\n",
		    progname);
		goto out;
	}
	if ((cmd->need & NEED_STORE) && (c.store = store_connect(
	    c.cfg.database_url, c.cfg.database_path, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "%s: %s\n", progname, err);
		goto out;
	}
	ret = cmd->run(&c, arg != NULL ? arg : "");
out:
	store_close(c.store);
	token_fini(&c.cfg);
	config_free(&c.cfg);
	return ret;
}

int
main(int argc, char **argv)
{
	size_t	 i;
	int	 known = 0;

	if (argc < 2)
		return usage_error("%s", "wants a command");
	if (is_help(argv[1])) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("authctl (jwt-auth) %s\n", JWT_AUTH_VERSION);
		return EXIT_SUCCESS;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: cannot initialise libsodium\n", progname);
		return EXIT_FAILURE;
	}
	if (strcmp(argv[1], "gen-secret") == 0)
		return cmd_gen_secret(argc - 1, argv + 1);
	if (strcmp(argv[1], "key") == 0)
		return keys_main(argc - 1, argv + 1);

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].group) != 0)
			continue;
		known = 1;
		if (argc < 3)
			return usage_error("%s: wants a subcommand", argv[1]);
		if (is_help(argv[2])) {
			usage(stdout);
			return EXIT_SUCCESS;
		}
		if (strcmp(argv[2], cmds[i].name) == 0)
			return run_cmd(&cmds[i], argc, argv);
	}
	if (known)
		return usage_error("unknown subcommand: %s", argv[2]);
	return usage_error("unknown command: %s", argv[1]);
}
