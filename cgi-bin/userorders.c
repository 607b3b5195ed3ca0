/* SPDX-License-Identifier: ISC */
/*
 * userorders: GET and POST /api/userOrders, behind the auth object.  A
 * user sees and adds only their own orders: the user name comes from the
 * verified token, never from the request.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "common/auth.h"
#include "common/body.h"
#include "common/field.h"
#include "common/jsonw.h"
#include "common/query.h"
#include "common/reply.h"
#include "common/rfc3339.h"
#include "common/request.h"
#include "common/server.h"
#include "common/service.h"
#include "common/store.h"
#include "common/token.h"
#include "common/username.h"

#define QUANTITY_MAX	1000
#define LIST_DEFAULT	100	/* orders a page holds unless ?limit= says */
#define LIST_MAX	1000
#define ORDERS_BUF	8192	/* bytes on the stack; a longer list grows */
#define IDEM_KEY_MAX	255	/* bytes of an Idempotency-Key */
#define IDEM_KEY_TTL	86400	/* a key answers again for a day */

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

/*
 * A page's cursor: the last id it listed, as 8 big-endian bytes in
 * base64url (11 characters).  Opaque to clients, and strict both ways:
 * libsodium's decoder refuses padding, stray characters and non-zero
 * trailing bits, so each id has exactly one cursor.
 */
#define CURSOR_VARIANT	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define CURSOR_LEN	11

static void
cursor_make(int64_t id, char out[CURSOR_LEN + 1])
{
	unsigned char	 b[8];
	int		 i;

	for (i = 7; i >= 0; i--, id >>= 8)
		b[i] = (unsigned char)(id & 0xff);
	sodium_bin2base64(out, CURSOR_LEN + 1, b, sizeof(b), CURSOR_VARIANT);
}

/* Returns 0 with *id (from 0), or -1. */
static int
cursor_parse(const char *s, int64_t *id)
{
	unsigned char	 b[8];
	size_t		 len = strlen(s), got;
	const char	*end;
	uint64_t	 v = 0;
	int		 i;

	if (len != CURSOR_LEN || sodium_base642bin(b, sizeof(b), s, len, NULL,
	    &got, &end, CURSOR_VARIANT) != 0 || got != sizeof(b) ||
	    end != s + len)
		return -1;
	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	if (v > INT64_MAX)
		return -1;
	*id = (int64_t)v;
	return 0;
}

/*
 * ?limit= (1 to LIST_MAX, LIST_DEFAULT when absent) and ?after= (a
 * cursor).  Returns 0, or -1 after a 400.
 */
static int
orders_page(struct request *req, int *limit, int64_t *after)
{
	const char	*qs = request_param(req, "QUERY_STRING");
	char		 v[32];
	char		*end;
	long		 n;
	int		 rc;

	*limit = LIST_DEFAULT;
	*after = 0;
	if ((rc = query_get(qs, "limit", v, sizeof(v))) != 0) {
		errno = 0;
		n = rc == 1 && v[0] >= '1' && v[0] <= '9' ?
		    strtol(v, &end, 10) : 0;
		if (n < 1 || n > LIST_MAX || errno != 0 || *end != '\0') {
			reply_error(req, 400, "invalid_request",
			    "limit must be a whole number from 1 to 1000");
			return -1;
		}
		*limit = (int)n;
	}
	if ((rc = query_get(qs, "after", v, sizeof(v))) != 0 &&
	    (rc == -1 || cursor_parse(v, after) == -1)) {
		reply_error(req, 400, "invalid_request",
		    "after must be the next value of an earlier page");
		return -1;
	}
	return 0;
}

/* The page being written: its text, how many orders are in it, and
 * whether one more was found after them. */
struct orders_out {
	struct jsonw	 w;
	int		 n, limit, more;
	int64_t		 last;		/* id of the last order written */
};

/* store_order_list's callback: one more element of the page. */
static int
orders_append(const struct order *o, void *arg)
{
	struct orders_out	*out = arg;

	if (out->n == out->limit) {
		out->more = 1;
		return 1;
	}
	if (out->n++ > 0)
		jsonw_lit(&out->w, ",");
	order_write(&out->w, o);
	out->last = o->id;
	return out->w.failed ? -1 : 0;
}

/*
 * GET (and HEAD) /api/userOrders: 200 {"username", "orders": [...]} with
 * at most ?limit= orders, oldest first, and "next" when more remain.
 */
