/* SPDX-License-Identifier: ISC */
/*
 * Cross-origin requests (CORS, the Fetch standard): pages on the origins
 * CORS_ORIGINS lists may call the API from a browser.  Only those: an
 * origin not listed gets no CORS header at all, so the browser keeps the
 * answer from its page, and its preflight a 403.  With no origin listed
 * (the default) nothing here changes an answer.
 */
#ifndef COMMON_CORS_H
#define COMMON_CORS_H

#include "common/request.h"

/*
 * Look at the request's Origin once it is routed: when CORS_ORIGINS lists
 * it, set req->cors to the header lines every answer to it carries
 * (Access-Control-Allow-Origin, Vary: Origin, the exposed headers, and
 * Access-Control-Allow-Credentials in cookie mode).  They live in a
 * buffer of this file until the next call: one request at a time.
 */
void	cors_begin(struct request *req);

/*
 * Whether req is a preflight this service answers: OPTIONS with
 * Access-Control-Request-Method, and CORS_ORIGINS set.  Without a list,
 * OPTIONS is a 405 like any method a route does not take.
 */
int	cors_is_preflight(const struct request *req);

/*
 * Answer a preflight for a route that takes methods ("POST", "GET, HEAD,
 * POST"): 204 with the methods, the request headers a page may send
 * (Authorization, Content-Type) and CORS_MAX_AGE, for a listed origin;
 * 403 origin_not_allowed, with no CORS header, for any other.
 */
void	cors_preflight(struct request *req, const char *methods);

#endif
