/*
 * userorders: GET and POST /api/userOrders, behind the auth object.  A
 * user sees and adds only their own orders: the user name comes from the
 * verified token, never from the request.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/auth.h"
#include "common/body.h"
#include "common/field.h"
#include "common/jsonw.h"
#include "common/reply.h"
#include "common/rfc3339.h"
#include "common/request.h"
#include "common/server.h"
#include "common/store.h"
#include "common/token.h"

#define QUANTITY_MAX	1000
#define ORDERS_BUF	8192	/* bytes on the stack; a longer list grows */

/*
 * An order as JSON into w: {"id","item","quantity","created_at"}, the last
 * in RFC 3339 UTC.  Written straight into the reply's buffer: this is the
 * hot path, and a json-c object per field cost more than the database.
 */
static void
order_write(struct jsonw *w, const struct order *o)
{
	char		 when[RFC3339_LEN + 1];

	(void)rfc3339_utc(o->created_at, when);	/* "" outside 0000-9999 */
	jsonw_lit(w, "{\"id\":");
	jsonw_int(w, o->id);
	jsonw_lit(w, ",\"item\":");
	jsonw_str(w, o->item, strlen(o->item));
	jsonw_lit(w, ",\"quantity\":");
	jsonw_int(w, o->quantity);
	jsonw_lit(w, ",\"created_at\":");
	jsonw_str(w, when, strlen(when));
	jsonw_lit(w, "}");
}

/* The list being written: its text, and how many orders are in it. */
struct orders_out {
	struct jsonw	 w;
	size_t		 n;
};

/* store_order_list's callback: one more element of the list. */
static int
orders_append(const struct order *o, void *arg)
{
	struct orders_out	*out = arg;

	if (out->n++ > 0)
		jsonw_lit(&out->w, ",");
	order_write(&out->w, o);
	return out->w.failed ? -1 : 0;
}

/* GET /api/userOrders: 200 {"username", "orders": [...]}, oldest first. */
static void
orders_list(struct request *req)
{
	struct orders_out	 out;
	char			 buf[ORDERS_BUF];
	char			 user[TOKEN_USER_MAX + 1];
	enum store_rc		 rc;

	if (auth_request(req, user) == -1)
		return;
	jsonw_init(&out.w, buf, sizeof(buf));
	out.n = 0;
	jsonw_lit(&out.w, "{\"username\":");
	jsonw_str(&out.w, user, strlen(user));
	jsonw_lit(&out.w, ",\"orders\":[");
	rc = store_order_list(req->svc->store, user, orders_append, &out);
	jsonw_lit(&out.w, "]}");
	if (out.w.failed) {
		request_log(req, "%s: the list does not fit in memory",
		    __func__);
		reply_error(req, 500, "server_error", "Out of memory");
	} else if (rc != STORE_OK)
		reply_store_error(req, rc);
	else
		reply_json_text(req, 200, NULL, out.w.buf, out.w.len);
	jsonw_free(&out.w);
}

/* POST /api/userOrders {"item", "quantity"}: 201 with the stored order. */
static void
orders_add(struct request *req)
{
	struct json_object	*body = NULL;
	struct jsonw		 w;
	struct order		 o;
	char			 buf[512];
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
	jsonw_init(&w, buf, sizeof(buf));
	order_write(&w, &o);
	if (w.failed)
		reply_error(req, 500, "server_error", "Out of memory");
	else
		reply_json_text(req, 201, NULL, w.buf, w.len);
	jsonw_free(&w);
out:
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
