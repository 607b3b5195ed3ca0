/* SPDX-License-Identifier: ISC */
/*
 * The ceiling: a FastCGI responder that answers a fixed small JSON and does
 * nothing else.  Run behind the same lighttpd configuration as the service,
 * it measures what any FastCGI program can reach on this machine; it closes
 * its connections as the service does, so that the ceiling is no lower.
 */
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

static const char	reply[] =
	"Status: 200 OK\r\n"
	"Content-Type: application/json; charset=utf-8\r\n"
	"Content-Length: 35\r\n"
	"\r\n"
	"{\"username\":\"bench\",\"orders\":[{}]}\n";

int
main(void)
{
	FCGX_Request	 r;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(reply, (int)strlen(reply), r.out);
		/* The service's close (common/server.c): the bench's GETs
		 * declare no body, so once the input's end is read the
		 * connection is closed at once. */
		if (FCGX_GetChar(r.in) == EOF)
			(void)FCGX_Detach(&r);
		FCGX_Finish_r(&r);
	}
	return 0;
}
