/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: dotenv_parse() on arbitrary file contents.
 *
 * Oracles: every key is non-empty and made of [A-Za-z0-9_.-]; keys are
 * unique (later keys replace earlier ones); every value is a string that
 * dotenv_get() returns for its key.  dotenv_free() then leaves env empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dotenv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_keychar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dotenv	 env;
	const char	*k;
	size_t		 i, j;

	if (dotenv_parse(&env, (const char *)data, size) != 0) {
		/* Out of memory only: env must be left empty. */
		if (env.len != 0 || env.keys != NULL || env.values != NULL)
			abort();
		return 0;
	}
	for (i = 0; i < env.len; i++) {
		k = env.keys[i];
		if (k == NULL || *k == '\0' || env.values[i] == NULL)
			abort();
		for (j = 0; k[j] != '\0'; j++)
			if (!fuzz_keychar(k[j]))
				abort();
		for (j = 0; j < i; j++)
			if (strcmp(env.keys[j], k) == 0)
				abort();
		if (dotenv_get(&env, k) != env.values[i])
			abort();
	}
	dotenv_free(&env);
	if (env.len != 0 || env.keys != NULL || env.values != NULL)
		abort();
	return 0;
}
