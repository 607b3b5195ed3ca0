/* SPDX-License-Identifier: ISC */
/*
 * The process: configuration and store before the first accept (libfcgi
 * may replace environ per request, docs/security.md), then the FCGX loop.
 * SIGTERM is blocked while a request is served, so the request in flight
 * finishes and the process leaves at the next accept (docs/security.md).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "common/config.h"
#include "common/cors.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/server.h"
#include "common/service.h"
#include "common/store.h"
#include "common/token.h"

extern char	**environ;

static void
server_usage(const struct server_def *def, FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: %s [--help | --version]\n\n%s\n\nRoutes:\n",
	    def->name, def->summary);
	for (i = 0; i < def->nroutes; i++)
		fprintf(fp, "  %-4s %s\n", def->routes[i].method != NULL ?
		    def->routes[i].method : "any", def->routes[i].path != NULL ?
		    def->routes[i].path : "any path");
	fprintf(fp, "\nRun it under a FastCGI server (lighttpd, nginx, Apache, "
	    "spawn-fcgi), or as\nplain CGI. Configuration comes from the "
	    "environment, then ENV_FILE\n(default .env): TOKEN_SECRET (or "
	    "TOKEN_SECRET_FILE), ACCESS_TOKEN_TTL,\nREFRESH_TOKEN_TTL, "
	    "TOKEN_ISSUER, TOKEN_AUDIENCE, TOKEN_LEEWAY,\n"
	    "AUTH_INVALID_STATUS, DATABASE_PATH. See README.md.\n");
}

/* Whether the request path names route path p (one final '/' allowed). */
static int
server_path_is(const char *path, const char *p)
{
	size_t	 len = strlen(p);

	return strncmp(path, p, len) == 0 &&
	    (path[len] == '\0' || (path[len] == '/' && path[len + 1] == '\0'));
}

