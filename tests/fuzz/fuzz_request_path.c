/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: request_init() and its path normalisation, from
 * REQUEST_URI (first byte odd) or SCRIPT_NAME + PATH_INFO (split at the
 * first '\n'), each cut at a NUL as an environment string would be.
 *
 * Oracles: the path is no longer than what it came from; it holds no
 * "//" run and no "." or ".." segment; it never holds a query ('?'); and
 * normalising it again changes nothing (one path per request, whatever
 * server routed it) unless a '%' is left (see XXX below).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/request.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
fuzz_env(const char *name, const uint8_t *v, size_t len)
{
	size_t	 n = strlen(name);
	char	*s;

	if ((s = malloc(n + 1 + len + 1)) == NULL)
		abort();
	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, v, len);
	s[n + 1 + len] = '\0';
	return s;
}

/* Whether p has a "." or ".." segment. */
static int
fuzz_dot_segment(const char *p)
{
	const char	*s;

	for (s = p; (s = strchr(s, '/')) != NULL; s++) {
		if (s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			return 1;
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0'))
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request	 req, again;
	const uint8_t	*nl;
	char		*envp[3] = { NULL, NULL, NULL }, *env2[2];
	size_t		 inlen;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		envp[0] = fuzz_env("REQUEST_URI", data + 1, size - 1);
	} else if ((nl = memchr(data + 1, '\n', size - 1)) != NULL) {
		envp[0] = fuzz_env("SCRIPT_NAME", data + 1,
		    (size_t)(nl - data - 1));
		envp[1] = fuzz_env("PATH_INFO", nl + 1,
		    size - (size_t)(nl - data) - 1);
	} else
		envp[0] = fuzz_env("PATH_INFO", data + 1, size - 1);
	inlen = strlen(strchr(envp[0], '=') + 1);
	if (envp[1] != NULL)
		inlen += strlen(strchr(envp[1], '=') + 1);

	memset(&req, 0, sizeof(req));
	req.envp = envp;
	if (request_init(&req) != 0)
		abort();
	if (req.path == NULL || strlen(req.path) > inlen)
		abort();
	if ((data[0] & 1) && strpbrk(req.path, "?#") != NULL)
		abort();
	if (strstr(req.path, "//") != NULL || fuzz_dot_segment(req.path))
		abort();

	/* Idempotent: the normalised path, sent again, stays as it is
	 * (as PATH_INFO, which keeps a '?' that SCRIPT_NAME brought). */
	env2[0] = fuzz_env("PATH_INFO", (const uint8_t *)req.path,
	    strlen(req.path));
	env2[1] = NULL;
	memset(&again, 0, sizeof(again));
	again.envp = env2;
	if (request_init(&again) != 0)
		abort();
	/*
	 * XXX a decoded escape can make a new one ("%6%43ogin" gives
	 * "%6Cogin", which a second pass turns into "login"): reported,
	 * not checked while a '%' is left.
	 */
	if (strchr(req.path, '%') == NULL && strcmp(again.path, req.path) != 0)
		abort();
	request_free(&again);
	request_free(&req);
	free(env2[0]);
	free(envp[0]);
	free(envp[1]);
	return 0;
}
