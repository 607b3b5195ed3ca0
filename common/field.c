/* SPDX-License-Identifier: ISC */
/*
 * Typed fields of a request body, each failure a 400 naming the field.
 * Field names are our own literals, so they may go into the message.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/field.h"
#include "common/reply.h"
#include "common/strictjson.h"
#include "common/username.h"

int
field_string(struct request *req, struct json_object *obj, const char *name,
    size_t min, size_t max, const char **out, size_t *len)
{
	char	 msg[128];

	if ((*out = strictjson_string(obj, name, len)) == NULL) {
		snprintf(msg, sizeof(msg), "%s is required and must be a "
		    "string", name);
		reply_error(req, 400, "invalid_request", msg);
		return -1;
	}
	if (*len < min || *len > max) {
		snprintf(msg, sizeof(msg), "%s must be %zu to %zu bytes",
		    name, min, max);
		reply_error(req, 400, "invalid_request", msg);
		return -1;
	}
	return 0;
}

int
field_int(struct request *req, struct json_object *obj, const char *name,
    int min, int max, int *out)
{
	char	 msg[128];
	int64_t	 v;

	if (strictjson_int(obj, name, &v) != 0 || v < min || v > max) {
		snprintf(msg, sizeof(msg), "%s must be an integer from %d "
		    "to %d", name, min, max);
		reply_error(req, 400, "invalid_request", msg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
field_username(struct request *req, struct json_object *obj,
    const char **out)
{
	size_t	 len;

	if ((*out = strictjson_string(obj, "username", &len)) == NULL ||
	    !username_valid(*out, len)) {
		reply_error(req, 400, "invalid_request", "username must be 1 "
		    "to 64 characters of A-Z a-z 0-9 . _ @ -");
		return -1;
	}
	return 0;
}
