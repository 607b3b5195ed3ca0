/* SPDX-License-Identifier: ISC */
/*
 * Editing a dotenv file in place, for authctl gen-secret: a line naming a
 * key gets a new value and every other line is kept byte for byte, then
 * the file is replaced atomically with mode 0600.  Reading it back is
 * dotenv_parse()'s job (common/dotenv.h).
 */
#ifndef ADMIN_ENVFILE_H
#define ADMIN_ENVFILE_H

#include <sys/stat.h>

#include <stddef.h>

#define ENVFILE_MAX	(1024 * 1024)	/* bytes; dotenv.c's own cap */

struct envfile {
	char		*text;		/* the contents, NUL-terminated; owned,
					   may hold secrets: wiped when freed */
	size_t		 len;		/* bytes in text, without the NUL */
	size_t		 cap;		/* bytes allocated at text */
	int		 exists;	/* whether the file was there */
	struct stat	 st;		/* its status, when it exists */
};

/*
 * Read the file at path into ef.  A missing file is not an error: ef is
 * then empty with exists 0.  Refuses anything but a regular file of at
 * most ENVFILE_MAX bytes without NUL bytes.  Returns 0, or -1 with a
 * reason in err.  Release with envfile_free() in both cases.
 */
int	envfile_read(struct envfile *ef, const char *path, char *err,
	    size_t errlen);

/*
 * Give every line that sets one of the nkeys keys ("KEY=", "export KEY=",
 * "KEY: ", with a quoted value spanning lines) the value "KEY=value",
 * keeping its key and what precedes it; append "keys[0]=value" when no
 * line sets keys[0].  Returns 0, or -1 (out of memory, or too large).
 */
int	envfile_set(struct envfile *ef, const char *const *keys,
	    size_t nkeys, const char *value);

/*
 * Replace the file at path with ef's text: a new file of mode 0600 in the
 * same folder, written and synced, then renamed over path.  The old
 * file's owner is kept when the caller may (root).  Returns 0, or -1 with
 * a reason in err.
 */
int	envfile_write(const struct envfile *ef, const char *path, char *err,
	    size_t errlen);

/* The same with the new file's mode: 0644 for what others must read (a
 * JWK Set), 0600 for secrets. */
int	envfile_write_mode(const struct envfile *ef, const char *path,
	    mode_t mode, char *err, size_t errlen);

/* Wipe and free the text; ef may be zeroed. */
void	envfile_free(struct envfile *ef);

#endif
