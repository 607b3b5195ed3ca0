/* SPDX-License-Identifier: ISC */
/*
 * The auth object: takes the bearer token of a request (the Authorization
 * header, or the access_token cookie when AUTH_COOKIES=1 and there is no
 * header) and verifies it with the secret loaded at start-up.
 */
#ifndef COMMON_AUTH_H
#define COMMON_AUTH_H

#include "common/request.h"
#include "common/token.h"
#include "common/username.h"

/*
 * Authenticate req.  Returns 0 with the user name in user (USERNAME_MAX
 * + 1 bytes), or -1 after replying 401 (no usable credentials) or the
 * configured invalid status (an invalid token).
 */
int	auth_request(struct request *req, char *user);

#endif
