/* SPDX-License-Identifier: ISC */
/*
 * A dotenv file edited the way an operator would do it by hand: the lines
 * of one key change, the comments, order and line endings of the rest do
 * not.  The line grammar is dotenv's (common/dotenv.c), closely enough
 * that authctl can read the result back with dotenv_parse() and refuse to
 * write what it did not mean.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "admin/envfile.h"

/*
 * Whether the line from line to end sets a variable: "KEY=", "KEY =",
 * "export KEY=" or "KEY: " (dotenv's LINE grammar).  Returns a pointer
 * past the '=' or ':', with the key at *at (klen bytes), or NULL.
 */
static const char *
envfile_key(const char *line, const char *end, const char **at,
    size_t *klen)
{
	const char	*p = line, *k;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* cppcheck-suppress knownConditionTrueFalse
	 * (cppcheck takes the loop above to end only at end; a non-blank
	 * ends it too) */
	if (end - p > 7 && strncmp(p, "export", 6) == 0 &&
	    (p[6] == ' ' || p[6] == '\t')) {
		p += 6;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	}
	for (k = p; p < end && (isalnum((unsigned char)*p) || *p == '_' ||
	    *p == '.' || *p == '-'); p++)
		continue;
	if (p == k)
		return NULL;
	*at = k;
	*klen = (size_t)(p - k);
	if (p + 1 < end && *p == ':' && (p[1] == ' ' || p[1] == '\t'))
		return p + 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == '=' ? p + 1 : NULL;
}

/*
 * Where the value starting at v ends, for a line ending at eol (its
 * '\n', or end): past the line of the closing quote when the value opens
 * a quote that this line does not close (dotenv lets quoted values span
 * lines), else eol.
 */
static const char *
envfile_value_end(const char *v, const char *eol, const char *end)
{
	const char	*p;
	char		 q;

	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	if (v >= eol || (*v != '"' && *v != '\'' && *v != '`'))
		return eol;
	q = *v;
	for (p = v + 1; p < end; p++) {
		if (*p == q && p[-1] != '\\')
			break;
	}
	if (p >= end || p < eol)
		return eol;
	while (p < end && *p != '\n')
		p++;
	return p;
}

/* Append n bytes at s to the text being built in out. */
static int
envfile_add(struct envfile *out, const char *s, size_t n)
{
	char	*p;
	size_t	 want;

	if (n > ENVFILE_MAX || out->len + n > 2 * ENVFILE_MAX)
		return -1;
	if (out->len + n + 1 > out->cap) {
		want = (out->len + n + 1) * 2;
		if ((p = malloc(want)) == NULL)
			return -1;
		if (out->text != NULL) {
			memcpy(p, out->text, out->len);
			sodium_memzero(out->text, out->cap);
			free(out->text);
		}
		out->text = p;
		out->cap = want;
	}
	memcpy(out->text + out->len, s, n);
	out->len += n;
	out->text[out->len] = '\0';
	return 0;
}

/* Append "KEY=value" and the line ending. */
static int
envfile_add_line(struct envfile *out, const char *key, const char *value,
    int crlf)
{
	if (envfile_add(out, key, strlen(key)) == -1 ||
	    envfile_add(out, "=", 1) == -1 ||
	    envfile_add(out, value, strlen(value)) == -1 ||
	    envfile_add(out, crlf ? "\r\n" : "\n", crlf ? 2 : 1) == -1)
		return -1;
	return 0;
}

