/* SPDX-License-Identifier: ISC */
/*
 * The main loop every executable shares: configuration and store set up
 * before the first accept, then one request at a time over FastCGI, or a
 * single one as plain CGI, dispatched by path and method.
 */
#ifndef COMMON_SERVER_H
#define COMMON_SERVER_H

#include "common/request.h"

struct route {
	const char	*path;		/* exact ("/api/login"); NULL: any */
	const char	*method;	/* "GET" or "POST"; NULL: any */
	void		(*handle)(struct request *);
};

struct server_def {
	const char		*name;	/* executable name, for logs */
	const char		*summary; /* one line for --help */
	const struct route	*routes;
	size_t			 nroutes;
	/* Start-up checks, or NULL: 0, or -1 after one line on stderr
	 * ("name: VARIABLE: why"), the only line the executable prints. */
	int			(*init)(struct service *);
};

/* Run the executable def describes.  Returns the process exit status. */
int	server_main(const struct server_def *def, int argc, char **argv);

#endif
