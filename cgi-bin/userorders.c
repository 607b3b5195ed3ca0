/*
 * userorders: GET and POST /api/userOrders, behind the auth object.  A
 * user sees and adds only their own orders: the user name comes from the
 * verified token, never from the request.
 */
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "common/auth.h"
#include "common/body.h"
#include "common/field.h"
#include "common/jsonout.h"
#include "common/reply.h"
#include "common/request.h"
#include "common/server.h"
#include "common/store.h"
#include "common/token.h"

#define QUANTITY_MAX	1000

/* An order as JSON, created_at in RFC 3339 UTC.  NULL if out of memory. */
static struct json_object *
order_json(const struct order *o)
{
	struct json_object	*obj;
	struct tm		 tm;
	time_t			 t = (time_t)o->created_at;
	char			 when[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		when[0] = '\0';
	if ((obj = json_object_new_object()) == NULL)
		return NULL;
	if (jsonout_add(obj, "id", json_object_new_int64(o->id)) == -1 ||
	    jsonout_add(obj, "item", json_object_new_string(o->item)) == -1 ||
	    jsonout_add(obj, "quantity",
	    json_object_new_int(o->quantity)) == -1 ||
	    jsonout_add(obj, "created_at",
	    json_object_new_string(when)) == -1) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static int
orders_append(const struct order *o, void *arg)
{
	struct json_object	*obj;

	if ((obj = order_json(o)) == NULL)
		return -1;
	if (json_object_array_add(arg, obj) != 0) {
		json_object_put(obj);
		return -1;
	}
	return 0;
}

/* GET /api/userOrders: 200 {"username", "orders": [...]}, oldest first. */
static void
orders_list(struct request *req)
{
	struct json_object	*body = NULL, *list = NULL;
	char			 user[TOKEN_USER_MAX + 1];
	enum store_rc		 rc;

	if (auth_request(req, user) == -1)
		return;
	if ((body = json_object_new_object()) == NULL ||
	    (list = json_object_new_array()) == NULL)
		goto oom;
	rc = store_order_list(req->svc->store, user, orders_append, list);
	if (rc != STORE_OK) {
		reply_store_error(req, rc);
		goto out;
	}
	if (jsonout_add(body, "username", json_object_new_string(user)) == -1)
		goto oom;
	rc = jsonout_add(body, "orders", list) == -1 ? STORE_ERROR : STORE_OK;
	list = NULL;	/* taken, or put */
	if (rc != STORE_OK)
		goto oom;
	reply_json(req, 200, NULL, body);
	goto out;
oom:
	reply_error(req, 500, "server_error", "Out of memory");
out:
	json_object_put(list);
	json_object_put(body);
}

/* POST /api/userOrders {"item", "quantity"}: 201 with the stored order. */
static void
orders_add(struct request *req)
{
	struct json_object	*body = NULL, *obj = NULL;
	struct order		 o;
	char			 user[TOKEN_USER_MAX + 1];
	const char		*item;
	size_t			 len;
	int			 qty;
	enum store_rc		 rc;

	if (auth_request(req, user) == -1)
		return;
	if ((body = body_json(req)) == NULL)
		return;
	if (field_string(req, body, "item", 1, STORE_ITEM_MAX, &item,
	    &len) == -1 ||
	    field_int(req, body, "quantity", 1, QUANTITY_MAX, &qty) == -1)
		goto out;
	rc = store_order_add(req->svc->store, user, item, qty, req->now, &o);
	if (rc != STORE_OK) {
		reply_store_error(req, rc);
		goto out;
	}
	if ((obj = order_json(&o)) == NULL)
		reply_error(req, 500, "server_error", "Out of memory");
	else
		reply_json(req, 201, NULL, obj);
out:
	json_object_put(obj);
	json_object_put(body);
}

static const struct route routes[] = {
	{ "/api/userOrders",	"GET",	orders_list },
	{ "/api/userOrders",	"POST",	orders_add },
};

static const struct server_def def = {
	"userorders",
	"Lists and adds the orders of the user named by a valid bearer token.",
	routes, sizeof(routes) / sizeof(routes[0]), NULL,
};

int
main(int argc, char **argv)
{
	return server_main(&def, argc, argv);
}
