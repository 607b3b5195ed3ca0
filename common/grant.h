/* SPDX-License-Identifier: ISC */
/*
 * The token response of a login, a sign-up or a refresh (RFC 6749 §5.1):
 * a fresh access token for the user and the refresh token given.
 */
#ifndef COMMON_GRANT_H
#define COMMON_GRANT_H

#include "common/request.h"

/* Reply status with the token body for user and refresh token rtok;
 * answers 500 itself if signing fails. */
void	grant_reply(struct request *req, int status, const char *user,
	    const char *rtok);

#endif
