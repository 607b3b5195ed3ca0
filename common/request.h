/* SPDX-License-Identifier: ISC */
/*
 * One request, whether it came over FastCGI (FCGX streams and params) or
 * as plain CGI (environ, stdin, stdout): handlers cannot tell them apart.
 */
#ifndef COMMON_REQUEST_H
#define COMMON_REQUEST_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <fcgiapp.h>

#include "common/clientaddr.h"

#define REQUEST_BODY_MAX	16384	/* bytes; more is 413 */

struct service;		/* service.h: configuration and store */

struct request {
	struct service	*svc;		/* borrowed, process lifetime */
	char		**envp;		/* borrowed: FastCGI params or environ */
	FCGX_Stream	*in, *out, *err; /* FastCGI streams, or NULL for CGI */
	const char	*method;	/* REQUEST_METHOD, borrowed */
	char		*path;		/* request path, owned */
	char		*body;		/* request body once read, owned */
	size_t		 body_len;
	time_t		 now;		/* wall clock at the start */
	int		 status;	/* status replied, 0 before */
	int		 write_failed;	/* the client went away */
	int		 head;		/* HEAD: headers only, as for GET */
	const char	*cors;		/* CORS header lines for a listed
					 * Origin, or NULL (cors.c) */
};

/* A request parameter (CGI variable), borrowed, or NULL. */
const char	*request_param(const struct request *req, const char *name);

/* How many times the parameter name was sent (a header sent twice can
 * arrive as two parameters: libfcgi's look-up sees only the first). */
int		 request_param_count(const struct request *req,
		    const char *name);

/*
 * The client's address (see clientaddr.h), with the service's
 * TRUSTED_PROXIES.  Returns 0, or -1 for a forwarded address that cannot
 * be believed (the caller answers 400).
 */
int		 request_client(const struct request *req,
		    struct clientaddr *out);

/*
 * Work out the request path from REQUEST_URI (without the query), or
 * SCRIPT_NAME + PATH_INFO when the server sends no REQUEST_URI.  Returns 0
 * or -1 (out of memory).
 */
int		 request_init(struct request *req);

/* Free what the request owns. */
void		 request_free(struct request *req);

/* Read up to len bytes of body.  Returns the count, 0 at the end, -1. */
int		 request_read(struct request *req, char *buf, int len);

/* Write len bytes of response.  Returns 0, or -1 (client gone). */
int		 request_write(struct request *req, const char *buf,
		    size_t len);

/* Log one line to the server's error log: "name: func: message". */
void		 request_log(const struct request *req, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
