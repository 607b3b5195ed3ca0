/* SPDX-License-Identifier: ISC */
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

#include "common/query.h"
#include "common/request.h"
#include "common/service.h"

#define REQUEST_PATH_MAX	2048	/* longer paths match no route */

const char *
request_param(const struct request *req, const char *name)
{
	if (req->envp == NULL)
		return NULL;
	return FCGX_GetParam(name, req->envp);
}

int
request_param_count(const struct request *req, const char *name)
{
	char	**p;
	size_t	 len = strlen(name);
	int	 n = 0;

	if (req->envp == NULL)
		return 0;
	for (p = req->envp; *p != NULL; p++)
		if (strncmp(*p, name, len) == 0 && (*p)[len] == '=')
			n++;
	return n;
}

int
request_client(const struct request *req, struct clientaddr *out)
{
	const struct config	*cfg = &req->svc->cfg;

	return clientaddr_resolve(request_param(req, "REMOTE_ADDR"),
	    request_param(req, "HTTP_X_FORWARDED_FOR"),
	    request_param_count(req, "HTTP_X_FORWARDED_FOR"), cfg->proxies,
	    cfg->nproxies, out);
}

/*
 * Normalise a path in place as the servers do before they route (RFC 3986
 * §6.2.2): decode %XX of unreserved characters only, fold runs of '/', and
 * remove "." and ".." segments (§5.2.4).  Then every server, and the web
 * server's routing, see one path: /api/x/../login and /api/%6Cogin are
 * /api/login.  Other escapes stay encoded, so they match no route.
 */
static void
request_normalize(char *path)
{
	char	*in = path, *out = path, *seg;
	int	 hi, lo;
	char	 c;

	/* Pass 1: decode unreserved escapes and fold slashes. */
	while (*in != '\0') {
		c = *in;
		if (c == '%' && (hi = query_hexdigit(in[1])) >= 0 &&
		    (lo = query_hexdigit(in[2])) >= 0) {
			c = (char)(hi * 16 + lo);
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			    c == '_' || c == '~') {
				*out++ = c;
				in += 3;
				continue;
			}
			c = '%';
		}
		if (c == '/' && out > path && out[-1] == '/') {
			in++;
			continue;
		}
		*out++ = c;
		in++;
	}
	*out = '\0';

	/* Pass 2: dot segments, one segment at a time. */
	in = out = path;
	while (*in != '\0') {
		if (*in != '/') {
			*out++ = *in++;
			continue;
		}
		seg = in + 1;
		if (seg[0] == '.' && (seg[1] == '/' || seg[1] == '\0')) {
			in = seg + 1;
			if (*in == '\0')
				*out++ = '/';
			continue;
		}
		if (seg[0] == '.' && seg[1] == '.' &&
		    (seg[2] == '/' || seg[2] == '\0')) {
			while (out > path && *--out != '/')
				;
			in = seg + 2;
			if (*in == '\0')
				*out++ = '/';
			continue;
		}
		*out++ = *in++;
	}
	*out = '\0';
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
	 * of SCRIPT_NAME and PATH_INFO (docs/security.md: Apache puts the whole
	 * path in SCRIPT_NAME, lighttpd splits it).
	 */
	if ((uri = request_param(req, "REQUEST_URI")) != NULL && *uri != '\0') {
		len = strcspn(uri, "?#");
		/* Too long to be a route: an empty path answers 404. */
		req->path = strndup(uri, len > REQUEST_PATH_MAX ? 0 : len);
	} else {
		script = request_param(req, "SCRIPT_NAME");
		info = request_param(req, "PATH_INFO");
		if (script == NULL)
			script = "";
		if (info == NULL)
			info = "";
		len = strlen(script) + strlen(info);
		if (len > REQUEST_PATH_MAX)
			script = info = "";
		if ((req->path = malloc(len + 1)) != NULL)
			snprintf(req->path, len + 1, "%s%s", script, info);
	}
	if (req->path == NULL)
		return -1;
	request_normalize(req->path);
	return 0;
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
		/* A client that went away shows as EPIPE (docs/security.md,
		 * libfcgi): stop writing and let the request finish. */
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
