/* SPDX-License-Identifier: ISC */
/*
 * A cap on the Argon2id computations running at once on a machine
 * (PWHASH_MAX_CONCURRENT): each takes 64 MiB, and plain CGI or mod_fcgid
 * start a process per request without bound.  A slot is a byte of the
 * file "<database>-pwhash", locked by the process computing; the kernel
 * drops the lock when the process ends, however it ends.  The file has
 * the database's mode and owner: another local user can neither open it
 * nor hold the slots.  The slots are per installation (per database).
 */
#ifndef COMMON_PWSLOT_H
#define COMMON_PWSLOT_H

/* Put the slots beside the database at db (its lock file is made at the
 * first pwslot_take). */
void	pwslot_init(const char *db);

/* Or in the file at path (PWHASH_LOCK_FILE), with its mode and owner
 * when it exists. */
void	pwslot_init_file(const char *path);

/*
 * Take one of max slots, waiting up to wait_ms for one to be free (max 0:
 * no cap, nothing taken).  Returns 0 with *slot set (pass it to
 * pwslot_release), 1 when none came free in time, -1 on a system error.
 */
int	pwslot_take(long max, long wait_ms, int *slot);

/* Free a slot pwslot_take gave (-1: nothing). */
void	pwslot_release(int slot);

#endif