int
envfile_set(struct envfile *ef, const char *const *keys, size_t nkeys,
    const char *value)
{
	struct envfile	 out;
	const char	*in = ef->text != NULL ? ef->text : "";
	const char	*end = in + ef->len, *line, *eol, *v = NULL, *vend;
	const char	*at = NULL;
	size_t		 i, klen = 0;
	int		 first = 0, rc = -1;

	memset(&out, 0, sizeof(out));
	if (envfile_add(&out, "", 0) == -1)
		goto out;
	for (line = in; line < end; line = vend < end ? vend + 1 : end) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		vend = eol;
		if ((v = envfile_key(line, eol, &at, &klen)) == NULL) {
			/* A comment, a blank or a line dotenv ignores. */
			if (envfile_add(&out, line, (size_t)(eol - line) +
			    (eol < end ? 1 : 0)) == -1)
				goto out;
			continue;
		}
		/* A quoted value may span lines: they go with their key. */
		vend = envfile_value_end(v, eol, end);
		for (i = 0; i < nkeys; i++) {
			if (klen == strlen(keys[i]) &&
			    strncmp(at, keys[i], klen) == 0)
				break;
		}
		if (i == nkeys) {
			if (envfile_add(&out, line, (size_t)(vend - line) +
			    (vend < end ? 1 : 0)) == -1)
				goto out;
			continue;
		}
		if (i == 0)
			first = 1;
		/* Keep what precedes the key: "export ", indentation. */
		if (envfile_add(&out, line, (size_t)(at - line)) == -1 ||
		    envfile_add_line(&out, keys[i], value,
		    vend > line && vend[-1] == '\r') == -1)
			goto out;
	}
	if (!first) {
		if (out.len > 0 && out.text[out.len - 1] != '\n' &&
		    envfile_add(&out, "\n", 1) == -1)
			goto out;
		if (envfile_add_line(&out, keys[0], value, 0) == -1)
			goto out;
	}
	/* The new text replaces the old; the status stays. */
	if (ef->text != NULL)
		sodium_memzero(ef->text, ef->cap);
	free(ef->text);
	ef->text = out.text;
	ef->len = out.len;
	ef->cap = out.cap;
	out.text = NULL;
	rc = 0;
out:
	envfile_free(&out);
	return rc;
}

int
envfile_read(struct envfile *ef, const char *path, char *err, size_t errlen)
{
	ssize_t	 n;
	size_t	 size;
	int	 fd, rc = -1;

	memset(ef, 0, sizeof(*ef));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &ef->st) == -1 || !S_ISREG(ef->st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	ef->exists = 1;
	if (ef->st.st_size > ENVFILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    ENVFILE_MAX);
		goto out;
	}
	size = (size_t)ef->st.st_size;
	if ((ef->text = malloc(size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	ef->cap = size + 1;
	while (ef->len < size) {
		n = read(fd, ef->text + ef->len, size - ef->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			    n == 0 ? "it shrank" : strerror(errno));
			goto out;
		}
		ef->len += (size_t)n;
	}
	ef->text[ef->len] = '\0';
	/* dotenv reads up to a NUL; the rest would be kept but unseen. */
	if (memchr(ef->text, '\0', ef->len) != NULL) {
		snprintf(err, errlen, "%s: holds a NUL byte, so it is not a "
		    "dotenv file", path);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int
envfile_write(const struct envfile *ef, const char *path, char *err,
    size_t errlen)
{
	return envfile_write_mode(ef, path, 0600, err, errlen);
}

int
envfile_write_mode(const struct envfile *ef, const char *path, mode_t mode,
    char *err, size_t errlen)
{
	char		 tmp[PATH_MAX], dirbuf[PATH_MAX], *dir;
	const char	*what = "write";
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd = -1, dfd, rc = -1;

	if ((size_t)snprintf(dirbuf, sizeof(dirbuf), "%s", path) >=
	    sizeof(dirbuf)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	dir = dirname(dirbuf);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.authctl.XXXXXX", dir) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	/* mkstemp makes the file 0600 (less the umask): set the mode. */
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "cannot create a file in %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1)
		goto out;
	if (ef->exists && geteuid() == 0 &&
	    fchown(fd, ef->st.st_uid, ef->st.st_gid) == -1)
		goto out;
	while (off < ef->len) {
		n = write(fd, ef->text + off, ef->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto out;
	n = close(fd);
	fd = -1;
	if (n == -1)
		goto out;
	what = "replace";
	if (rename(tmp, path) == -1)
		goto out;
	/* The rename is on disk once the folder is. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (rc == -1) {
		snprintf(err, errlen, "cannot %s %s: %s", what, path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
	}
	return rc;
}

void
envfile_free(struct envfile *ef)
{
	if (ef == NULL)
		return;
	if (ef->text != NULL)
		sodium_memzero(ef->text, ef->cap);
	free(ef->text);
	memset(ef, 0, sizeof(*ef));
}
