/* SPDX-License-Identifier: ISC */
/*
 * Cookie mode (AUTH_COOKIES=1): the token responses also set HttpOnly,
 * SameSite=Strict cookies, each on the narrowest path that needs it, and
 * the auth object reads the access token from its cookie when a request
 * has no Authorization header.  A browser page can then keep no token
 * where a script could read it (the JSON body still carries the tokens,
 * as the contract wants; the page need not store them).
 */
#ifndef COMMON_COOKIE_H
#define COMMON_COOKIE_H

#include <stddef.h>

#include "common/request.h"

#define COOKIE_ACCESS		"access_token"
#define COOKIE_REFRESH		"refresh_token"
/* The access cookie's default Path, its API reader (AUTH_COOKIE_PATH may
 * widen it to cover what the authorizer guards). */
#define COOKIE_ACCESS_PATH	"/api/userOrders"
#define COOKIE_REFRESH_PATH	"/api"	/* /api/token and /api/logout */

/*
 * The value of cookie name in the request's Cookie header, borrowed from
 * it, with its length in *len; NULL when absent or empty.
 */
const char	*cookie_get(const struct request *req, const char *name,
		    size_t *len);

/*
 * Write the Set-Cookie lines for an access and a refresh token into buf
 * (each line ending "\r\n").  Returns 0, or -1 if buf is too small.
 */
int		 cookie_set(const struct request *req, char *buf, size_t len,
		    const char *access, const char *refresh);

/* Write the Set-Cookie lines that clear both cookies.  Returns 0 or -1. */
int		 cookie_clear(const struct request *req, char *buf, size_t len);

#endif