static void
orders_list(struct request *req)
{
	struct orders_out	 out;
	char			 buf[ORDERS_BUF];
	char			 user[USERNAME_MAX + 1];
	char			 next[CURSOR_LEN + 1];
	int64_t			 after;
	enum store_rc		 rc;

	if (auth_request(req, user) == -1)
		return;
	memset(&out, 0, sizeof(out));
	if (orders_page(req, &out.limit, &after) == -1)
		return;
	jsonw_init(&out.w, buf, sizeof(buf));
	jsonw_lit(&out.w, "{\"username\":");
	jsonw_str(&out.w, user, strlen(user));
	jsonw_lit(&out.w, ",\"orders\":[");
	/* One more than the page holds: it says whether another follows. */
	rc = store_order_list(req->svc->store, user, after, out.limit + 1,
	    orders_append, &out);
	jsonw_lit(&out.w, "]");
	if (out.more) {
		cursor_make(out.last, next);
		jsonw_lit(&out.w, ",\"next\":");
		jsonw_str(&out.w, next, CURSOR_LEN);
	}
	jsonw_lit(&out.w, "}");
	if (out.w.failed) {
		request_log(req, "%s: the list does not fit in memory",
		    __func__);
		reply_error(req, 500, "server_error", "Out of memory");
	} else if (rc != STORE_OK)
		service_unavailable(req, rc);
	else
		reply_json_text(req, 200, NULL, out.w.buf, out.w.len);
	jsonw_free(&out.w);
}

/*
 * The Idempotency-Key header, when sent: 1 to IDEM_KEY_MAX visible ASCII
 * characters.  Returns 0 with *key (NULL for none), or -1 having answered
 * 400.
 */
static int
orders_idem_key(struct request *req, const char **key)
{
	const char	*k, *p;

	*key = NULL;
	if ((k = request_param(req, "HTTP_IDEMPOTENCY_KEY")) == NULL)
		return 0;
	for (p = k; *p > ' ' && *p < 0x7f; p++)
		continue;
	if (*p != '\0' || p == k || p - k > IDEM_KEY_MAX) {
		reply_error(req, 400, "invalid_request", "Idempotency-Key "
		    "must be 1 to 255 visible ASCII characters");
		return -1;
	}
	*key = k;
	return 0;
}

/*
 * POST /api/userOrders {"item", "quantity"}: 201 with the stored order.
 * With an Idempotency-Key this user sent within a day, the order made
 * then, 201 again (Idempotent-Replayed: true), nothing added; the same
 * key for another item or quantity is 409 idempotency_key_reused.
 */
static void
orders_add(struct request *req)
{
	struct json_object	*body = NULL;
	struct jsonw		 w;
	struct order		 o;
	char			 buf[512];
	char			 user[USERNAME_MAX + 1];
	const char		*item, *key;
	size_t			 len;
	int			 qty, again = 0;
	enum store_rc		 rc;

	if (auth_request(req, user) == -1)
		return;
	if (orders_idem_key(req, &key) == -1)
		return;
	if ((body = body_json(req)) == NULL)
		return;
	if (field_string(req, body, "item", 1, STORE_ITEM_MAX, &item,
	    &len) == -1 ||
	    field_int(req, body, "quantity", 1, QUANTITY_MAX, &qty) == -1)
		goto out;
	if (key != NULL)
		rc = store_order_add_key(req->svc->store, user, key, item, qty,
		    req->now, req->now - IDEM_KEY_TTL, &o, &again);
	else
		rc = store_order_add(req->svc->store, user, item, qty,
		    req->now, &o);
	if (rc != STORE_OK) {
		service_unavailable(req, rc);
		goto out;
	}
	if (again && (o.quantity != qty || strcmp(o.item, item) != 0)) {
		reply_error(req, 409, "idempotency_key_reused", "This "
		    "Idempotency-Key was sent with another order");
		goto out;
	}
	jsonw_init(&w, buf, sizeof(buf));
	order_write(&w, &o);
	if (w.failed)
		reply_error(req, 500, "server_error", "Out of memory");
	else
		reply_json_text(req, 201, again ?
		    "Idempotent-Replayed: true\r\n" : NULL, w.buf, w.len);
	jsonw_free(&w);
out:
	json_object_put(body);
}

/* Start-up: userorders verifies access tokens. */
static int
orders_init(struct service *svc)
{
	return token_require(&svc->cfg, "userorders", 0, 1);
}

static const struct route routes[] = {
	{ "/api/userOrders",	"GET",	orders_list },
	{ "/api/userOrders",	"POST",	orders_add },
};

static const struct server_def def = {
	"userorders",
	"Lists and adds the orders of the user named by a valid bearer token.",
	routes, sizeof(routes) / sizeof(routes[0]), orders_init,
};

int
main(int argc, char **argv)
{
	return server_main(&def, argc, argv);
}
