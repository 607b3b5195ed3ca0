/* SPDX-License-Identifier: ISC */
/*
 * Hashing slots as byte-range locks on one file beside the database:
 * slot i is byte i, taken with an open file description lock (fcntl(2)
 * F_OFD_SETLK), which the kernel drops when the process ends, however it
 * ends.  The file has the database's mode and owner, so only the service
 * can open it and nobody else can hold the slots.
 */
#define _GNU_SOURCE		/* F_OFD_SETLK */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/pwslot.h"

#define PWSLOT_POLL_MS	10	/* between looks while every slot is taken */

static char	pwslot_db[4096];	/* the database the slots are beside */
static char	pwslot_path[4096 + 8];	/* "<database>-pwhash" */
static int	pwslot_fd = -1;
static pid_t	pwslot_pid;		/* the process that opened pwslot_fd */

void
pwslot_init(const char *db)
{
	if (pwslot_fd >= 0)
		close(pwslot_fd);
	pwslot_fd = -1;
	snprintf(pwslot_db, sizeof(pwslot_db), "%s", db);
	snprintf(pwslot_path, sizeof(pwslot_path), "%s-pwhash", db);
}

void
pwslot_init_file(const char *path)
{
	pwslot_init(path);
	snprintf(pwslot_path, sizeof(pwslot_path), "%s", path);
}

/*
 * Open the lock file once per process.  A child of fork(2) shares its
 * parent's open file description, and so its locks: it opens its own.
 * The file gets the database's mode and, when made by root, its owner, as
 * SQLite gives its -wal and -shm files.  Returns 0 or -1.
 */
static int
pwslot_open(void)
{
	struct stat	 db, sb;
	mode_t		 mode = 0600;
	int		 fd, have_db;

	if (pwslot_fd >= 0 && pwslot_pid == getpid())
		return 0;
	if (pwslot_fd >= 0)
		close(pwslot_fd);
	pwslot_fd = -1;
	have_db = stat(pwslot_db, &db) == 0;
	if (have_db)
		mode = db.st_mode & 0666;
	fd = open(pwslot_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		return -1;
	if (have_db && geteuid() == 0 && fstat(fd, &sb) == 0 &&
	    (sb.st_uid != db.st_uid || sb.st_gid != db.st_gid) &&
	    fchown(fd, db.st_uid, db.st_gid) == -1) {
		close(fd);
		return -1;
	}
	pwslot_fd = fd;
	pwslot_pid = getpid();
	return 0;
}

/* Lock (F_WRLCK) or unlock (F_UNLCK) byte i.  Returns 0, or -1 (errno). */
static int
pwslot_lock(long i, short type)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = i;
	fl.l_len = 1;
	return fcntl(pwslot_fd, F_OFD_SETLK, &fl);
}

static long
pwslot_ms_since(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int
pwslot_take(long max, long wait_ms, int *slot)
{
	struct timespec	 t0, nap;
	long		 i, first, s;

	*slot = -1;
	if (max <= 0)
		return 0;
	if (pwslot_open() == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		/* Start anywhere, so waiters do not all fight for slot 0. */
		first = (long)randombytes_uniform((uint32_t)max);
		for (i = 0; i < max; i++) {
			s = (first + i) % max;
			if (pwslot_lock(s, F_WRLCK) == 0) {
				*slot = (int)s;
				return 0;
			}
			if (errno != EAGAIN && errno != EACCES)
				return -1;
		}
		if (pwslot_ms_since(&t0) >= wait_ms)
			return 1;
		nap.tv_sec = 0;
		nap.tv_nsec = (PWSLOT_POLL_MS + (long)randombytes_uniform(
		    PWSLOT_POLL_MS)) * 1000000L;
		nanosleep(&nap, NULL);
	}
}

void
pwslot_release(int slot)
{
	if (slot >= 0 && pwslot_fd >= 0)
		(void)pwslot_lock(slot, F_UNLCK);
}
