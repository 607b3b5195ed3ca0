/* SPDX-License-Identifier: ISC */
#include <json-c/json.h>

#include "common/jsonout.h"

int
jsonout_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val == NULL)
		return -1;
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}
