/* SPDX-License-Identifier: ISC */
/*
 * Responses.  Header lines hold only fixed strings and numbers: nothing a
 * client sent reaches one.  They are built by copying (not libfcgi's own
 * printf, which truncates silently on %zu, docs/security.md; not snprintf,
 * whose format parsing was most of a reply's cost).
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/reply.h"
#include "common/request.h"

/* Sent with every response: tokens and per-user data are never cached. */
#define REPLY_COMMON \
	"Cache-Control: no-store\r\n" \
	"Pragma: no-cache\r\n" \
	"X-Content-Type-Options: nosniff\r\n"

const char *
reply_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* A header block being built, and whether it overflowed. */
struct reply_head {
	char	 buf[8192];
	size_t	 len;
	int	 failed;
};

static void
reply_put(struct reply_head *h, const char *s)
{
	size_t	 n = strlen(s);

	if (h->failed || n > sizeof(h->buf) - h->len) {
		h->failed = 1;
		return;
	}
	memcpy(h->buf + h->len, s, n);
	h->len += n;
}

static void
reply_put_num(struct reply_head *h, unsigned long v)
{
	char	 d[24];
	size_t	 i = sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	reply_put(h, d + i);
}

/*
 * Send the header block and body; a request is answered at most once.  A
 * body ends with a newline, as text does (a terminal, `curl`, a log).
 */
static void
reply_send(struct request *req, int status, const char *type,
    const char *headers, const char *body, size_t len)
{
	struct reply_head	 h;
	size_t			 nl = body != NULL && len > 0;

	if (req->status != 0)
		return;
	req->status = status;
	h.len = 0;
	h.failed = 0;
	reply_put(&h, "Status: ");
	reply_put_num(&h, (unsigned long)status);
	reply_put(&h, " ");
	reply_put(&h, reply_reason(status));
	reply_put(&h, "\r\n");
	if (type != NULL) {
		reply_put(&h, "Content-Type: ");
		reply_put(&h, type);
		reply_put(&h, "\r\n");
	}
	reply_put(&h, REPLY_COMMON "Content-Length: ");
	reply_put_num(&h, (unsigned long)(len + nl));
	reply_put(&h, "\r\n");
	if (headers != NULL)
		reply_put(&h, headers);
	if (req->cors != NULL)
		reply_put(&h, req->cors);
	reply_put(&h, "\r\n");
	if (h.failed) {
		request_log(req, "%s: response header too long", __func__);
		h.len = 0;
		h.failed = 0;
		reply_put(&h, "Status: 500 ");
		reply_put(&h, reply_reason(500));
		reply_put(&h, "\r\n\r\n");
		len = nl = 0;
	}
	/* HEAD: the headers GET would send, Content-Length included. */
	if (request_write(req, h.buf, h.len) == 0 && len > 0 && !req->head &&
	    request_write(req, body, len) == 0 && nl)
		(void)request_write(req, "\n", 1);
}

void
reply_json(struct request *req, int status, const char *headers,
    struct json_object *body)
{
	const char	*s;
	size_t		 len;

	if (body == NULL) {
		reply_send(req, status, NULL, headers, NULL, 0);
		return;
	}
	s = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL) {
		reply_send(req, 500, NULL, NULL, NULL, 0);
		return;
	}
	reply_json_text(req, status, headers, s, len);
}

void
reply_json_text(struct request *req, int status, const char *headers,
    const char *body, size_t len)
{
	reply_send(req, status, "application/json; charset=utf-8", headers,
	    body, len);
}

void
reply_error_hdr(struct request *req, int status, const char *headers,
    const char *code, const char *msg)
{
	char	 body[512];
	int	 n;

	/* code and msg are our own fixed ASCII strings: no escaping. */
	n = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"message\":\"%s\"}",
	    code, msg);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", code);
	reply_send(req, status, "application/json; charset=utf-8", headers,
	    body, (size_t)n);
}

void
reply_error(struct request *req, int status, const char *code,
    const char *msg)
{
	reply_error_hdr(req, status, NULL, code, msg);
}

void
reply_bearer_error(struct request *req, int status, const char *code,
    const char *msg)
{
	reply_bearer_error_hdr(req, status, NULL, code, msg);
}

void
reply_bearer_error_hdr(struct request *req, int status, const char *headers,
    const char *code, const char *msg)
{
	char	 hdr[1024];
	int	 n;

	/* RFC 6750 §3: no error attribute when no credentials were sent. */
	if (strcmp(code, "invalid_token") == 0)
		n = snprintf(hdr, sizeof(hdr), "WWW-Authenticate: Bearer "
		    "realm=\"api\", error=\"invalid_token\", "
		    "error_description=\"%s\"\r\n%s", msg,
		    headers != NULL ? headers : "");
	else
		n = snprintf(hdr, sizeof(hdr),
		    "WWW-Authenticate: Bearer realm=\"api\"\r\n%s",
		    headers != NULL ? headers : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		hdr[0] = '\0';
	reply_error_hdr(req, status, hdr, code, msg);
}

void
reply_empty(struct request *req, int status)
{
	reply_send(req, status, NULL, NULL, NULL, 0);
}
