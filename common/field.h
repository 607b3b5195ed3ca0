/* SPDX-License-Identifier: ISC */
/*
 * Typed fields of a JSON request body.  json-c's getters coerce ("12abc"
 * is 12, true is 1), so each getter here checks the type first.  On
 * failure the 400 is answered here, naming the field.
 */
#ifndef COMMON_FIELD_H
#define COMMON_FIELD_H

#include <stddef.h>

#include <json-c/json.h>

#include "common/request.h"

/*
 * A string of min to max bytes, with no NUL inside.  *out is borrowed
 * from obj.  Returns 0, or -1 after replying 400.
 */
int	field_string(struct request *req, struct json_object *obj,
	    const char *name, size_t min, size_t max, const char **out,
	    size_t *len);

/* An integer from min to max.  Returns 0, or -1 after replying 400. */
int	field_int(struct request *req, struct json_object *obj,
	    const char *name, int min, int max, int *out);

/* A user name: 1 to 64 bytes of A-Z a-z 0-9 . _ @ -.  Returns 0 or -1
 * after replying 400. */
int	field_username(struct request *req, struct json_object *obj,
	    const char **out);

#endif
