/* SPDX-License-Identifier: ISC */
/*
 * The process's service: the one answer for a store failure, which needs
 * both the request (to reply) and the store (to say why, in the log).
 */
#include "common/reply.h"
#include "common/request.h"
#include "common/service.h"
#include "common/store.h"

void
service_unavailable(struct request *req, enum store_rc rc)
{
	request_log(req, "store failed: %s", rc == STORE_BUSY ?
	    store_busy_reason(req->svc->store) :
	    store_errmsg(req->svc->store));
	reply_error_hdr(req, 503, "Retry-After: 1\r\n", "service_unavailable",
	    "The service is unavailable; try again shortly");
}

void
service_health(struct request *req)
{
	static const char	 ok[] = "{\"status\":\"ok\"}";
	enum store_rc		 rc;

	if ((rc = store_ping(req->svc->store)) != STORE_OK) {
		service_unavailable(req, rc);
		return;
	}
	reply_json_text(req, 200, NULL, ok, sizeof(ok) - 1);
}
