/* SPDX-License-Identifier: ISC */
/*
 * Login and sign-up throttling over the store's counters, so that it
 * holds across every process and node.  A login counts, within
 * LOGIN_WINDOW, against three limits at once:
 *
 *	LOGIN_MAX_FAILURES		one user name from one client address
 *	LOGIN_MAX_FAILURES_PER_ADDRESS	one address, whatever the name
 *					(password spraying)
 *	LOGIN_MAX_FAILURES_PER_NAME	one name, from every address
 *					(distributed guessing)
 *
 * and is reserved before the password is hashed, so attempts running at
 * once cannot all slip past a limit; a refused attempt counts nothing.
 * Only the first limit stops the right password from the address that
 * failed; the per-name limit never refuses an address from which that
 * user logged in within REFRESH_TOKEN_TTL, so an attacker with many
 * addresses cannot lock a user out of where they usually log in.
 * Sign-ups count per address (SIGNUP_MAX_PER_ADDRESS).  0 turns a limit
 * off.  Names are counted as sent, existing or not: a 429 says nothing
 * about whether a name exists.
 */
#ifndef COMMON_THROTTLE_H
#define COMMON_THROTTLE_H

#include <stddef.h>
#include <time.h>

#include "common/clientaddr.h"
#include "common/request.h"
#include "common/store.h"

/* What one attempt reserved. */
struct throttle {
	struct store_limit	 lim[3];	/* pair first, when a login */
	size_t			 n;
	int			 name;		/* index of the per-name one, or -1 */
	unsigned char		 known[STORE_KEYLEN]; /* the name here */
	time_t			 taken_at;
	int			 login;		/* a login, not a sign-up */
};

/*
 * Reserve a login attempt for user (ulen bytes) from ca.  Returns 0 to go
 * on, or -1 after replying (429 with Retry-After, logged, or 503).
 */
int	throttle_login(struct request *req, const char *user, size_t ulen,
	    const struct clientaddr *ca, struct throttle *t);

/* The login succeeded: its pair's failures are forgotten, its other hits
 * given back, and the address remembered for the user. */
void	throttle_login_ok(struct request *req, struct throttle *t);

/* The sign-up made user: remember ca as one of the user's addresses (the
 * per-name limit never refuses it). */
void	throttle_signup_ok(struct request *req, const char *user,
	    const struct clientaddr *ca);

/* Reserve a sign-up of user (for the log) from ca.  Returns 0, or -1
 * after replying. */
int	throttle_signup(struct request *req, const char *user,
	    const struct clientaddr *ca, struct throttle *t);

/* The attempt was not made after all (no hashing slot, a store error):
 * give back what it reserved. */
void	throttle_give_back(struct request *req, struct throttle *t);

#endif