static void
server_dispatch(const struct server_def *def, struct request *req)
{
	const struct route	*r;
	char			 methods[96], allow[128];
	size_t			 i, len = 0;
	int			 n;

	if (request_init(req) == -1) {
		reply_error(req, 500, "server_error", "Out of memory");
		return;
	}
	cors_begin(req);
	for (i = 0; i < def->nroutes; i++) {
		r = &def->routes[i];
		if (r->path != NULL && !server_path_is(req->path, r->path))
			continue;
		/* HEAD is GET without the body (RFC 9110 §9.3.2). */
		req->head = strcmp(req->method, "HEAD") == 0 &&
		    (r->method == NULL || strcmp(r->method, "GET") == 0);
		if (req->head || r->method == NULL ||
		    strcmp(req->method, r->method) == 0) {
			r->handle(req);
			if (req->status == 0) {
				request_log(req, "%s: %s answered nothing",
				    __func__, r->path);
				reply_error(req, 500, "server_error",
				    "No response");
			}
			return;
		}
		n = snprintf(methods + len, sizeof(methods) - len, "%s%s%s",
		    len == 0 ? "" : ", ", r->method,
		    strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
		if (n > 0 && (size_t)n < sizeof(methods) - len)
			len += (size_t)n;
	}
	if (len == 0) {
		reply_error(req, 404, "not_found", "No such endpoint");
		return;
	}
	/* A preflight asks which methods the route takes: as Allow says. */
	if (cors_is_preflight(req)) {
		cors_preflight(req, methods);
		return;
	}
	snprintf(allow, sizeof(allow), "Allow: %s\r\n", methods);
	reply_error_hdr(req, 405, allow, "method_not_allowed",
	    "This endpoint does not take that method");
}

/* Serve one request: the common part of both transports. */
static void
server_serve(const struct server_def *def, struct service *svc,
    struct request *req)
{
	req->svc = svc;
	req->now = time(NULL);
	server_dispatch(def, req);
	request_free(req);
}

/* Plain CGI: one request from environ, stdin and stdout. */
static int
server_cgi(const struct server_def *def, struct service *svc)
{
	struct request	 req;

	signal(SIGPIPE, SIG_IGN);
	memset(&req, 0, sizeof(req));
	req.envp = environ;
	server_serve(def, svc, &req);
	return 0;
}

/*
 * Whether the end of the input has come already, read without waiting:
 * for a request whose web server may send no FCGI_STDIN at all.  Nothing
 * there yet (EAGAIN) leaves the input stream in error, which makes
 * FCGX_Finish_r close the libfcgi way; the socket is blocking again
 * before the answer is written.
 */
static int
server_input_ended(FCGX_Request *fr)
{
	int	 flags, done;

	if ((flags = fcntl(fr->ipcFd, F_GETFL)) == -1 ||
	    fcntl(fr->ipcFd, F_SETFL, flags | O_NONBLOCK) == -1)
		return 0;
	done = FCGX_GetChar(fr->in) == EOF && FCGX_GetError(fr->in) == 0;
	if (fcntl(fr->ipcFd, F_SETFL, flags) == -1)
		return 0;
	return done;
}

/*
 * Whether the web server has sent all it will send on this connection, so
 * that it can be closed at once.  libfcgi's own close shuts the connection
 * for writing, then waits for the web server to close its side (up to 2 s),
 * reading and dropping what still comes: over TCP, data that reaches a
 * closed socket makes the kernel answer with a reset, which may destroy the
 * answer before the web server has read it.  That wait costs a round trip
 * through the web server's event loop per request (bench/README.md).  Once
 * the input has been read to its end (the empty FCGI_STDIN record; and no
 * FCGI_KEEP_CONN, so no next request on this connection), nothing more can
 * come.  A request that declares an empty body (CONTENT_LENGTH "0", or ""
 * as nginx sends it) has only that record left to read, and the web server
 * sends it with the parameters, so reading it does not wait.  A request
 * with no CONTENT_LENGTH at all (Apache's GET; an authorizer, FastCGI 1.0
 * §6.3) may come with no FCGI_STDIN either: lighttpd sends the empty one
 * to an authorizer, Apache's mod_authnz_fcgi none, and a read would wait
 * for ever (our answer still in libfcgi's buffer).  So there the end is
 * looked for only in what has come already (server_input_ended).  Any
 * other request (a body declared or left unread) keeps libfcgi's close.
 */
static int
server_input_done(const struct request *req, FCGX_Request *fr)
{
	const char	*cl;

	if (fr->keepConnection)
		return 0;
	if (FCGX_HasSeenEOF(fr->in))
		return 1;
	cl = request_param(req, "CONTENT_LENGTH");
	if (cl == NULL)
		return server_input_ended(fr);
	/* nginx sends CONTENT_LENGTH "" for a chunked body too. */
	if ((*cl != '\0' && strcmp(cl, "0") != 0) ||
	    (*cl == '\0' &&
	    request_param(req, "HTTP_TRANSFER_ENCODING") != NULL))
		return 0;
	return FCGX_GetChar(fr->in) == EOF && FCGX_GetError(fr->in) == 0;
}

static int
server_fcgi(const struct server_def *def, struct service *svc)
{
	FCGX_Request	 fr;
	struct request	 req;
	sigset_t	 stop;
	int		 rc;

	/* FCGX_Init installs its SIGPIPE, SIGTERM and SIGUSR1 handlers. */
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		fprintf(stderr, "%s: cannot initialise libfcgi\n", def->name);
		return 1;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGUSR1);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	for (;;) {
		/* Signals land only while waiting for a connection. */
		sigprocmask(SIG_UNBLOCK, &stop, NULL);
		rc = FCGX_Accept_r(&fr);
		sigprocmask(SIG_BLOCK, &stop, NULL);
		if (rc < 0)
			break;
		memset(&req, 0, sizeof(req));
		req.envp = fr.envp;
		req.in = fr.in;
		req.out = fr.out;
		req.err = fr.err;
		server_serve(def, svc, &req);
		if (server_input_done(&req, &fr))
			(void)FCGX_Detach(&fr);	/* a plain close(2) */
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	return 0;
}

int
server_main(const struct server_def *def, int argc, char **argv)
{
	static struct service	 svc;
	char			 err[512];
	int			 rc;

	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) {
			server_usage(def, stdout);
			return 0;
		}
		if (strcmp(argv[1], "--version") == 0) {
			printf("%s (jwt-auth) %s\n", def->name,
			    JWT_AUTH_VERSION);
			return 0;
		}
		server_usage(def, stderr);
		return 2;
	}
	svc.name = def->name;
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: cannot initialise libsodium\n", def->name);
		return 1;
	}
	if (config_load(&svc.cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", def->name, err);
		return 1;
	}
	if (token_init(&svc.cfg, err, sizeof(err)) == -1 ||
	    (svc.store = store_connect(svc.cfg.database_url,
	    svc.cfg.database_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", def->name, err);
		token_fini(&svc.cfg);
		config_free(&svc.cfg);
		return 1;
	}
	/* init says what is wrong itself, in one line naming the variable:
	 * a second, vaguer line would only hide it in a log. */
	if (def->init != NULL && def->init(&svc) == -1)
		rc = 1;
	else if (FCGX_IsCGI())
		rc = server_cgi(def, &svc);
	else
		rc = server_fcgi(def, &svc);
	store_close(svc.store);
	token_fini(&svc.cfg);
	config_free(&svc.cfg);
	return rc;
}
