/* SPDX-License-Identifier: ISC */
/*
 * The query string of a request URI (?limit=10&after=x): names matched
 * as sent, values percent-decoded ('+' is a space, as in HTML forms).
 */
#ifndef COMMON_QUERY_H
#define COMMON_QUERY_H

#include <stddef.h>

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
int	query_hexdigit(char c);

/*
 * Find name in qs (NULL or "" for none) and decode its value into buf
 * (buflen bytes, NUL-terminated).  Returns 0 when absent, 1 when found,
 * or -1 when it was sent twice, its value has a bad or NUL escape, or it
 * does not fit: a parameter that means two things means nothing.
 */
int	query_get(const char *qs, const char *name, char *buf, size_t buflen);

#endif
