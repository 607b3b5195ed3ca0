/* SPDX-License-Identifier: ISC */
/*
 * Included by a backend of the store (common/store_backend.h), with
 * STORE_BACKEND defined, before common/store.h: names its struct store
 * and its store_* functions <backend>_store and <backend>_store_*.  No
 * include guard: each backend file includes it once.
 */
#ifndef STORE_BACKEND
#error "define STORE_BACKEND (sqlite or pg) before including store_rename.h"
#endif

#define STORE_RENAME_CAT(a, b)	a##_##b
#define STORE_RENAME_X(a, b)	STORE_RENAME_CAT(a, b)
#define STORE_RENAME(b)		STORE_RENAME_X(STORE_BACKEND, b)

#define store			STORE_RENAME(store)
#define store_close	STORE_RENAME(store_close)
#define store_errmsg	STORE_RENAME(store_errmsg)
#define store_limit_give_back	STORE_RENAME(store_limit_give_back)
#define store_limit_take	STORE_RENAME(store_limit_take)
#define store_login_known	STORE_RENAME(store_login_known)
#define store_login_succeeded	STORE_RENAME(store_login_succeeded)
#define store_open	STORE_RENAME(store_open)
#define store_order_add_key	STORE_RENAME(store_order_add_key)
#define store_order_add	STORE_RENAME(store_order_add)
#define store_order_list	STORE_RENAME(store_order_list)
#define store_refresh_issue	STORE_RENAME(store_refresh_issue)
#define store_refresh_revoke	STORE_RENAME(store_refresh_revoke)
#define store_refresh_rotate	STORE_RENAME(store_refresh_rotate)
#define store_user_create	STORE_RENAME(store_user_create)
#define store_user_delete	STORE_RENAME(store_user_delete)
#define store_user_disable	STORE_RENAME(store_user_disable)
#define store_user_enable	STORE_RENAME(store_user_enable)
#define store_user_hash	STORE_RENAME(store_user_hash)
#define store_user_list	STORE_RENAME(store_user_list)
#define store_user_rehash	STORE_RENAME(store_user_rehash)
#define store_user_revoke_all	STORE_RENAME(store_user_revoke_all)
#define store_user_set_hash	STORE_RENAME(store_user_set_hash)
#define store_user_state	STORE_RENAME(store_user_state)
#define store_write_ticket	STORE_RENAME(store_write_ticket)
