/* SPDX-License-Identifier: ISC */
/*
 * dotenv files, parsed with the rules of Node's dotenv (lib/main.js LINE
 * regular expression), so a .env shared with the tutorial's Express app
 * means the same here.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/dotenv.h"

#define DOTENV_FILE_MAX	(1024 * 1024)	/* a larger .env is a mistake */

static int
dotenv_is_keychar(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static int
dotenv_add(struct dotenv *env, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	char	**keys, **values;
	char	 *k = NULL, *v = NULL;
	size_t	  i;

	if ((k = strndup(key, klen)) == NULL ||
	    (v = strndup(val, vlen)) == NULL)
		goto fail;
	/* Later keys win, as with dotenv. */
	for (i = 0; i < env->len; i++) {
		if (strcmp(env->keys[i], k) == 0) {
			free(k);
			sodium_memzero(env->values[i], strlen(env->values[i]));
			free(env->values[i]);
			env->values[i] = v;
			return 0;
		}
	}
	keys = reallocarray(env->keys, env->len + 1, sizeof(*keys));
	if (keys == NULL)
		goto fail;
	env->keys = keys;
	values = reallocarray(env->values, env->len + 1, sizeof(*values));
	if (values == NULL)
		goto fail;
	env->values = values;
	env->keys[env->len] = k;
	env->values[env->len] = v;
	env->len++;
	return 0;
fail:
	free(k);
	if (v != NULL)
		sodium_memzero(v, vlen);
	free(v);
	return -1;
}

/*
 * Unescape a double-quoted value in place: dotenv turns the two-character
 * sequences \n and \r into newlines and leaves every other byte alone.
 */
static size_t
dotenv_unescape(char *s, size_t len)
{
	size_t	 i, o;

	for (i = o = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len &&
		    (s[i + 1] == 'n' || s[i + 1] == 'r')) {
			s[o++] = s[i + 1] == 'n' ? '\n' : '\r';
			i++;
		} else
			s[o++] = s[i];
	}
	return o;
}

/*
 * Parse one KEY=VALUE starting at *pos; advance *pos past the line (or
 * past a quoted value spanning lines).  Lines that are not assignments
 * are skipped, as dotenv skips them.
 */
static int
dotenv_line(struct dotenv *env, const char *buf, size_t len, size_t *pos)
{
	size_t		 p = *pos, ks, kl, vs, vl, eol;
	char		 q, *tmp;
	int		 rc;

	while (p < len && (buf[p] == ' ' || buf[p] == '\t'))
		p++;
	/* cppcheck-suppress knownConditionTrueFalse
	 * (cppcheck takes the loop above to end only at len; a non-blank
	 * ends it too) */
	if (len - p >= 7 && strncmp(buf + p, "export", 6) == 0 &&
	    (buf[p + 6] == ' ' || buf[p + 6] == '\t')) {
		p += 6;
		while (p < len && (buf[p] == ' ' || buf[p] == '\t'))
			p++;
	}
	ks = p;
	while (p < len && dotenv_is_keychar((unsigned char)buf[p]))
		p++;
	kl = p - ks;
	while (p < len && (buf[p] == ' ' || buf[p] == '\t'))
		p++;
	/* dotenv takes "KEY=value", and "KEY: value" with a space. */
	if (kl == 0 || p >= len || (buf[p] != '=' && (buf[p] != ':' ||
	    p + 1 >= len || (buf[p + 1] != ' ' && buf[p + 1] != '\t')))) {
		/* Not an assignment (a comment, a blank line): skip it. */
		while (p < len && buf[p] != '\n')
			p++;
		*pos = p < len ? p + 1 : p;
		return 0;
	}
	p++;
	while (p < len && (buf[p] == ' ' || buf[p] == '\t'))
		p++;

	q = p < len ? buf[p] : '\0';
	if (q == '\'' || q == '"' || q == '`') {
		/* A quoted value runs to the matching quote, across lines. */
		const char *end = NULL, *escaped = NULL;
		size_t	    i;

		/*
		 * dotenv lets a backslash keep a quote inside the value; when
		 * that leaves no closing quote, its regular expression
		 * backtracks and the last escaped quote closes the value.
		 */
		for (i = p + 1; i < len && end == NULL; i++) {
			if (buf[i] == '\\' && i + 1 < len && buf[i + 1] == q)
				escaped = buf + ++i;
			else if (buf[i] == q)
				end = buf + i;
		}
		if (end == NULL)
			end = escaped;
		if (end != NULL) {
			vs = p + 1;
			vl = (size_t)(end - buf) - vs;
			p = (size_t)(end - buf) + 1;
			while (p < len && buf[p] != '\n')
				p++;
			*pos = p < len ? p + 1 : p;
			if (q != '"')
				return dotenv_add(env, buf + ks, kl,
				    buf + vs, vl);
			/* Not strndup: a NUL in the value would make the copy
			 * shorter than vl (found by tests/fuzz). */
			if ((tmp = malloc(vl + 1)) == NULL)
				return -1;
			memcpy(tmp, buf + vs, vl);
			tmp[vl] = '\0';
			vl = dotenv_unescape(tmp, vl);
			rc = dotenv_add(env, buf + ks, kl, tmp, vl);
			sodium_memzero(tmp, vl);
			free(tmp);
			return rc;
		}
		/* No closing quote: dotenv takes the line as it stands. */
	}

	for (eol = p; eol < len && buf[eol] != '\n'; eol++)
		;
	*pos = eol < len ? eol + 1 : eol;
	vs = p;
	/* An unquoted value ends at the first '#', as in dotenv 16. */
	for (vl = 0; vs + vl < eol && buf[vs + vl] != '#'; vl++)
		;
	while (vl > 0 && isspace((unsigned char)buf[vs + vl - 1]))
		vl--;
	return dotenv_add(env, buf + ks, kl, buf + vs, vl);
}

