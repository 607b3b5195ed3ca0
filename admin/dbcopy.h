/* SPDX-License-Identifier: ISC */
/*
 * authctl db copy: an installation moved from its SQLite store to
 * PostgreSQL (README.md, "PostgreSQL").
 */
#ifndef ADMIN_DBCOPY_H
#define ADMIN_DBCOPY_H

#include <stddef.h>
#include <time.h>

/* What was copied. */
struct dbcopy_counts {
	long	 users;
	long	 orders;
	long	 families;	/* live sessions */
	long	 tokens;	/* their refresh tokens, spent ones too */
	long	 deleted;	/* names kept from deleted users */
};

/*
 * Copy the users (with their password hashes), orders (with their ids),
 * live refresh-token families with their tokens, and the names of deleted
 * users from the SQLite database at path into the PostgreSQL database at
 * url, whose schema is made when missing and must hold no rows: all in
 * one transaction, the counts checked before it commits.  Refused while
 * another process has the SQLite file open (the service must be
 * stopped).  Returns 0 with n filled, or -1 with one line in err (never
 * the URL's password).
 */
int	dbcopy_run(const char *path, const char *url, time_t now,
	    struct dbcopy_counts *n, char *err, size_t errlen);

#endif
