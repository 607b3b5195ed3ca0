/* SPDX-License-Identifier: ISC */
/*
 * User names, as docs/api.md defines them: 1 to 64 bytes of
 * A-Z a-z 0-9 . _ @ -.  The same rule guards sign-up and token claims, so
 * a name that reaches a log line or a header is always plain ASCII.
 */
#ifndef COMMON_USERNAME_H
#define COMMON_USERNAME_H

#include <stddef.h>

#define USERNAME_MAX	64

/* Whether the len bytes at s form a valid user name. */
int	username_valid(const char *s, size_t len);

#endif