int
dotenv_parse(struct dotenv *env, const char *buf, size_t len)
{
	char	*text;
	size_t	 i, n = 0, pos = 0;
	int	 rc = 0;

	memset(env, 0, sizeof(*env));
	/* dotenv first turns every CRLF and lone CR into LF. */
	if ((text = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\r') {
			text[n++] = '\n';
			if (i + 1 < len && buf[i + 1] == '\n')
				i++;
		} else
			text[n++] = buf[i];
	}
	while (pos < n) {
		if (dotenv_line(env, text, n, &pos) == -1) {
			dotenv_free(env);
			rc = -1;
			break;
		}
	}
	sodium_memzero(text, len + 1);
	free(text);
	return rc;
}

int
dotenv_load(struct dotenv *env, const char *path)
{
	struct stat	 sb;
	char		*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc = -1, saved;

	memset(env, 0, sizeof(*env));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &sb) == -1)
		goto out;
	if (S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		goto out;
	}
	/* Read at most one byte past the cap, from a file or a device
	 * (ENV_FILE=/dev/null means no file), then judge the size. */
	if ((buf = malloc(DOTENV_FILE_MAX + 1)) == NULL)
		goto out;
	while (got <= DOTENV_FILE_MAX) {
		n = read(fd, buf + got, DOTENV_FILE_MAX + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > DOTENV_FILE_MAX) {
		errno = EFBIG;
		goto out;
	}
	rc = dotenv_parse(env, buf, got);
out:
	saved = errno;
	if (buf != NULL)
		sodium_memzero(buf, got);
	free(buf);
	close(fd);
	errno = saved;
	return rc;
}

const char *
dotenv_get(const struct dotenv *env, const char *key)
{
	size_t	 i;

	for (i = 0; i < env->len; i++)
		if (strcmp(env->keys[i], key) == 0)
			return env->values[i];
	return NULL;
}

void
dotenv_free(struct dotenv *env)
{
	size_t	 i;

	if (env == NULL)
		return;
	for (i = 0; i < env->len; i++) {
		free(env->keys[i]);
		sodium_memzero(env->values[i], strlen(env->values[i]));
		free(env->values[i]);
	}
	free(env->keys);
	free(env->values);
	memset(env, 0, sizeof(*env));
}
