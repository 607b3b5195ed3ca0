/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: strictjson_object() at the request bodies' depth (8),
 * then the getters the handlers use on each field, and username_valid().
 *
 * Oracles: whatever strictjson_object() accepts is valid UTF-8 (checked
 * with strictjson_utf8_valid() on the raw bytes), holds no NUL byte and is
 * a JSON object; a string getter's result has no NUL within its length;
 * strictjson_int() never hands out the clamped INT64_MAX/INT64_MIN.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/strictjson.h"
#include "common/username.h"

#define FUZZ_DEPTH	8	/* BODY_DEPTH in common/body.c */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fuzz_fields[] = {
	"username", "password", "item", "quantity", "refresh_token",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*obj;
	const char		*s;
	size_t			 i, len;
	int64_t			 v;
	int			 utf8, rc;

	utf8 = strictjson_utf8_valid(data, size);
	if ((obj = strictjson_object((const char *)data, size,
	    FUZZ_DEPTH)) == NULL)
		return 0;
	/* The oracle: accepted bytes are well-formed UTF-8 without NUL. */
	if (!utf8 || memchr(data, '\0', size) != NULL)
		abort();
	if (!json_object_is_type(obj, json_type_object))
		abort();
	for (i = 0; i < sizeof(fuzz_fields) / sizeof(fuzz_fields[0]); i++) {
		len = (size_t)-1;
		if ((s = strictjson_string(obj, fuzz_fields[i], &len)) != NULL) {
			if (strlen(s) != len)
				abort();
			/* A string that passes is itself valid UTF-8. */
			if (!strictjson_utf8_valid((const unsigned char *)s,
			    len))
				abort();
			if (username_valid(s, len)) {
				if (len == 0 || len > USERNAME_MAX)
					abort();
			}
		}
		rc = strictjson_int(obj, fuzz_fields[i], &v);
		if (rc < -1 || rc > 1)
			abort();
		if (rc == 0 && (v == INT64_MAX || v == INT64_MIN))
			abort();
		if (rc == 1 && json_object_object_get_ex(obj, fuzz_fields[i],
		    NULL))
			abort();
	}
	json_object_put(obj);
	return 0;
}
