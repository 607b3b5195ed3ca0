/* SPDX-License-Identifier: ISC */
/*
 * Building response JSON.  json_object_object_add takes a NULL value as
 * JSON null and, when it fails, keeps no reference: so an out-of-memory
 * json_object_new_* would turn into a 200 with a null field, or a leak.
 */
#ifndef COMMON_JSONOUT_H
#define COMMON_JSONOUT_H

#include <json-c/json.h>

/*
 * Add val (owned: taken on success, put on failure) under key.  Returns 0,
 * or -1 when val is NULL or the add fails.
 */
int	jsonout_add(struct json_object *obj, const char *key,
	    struct json_object *val);

#endif
