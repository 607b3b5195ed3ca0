/*
 * Requests over either transport.  FCGX_GetParam scans any NULL-ended
 * "NAME=value" array, so in CGI mode it reads environ just the same.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "common/request.h"

#define REQUEST_PATH_MAX	2048	/* longer paths match no route */

const char *
request_param(const struct request *req, const char *name)
{
	if (req->envp == NULL)
		return NULL;
	return FCGX_GetParam(name, req->envp);
}

int
request_init(struct request *req)
{
	const char	*uri, *script, *info;
	size_t		 len;

	req->method = request_param(req, "REQUEST_METHOD");
	if (req->method == NULL)
		req->method = "";

	/*
	 * REQUEST_URI is what the client asked for, whatever the server made
	 * of SCRIPT_NAME and PATH_INFO (LIBS.md §2.7: Apache puts the whole
	 * path in SCRIPT_NAME, lighttpd splits it).
	 */
	if ((uri = request_param(req, "REQUEST_URI")) != NULL && *uri != '\0') {
		len = strcspn(uri, "?#");
		if (len > REQUEST_PATH_MAX)
			len = REQUEST_PATH_MAX;
		req->path = strndup(uri, len);
	} else {
		script = request_param(req, "SCRIPT_NAME");
		info = request_param(req, "PATH_INFO");
		if (script == NULL)
			script = "";
		if (info == NULL)
			info = "";
		len = strlen(script) + strlen(info);
		if (len > REQUEST_PATH_MAX)
			len = REQUEST_PATH_MAX;
		if ((req->path = malloc(len + 1)) != NULL)
			snprintf(req->path, len + 1, "%s%s", script, info);
	}
	return req->path != NULL ? 0 : -1;
}

void
request_free(struct request *req)
{
	free(req->path);
	free(req->body);
	req->path = NULL;
	req->body = NULL;
	req->body_len = 0;
}

int
request_read(struct request *req, char *buf, int len)
{
	size_t	 n;

	if (len <= 0)
		return 0;
	if (req->in != NULL)
		return FCGX_GetStr(buf, len, req->in);
	n = fread(buf, 1, (size_t)len, stdin);
	if (n == 0 && ferror(stdin))
		return -1;
	return (int)n;
}

int
request_write(struct request *req, const char *buf, size_t len)
{
	if (req->write_failed)
		return -1;
	if (req->out != NULL) {
		/* A client that went away shows as EPIPE here (LIBS.md
		 * §2.5): stop writing and let the request finish. */
		if (len > INT32_MAX ||
		    FCGX_PutStr(buf, (int)len, req->out) != (int)len)
			req->write_failed = 1;
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		req->write_failed = 1;
	return req->write_failed ? -1 : 0;
}

void
request_log(const struct request *req, const char *fmt, ...)
{
	char		 msg[512], line[600];
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "%s: %s\n",
	    req->svc != NULL ? req->svc->name : "auth", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (req->err != NULL) {
		FCGX_PutStr(line, n, req->err);
		FCGX_FFlush(req->err);
	} else
		fputs(line, stderr);
}
