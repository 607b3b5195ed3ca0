/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: jwk_set_parse() on arbitrary JWK Set files, the
 * verifiers' TOKEN_VERIFY_KEYS_FILE.
 *
 * Oracles: a set that parses holds 1 to JWK_SET_MAX public keys, each of
 * an asymmetric algorithm with a 43-character kid, no two alike; each
 * key's published JWK parses back, alone, to the same kid; a set that
 * does not parse leaves no key.  Everything is freed (LeakSanitizer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jwk.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwk	*keys[JWK_SET_MAX], *back[JWK_SET_MAX];
	char		 err[256], json[JWK_JSON_MAX + 16];
	size_t		 n, m, i, j;
	int		 len;

	if (jwk_set_parse((const char *)data, size, keys, &n, err,
	    sizeof(err)) == -1) {
		if (n != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (n == 0 || n > JWK_SET_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (keys[i]->priv || keys[i]->alg == JWK_HS256 ||
		    keys[i]->alg >= JWK__MAX ||
		    strlen(keys[i]->kid) != JWK_KID_LEN)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(keys[i]->kid, keys[j]->kid) == 0)
				abort();
		len = snprintf(json, sizeof(json), "{\"keys\":[");
		len += jwk_public_json(keys[i], json + len,
		    sizeof(json) - (size_t)len);
		len += snprintf(json + len, sizeof(json) - (size_t)len, "]}");
		if (jwk_set_parse(json, (size_t)len, back, &m, err,
		    sizeof(err)) == -1 || m != 1 ||
		    strcmp(back[0]->kid, keys[i]->kid) != 0)
			abort();
		jwk_free(back[0]);
	}
	for (i = 0; i < n; i++)
		jwk_free(keys[i]);
	return 0;
}
