/* SPDX-License-Identifier: ISC */
/*
 * What lives for the whole process, set up before the first accept: the
 * configuration and the store.  A request reaches them through req->svc;
 * only the files that use them include this header, so request.h and
 * reply.h stay free of the configuration and the store.
 */
#ifndef COMMON_SERVICE_H
#define COMMON_SERVICE_H

#include "common/config.h"
#include "common/request.h"
#include "common/store.h"

struct service {
	const char	*name;		/* executable name, for logs */
	struct config	 cfg;
	struct store	*store;
};

/*
 * 503 service_unavailable with Retry-After for a store that failed or
 * stayed locked, logged with the store's reason: the client may retry,
 * and nothing it was told is stored was lost.
 */
void	service_unavailable(struct request *req, enum store_rc rc);

/*
 * GET /api/health, no authentication: 200 {"status":"ok"} when this
 * process reaches its store now, else the 503 above.  What a load
 * balancer checks; it says nothing of users, settings or the store.
 */
void	service_health(struct request *req);

#endif
