/* SPDX-License-Identifier: ISC */
/*
 * The Authorization request header, RFC 6750 §2.1: "Bearer" (any case),
 * one space or more, then a b64token and nothing else.
 */
#ifndef COMMON_BEARER_H
#define COMMON_BEARER_H

enum bearer_err {
	BEARER_OK = 0,
	BEARER_MISSING,		/* no header, or an empty one */
	BEARER_MALFORMED,	/* not "Bearer <b64token>" */
	BEARER__MAX
};

/*
 * Find the token in an Authorization header value (NULL when absent).
 * On BEARER_OK, *tok points into hdr and *len is its length.
 */
enum bearer_err	bearer_parse(const char *hdr, const char **tok, size_t *len);

#endif
