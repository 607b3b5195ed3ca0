/* SPDX-License-Identifier: ISC */
/*
 * A parser for dotenv files, with the rules of Node's dotenv: KEY=VALUE
 * lines, an optional "export " prefix, '#' comments (whole lines, and from the
 * first '#' of an unquoted value), single, double and back quotes (quoted
 * values may span lines and keep \" inside; double quotes turn \n and \r
 * into newlines), and white space trimmed around unquoted values.  Later
 * keys win.
 */
#ifndef COMMON_DOTENV_H
#define COMMON_DOTENV_H

#include <stddef.h>

struct dotenv {
	char		**keys;		/* owned */
	char		**values;	/* owned; may hold secrets */
	size_t		  len;
};

/* Parse buf (len bytes, need not be NUL-terminated) into env.
 * Returns 0, or -1 (out of memory; env is left empty). */
int		 dotenv_parse(struct dotenv *env, const char *buf, size_t len);

/* Read and parse a file.  Returns 0, 1 if the file does not exist, -1 on
 * any other error (errno set).  */
int		 dotenv_load(struct dotenv *env, const char *path);

/* The value of key, borrowed until dotenv_free(), or NULL. */
const char	*dotenv_get(const struct dotenv *env, const char *key);

/* Wipe the values and free everything. */
void		 dotenv_free(struct dotenv *env);

#endif
