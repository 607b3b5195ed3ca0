/* SPDX-License-Identifier: ISC */
#include <stddef.h>

#include "common/username.h"

int
username_valid(const char *s, size_t len)
{
	size_t	 i;
	char	 c;

	if (s == NULL || len == 0 || len > USERNAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '@' || c == '-'))
			return 0;
	}
	return 1;
}
