/* SPDX-License-Identifier: ISC */
/*
 * Request bodies.  libfcgi never enforces CONTENT_LENGTH and servers send
 * it in four shapes (docs/security.md): parse it strictly, cap it before
 * allocating, and treat a short read as the client's error.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "common/body.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/strictjson.h"

#define BODY_DEPTH	8	/* nesting a request body may use */

int
body_content_length(const char *s, long long *out)
{
	const char	*p;
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0') {
		*out = 0;
		return 0;
	}
	for (p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* All digits but too large for a long long: too large for us. */
	if (errno == ERANGE)
		v = LLONG_MAX;
	else if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* Skip spaces and tabs. */
static const char *
body_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Whether a Content-Type is JSON: "application/json", any case, with
 * parameters allowed, but a charset other than UTF-8 refused (RFC 8259 §8.1
 * makes JSON UTF-8).
 */
static int
body_is_json(const char *ct)
{
	const char	*p, *v;
	size_t		 vlen;

	if (ct == NULL)
		return 0;
	p = body_skip_ws(ct);
	if (strncasecmp(p, "application/json", 16) != 0)
		return 0;
	p = body_skip_ws(p + 16);
	while (*p == ';') {
		p = body_skip_ws(p + 1);
		if (strncasecmp(p, "charset=", 8) == 0) {
			v = p + 8;
			vlen = strcspn(v, "; \t");
			if (!((vlen == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
			    (vlen == 7 && strncasecmp(v, "\"utf-8\"", 7) == 0)))
				return 0;
		}
		p += strcspn(p, ";");
	}
	return *p == '\0';
}

/*
 * No CONTENT_LENGTH at all: Apache mod_proxy_fcgi streams a chunked body
 * over about 16 KiB that way (the end of FCGI_STDIN marks its end).  Read
 * to the end, one byte past the cap at most.  Returns 0, or -1 after a
 * 413 or 400.
 */
static int
body_read_all(struct request *req)
{
	size_t	 got = 0;
	int	 n;

	if ((req->body = malloc(REQUEST_BODY_MAX + 2)) == NULL) {
		reply_error(req, 500, "server_error", "Out of memory");
		return -1;
	}
	while (got <= REQUEST_BODY_MAX) {
		n = request_read(req, req->body + got,
		    (int)(REQUEST_BODY_MAX + 1 - got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got > REQUEST_BODY_MAX) {
		reply_error(req, 413, "payload_too_large",
		    "The body is larger than 16 KiB");
		return -1;
	}
	if (got == 0) {
		reply_error(req, 400, "invalid_request",
		    "A JSON object body is required");
		return -1;
	}
	req->body[got] = '\0';
	req->body_len = got;
	return 0;
}

/* Read exactly len bytes into req->body.  Returns 0, or -1 after a 400. */
static int
body_read(struct request *req, size_t len)
{
	size_t	 got = 0;
	int	 n;

	if ((req->body = malloc(len + 1)) == NULL) {
		reply_error(req, 500, "server_error", "Out of memory");
		return -1;
	}
	while (got < len) {
		n = request_read(req, req->body + got, (int)(len - got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < len) {
		reply_error(req, 400, "invalid_request",
		    "The body is shorter than its Content-Length");
		return -1;
	}
	req->body[len] = '\0';
	req->body_len = len;
	return 0;
}

struct json_object *
body_json(struct request *req)
{
	struct json_object	*obj;
	const char		*cl;
	long long		 len;

	if (!body_is_json(request_param(req, "CONTENT_TYPE"))) {
		reply_error(req, 415, "unsupported_media_type",
		    "The body must be JSON (Content-Type: application/json)");
		return NULL;
	}
	cl = request_param(req, "CONTENT_LENGTH");
	if (cl == NULL) {
		if (body_read_all(req) == -1)
			return NULL;
		goto parse;
	}
	if (body_content_length(cl, &len) == -1) {
		reply_error(req, 400, "invalid_request",
		    "The Content-Length is not a number");
		return NULL;
	}
	if (len > REQUEST_BODY_MAX) {
		reply_error(req, 413, "payload_too_large",
		    "The body is larger than 16 KiB");
		return NULL;
	}
	if (len == 0) {
		reply_error(req, 400, "invalid_request",
		    "A JSON object body is required");
		return NULL;
	}
	if (body_read(req, (size_t)len) == -1)
		return NULL;
parse:
	obj = strictjson_object(req->body, req->body_len, BODY_DEPTH);
	if (obj == NULL)
		reply_error(req, 400, "invalid_request",
		    "The body is not a valid JSON object");
	return obj;
}
