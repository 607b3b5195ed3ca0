/* SPDX-License-Identifier: ISC */
/*
 * Request bodies: Content-Type, CONTENT_LENGTH, the bounded read and a
 * strict JSON parse.  Each failure is answered here (415, 413, 400).
 */
#ifndef COMMON_BODY_H
#define COMMON_BODY_H

#include <json-c/json.h>

#include "common/request.h"

/*
 * Read the body of req and parse it as one JSON object: CONTENT_LENGTH
 * bytes, or, when the server sent no CONTENT_LENGTH at all, up to the end
 * of the input.  Returns the object (caller puts it), or NULL after
 * replying with the error.
 */
struct json_object	*body_json(struct request *req);

/*
 * Parse len bytes as exactly one JSON object: strict grammar, valid
 * UTF-8, nesting at most depth, nothing after it.  Returns the object
 * (caller puts it) or NULL.
 */
struct json_object	*body_parse_object(const char *buf, size_t len,
			    int depth);

/* Parse CONTENT_LENGTH: unset or "" is 0, digits beyond long long are
 * LLONG_MAX (a 413, not a 400).  Returns 0 or -1 on garbage. */
int			 body_content_length(const char *s, long long *out);

#endif
