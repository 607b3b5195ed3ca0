/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: CONTENT_LENGTH parsing, and the whole body_json() path
 * of a plain-CGI request.
 *
 * The input up to its first '\n' is the CONTENT_LENGTH value (cut at a
 * NUL, as an environment string would be); the rest is the body on
 * stdin.  An input without '\n' sends no CONTENT_LENGTH at all (Apache's
 * chunked case), the whole input being the body.  The first byte's low
 * bit picks the Content-Type: application/json, or a charset variant.
 *
 * request_read() reads stdin with fread() in CGI mode (req->in NULL) and
 * the reply goes to stdout with fwrite(): both are swapped for memory
 * streams (fmemopen, open_memstream) around each call.
 *
 * FUZZ_TRACE=1 in the environment prints each outcome (seed checks).
 *
 * Oracles: body_content_length() succeeds with a value >= 0, equal to
 * strtoll()'s for short all-digit input; body_json() returns an object
 * exactly when it sent no reply, and otherwise the reply starts with
 * "Status: 4" or "Status: 5"; an accepted body is no longer than
 * REQUEST_BODY_MAX.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/body.h"
#include "common/request.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The oracle on body_content_length() alone. */
static void
fuzz_content_length(const char *s)
{
	long long	 v = -1, want;
	size_t		 i, n = strlen(s);
	int		 digits = 1;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	if (body_content_length(s, &v) != 0) {
		/* Only non-digits may fail; "" is 0. */
		if (digits)
			abort();
		return;
	}
	if (v < 0 || !digits)
		abort();
	if (n == 0 && v != 0)
		abort();
	/* 18 digits always fit in a long long. */
	if (n > 0 && n <= 18) {
		errno = 0;
		want = strtoll(s, NULL, 10);
		if (errno != 0 || want != v)
			abort();
	}
	if (n > 19 && s[strspn(s, "0")] != '\0' &&
	    strlen(s + strspn(s, "0")) > 19 && v != LLONG_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request		 req;
	struct json_object	*obj;
	const uint8_t		*nl;
	FILE			*in, *out, *saved_in, *saved_out;
	char			*cl = NULL, *envp[3], *reply = NULL;
	const uint8_t		*body;
	size_t			 blen, rlen = 0;

	if (size < 1)
		return 0;
	if ((nl = memchr(data, '\n', size)) != NULL) {
		if ((cl = malloc((size_t)(nl - data) + 1)) == NULL)
			abort();
		memcpy(cl, data, (size_t)(nl - data));
		cl[nl - data] = '\0';
		fuzz_content_length(cl);
		body = nl + 1;
		blen = size - (size_t)(nl - data) - 1;
	} else {
		body = data;
		blen = size;
	}

	/* envp as FastCGI params or environ give it: NAME=value strings. */
	envp[0] = (data[0] & 1) ? (char *)"CONTENT_TYPE=application/json" :
	    (char *)"CONTENT_TYPE=Application/JSON; charset=\"UTF-8\"";
	envp[1] = NULL;
	envp[2] = NULL;
	if (cl != NULL) {
		if ((envp[1] = malloc(strlen(cl) + 16)) == NULL)
			abort();
		snprintf(envp[1], strlen(cl) + 16, "CONTENT_LENGTH=%s", cl);
	}

	/* fmemopen() wants a non-empty buffer; an empty body is /dev/null. */
	in = blen > 0 ? fmemopen((void *)(uintptr_t)body, blen, "r") :
	    fopen("/dev/null", "r");
	if (in == NULL || (out = open_memstream(&reply, &rlen)) == NULL)
		abort();
	saved_in = stdin;
	saved_out = stdout;
	stdin = in;
	stdout = out;

	memset(&req, 0, sizeof(req));
	req.envp = envp;
	req.method = "POST";
	obj = body_json(&req);

	stdin = saved_in;
	stdout = saved_out;
	fclose(in);
	fclose(out);

	if (obj != NULL) {
		if (req.status != 0 || rlen != 0)
			abort();
		if (!json_object_is_type(obj, json_type_object))
			abort();
		if (req.body == NULL || req.body_len == 0 ||
		    req.body_len > REQUEST_BODY_MAX || req.body_len > blen)
			abort();
	} else {
		if (req.status < 400 || req.status > 599)
			abort();
		if (rlen < 10 || (strncmp(reply, "Status: 4", 9) != 0 &&
		    strncmp(reply, "Status: 5", 9) != 0))
			abort();
	}
	if (getenv("FUZZ_TRACE") != NULL)
		fprintf(stderr, "body_json: %s status %d body_len %zu\n",
		    obj != NULL ? "object" : "NULL", req.status, req.body_len);
	json_object_put(obj);
	request_free(&req);
	free(reply);
	free(envp[1]);
	free(cl);
	return 0;
}
