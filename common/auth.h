/* SPDX-License-Identifier: ISC */
/*
 * The auth object: takes the bearer token of a request (the Authorization
 * header, or the access_token cookie when AUTH_COOKIES=1 and there is no
 * header) and verifies it with the key set up at start-up.
 */
#ifndef COMMON_AUTH_H
#define COMMON_AUTH_H

#include "common/request.h"
#include "common/token.h"
#include "common/username.h"

/* Why a request was refused: what auth_request would answer. */
struct auth_refusal {
	int		 status;	/* 401, or AUTH_INVALID_STATUS */
	const char	*code;		/* missing_token or invalid_token */
	const char	*msg;		/* fixed ASCII: safe in a header */
};

/*
 * Authenticate req without answering.  cookie_ok 0 refuses the cookie (a
 * request the caller judges cross-site) as if none were sent.  Returns 0
 * with the user name in user (USERNAME_MAX + 1 bytes), or -1 with why.
 */
int	auth_check(struct request *req, int cookie_ok, char *user,
	    struct auth_refusal *why);

/*
 * Authenticate req.  Returns 0 with the user name in user (USERNAME_MAX
 * + 1 bytes), or -1 after replying 401 (no usable credentials) or the
 * configured invalid status (an invalid token).
 */
int	auth_request(struct request *req, char *user);

#endif
