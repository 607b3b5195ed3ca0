/* SPDX-License-Identifier: ISC */
/*
 * A cap on the Argon2id computations running at once on a machine
 * (PWHASH_MAX_CONCURRENT): each takes 64 MiB, and plain CGI or mod_fcgid
 * start a process per request without bound.  A slot is an abstract unix
 * socket name bound by the process computing: the kernel frees it when
 * the socket is closed or the process dies, however it dies, and there is
 * no file to own, lock or clean up.  The names are per installation (a
 * scope: the database), so two services on one machine cap separately.
 */
#ifndef COMMON_PWSLOT_H
#define COMMON_PWSLOT_H

/* Name the slots after scope: the database's path (made absolute when it
 * exists, so every spelling of it is one scope). */
void	pwslot_init(const char *scope);

/*
 * Take one of max slots, waiting up to wait_ms for one to be free (max 0:
 * no cap, nothing taken).  Returns 0 with *slot set (pass it to
 * pwslot_release), 1 when none came free in time, -1 on a system error.
 */
int	pwslot_take(long max, long wait_ms, int *slot);

/* Free a slot pwslot_take gave (-1: nothing). */
void	pwslot_release(int slot);

#endif
