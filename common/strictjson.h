/* SPDX-License-Identifier: ISC */
/*
 * Strict JSON input.  json-c's default parser takes trailing garbage,
 * comments and invalid UTF-8 (docs/security.md); this one takes exactly one
 * JSON object and nothing else.
 */
#ifndef COMMON_STRICTJSON_H
#define COMMON_STRICTJSON_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * Parse len bytes as one JSON object: strict grammar, valid UTF-8,
 * nesting at most depth, nothing after it (not even a NUL), no duplicate
 * member name and none holding \u0000 (json-c would cut it there), at
 * any depth.  Returns the object (caller puts it) or NULL.
 */
struct json_object	*strictjson_object(const char *buf, size_t len,
			    int depth);

/* Whether len bytes are well-formed UTF-8 (no overlongs, no surrogates). */
int			 strictjson_utf8_valid(const unsigned char *s,
			    size_t len);

/*
 * The string member name of obj, borrowed from obj, or NULL when it is
 * missing, not a string, or holds a NUL (which would fool strcmp).
 * *len gets its length.
 */
const char		*strictjson_string(struct json_object *obj,
			    const char *name, size_t *len);

/*
 * The integer member name of obj into *out.  Returns 0, 1 if missing, -1
 * if present but not an integer (a double, a numeric string, a bool) or
 * outside int64 (json-c clamps those to INT64_MAX/INT64_MIN).
 */
int			 strictjson_int(struct json_object *obj,
			    const char *name, int64_t *out);

#endif
