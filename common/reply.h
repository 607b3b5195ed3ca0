/* SPDX-License-Identifier: ISC */
/*
 * Responses: CGI headers and a JSON body, the headers built by copying,
 * sent in one write.  Only fixed strings and validated values reach a header.
 */
#ifndef COMMON_REPLY_H
#define COMMON_REPLY_H

#include <json-c/json.h>

#include "common/request.h"

/*
 * Send status with body (borrowed; NULL for none) and extra header lines
 * (each ending "\r\n"; NULL for none).  Token responses must pass
 * Cache-Control themselves: every response here is no-store anyway.
 */
void	reply_json(struct request *req, int status, const char *headers,
	    struct json_object *body);

/* The same with the body already written as JSON text (len bytes). */
void	reply_json_text(struct request *req, int status, const char *headers,
	    const char *body, size_t len);

/* An error body {"error": code, "message": msg}. */
void	reply_error(struct request *req, int status, const char *code,
	    const char *msg);

/* The same with extra header lines (each ending "\r\n"). */
void	reply_error_hdr(struct request *req, int status, const char *headers,
	    const char *code, const char *msg);

/* 401 or the invalid status, with WWW-Authenticate (RFC 6750 §3). */
void	reply_bearer_error(struct request *req, int status,
	    const char *code, const char *msg);

/* The same with extra header lines after it (each ending "\r\n"). */
void	reply_bearer_error_hdr(struct request *req, int status,
	    const char *headers, const char *code, const char *msg);

/* 204 No Content. */
void	reply_empty(struct request *req, int status);

/* The reason phrase of a status we send. */
const char *reply_reason(int status);

#endif
