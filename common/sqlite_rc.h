/* SPDX-License-Identifier: ISC */
/*
 * A SQLite result code as the store's: busy or locked is STORE_BUSY (the
 * caller answers 503), success is STORE_OK, anything else STORE_ERROR.
 * Shared by the SQLite store (common/store_sqlite.c) and the Idempotency-Key
 * table beside it (common/store_key.c).
 */
#ifndef COMMON_SQLITE_RC_H
#define COMMON_SQLITE_RC_H

#include <sqlite3.h>

#include "common/store.h"

static inline enum store_rc
sqlite_rc_status(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_BUSY;
	default:
		return STORE_ERROR;
	}
}

#endif
