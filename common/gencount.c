/*
 * The shared change counter (see gencount.h): one 64-bit atomic in a
 * MAP_SHARED mapping of a small file.  Lock-free 64-bit atomics are plain
 * memory operations, so they work between processes as well as threads;
 * a build where they are not lock-free would fail the assertion below.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/gencount.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
    "the counter is shared between processes: it must be lock-free");

#define GENCOUNT_SIZE	sizeof(atomic_ullong)

struct gencount {
	atomic_ullong	*value;		/* in the mapping */
};

/*
 * A new counter file at path, made whole under a temporary name (zero,
 * the database's mode and, for root, its owner) and then linked into
 * place, so no process ever opens a half-made one.  Returns the open
 * file, or -1 with errno set (EEXIST: another process made it first).
 */
static int
gencount_create(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	char	 tmp[4096];
	int	 fd, n, saved;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1)
		return -1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);	/* closed after mmap anyway */
	/* The umask has had its say; the database's mode wins, and an
	 * administrator's command must not leave a root-owned file the
	 * service cannot open (SQLite does the same for -wal and -shm). */
	if (fchmod(fd, mode) == -1 ||
	    (geteuid() == 0 && fchown(fd, uid, gid) == -1) ||
	    (errno = posix_fallocate(fd, 0, GENCOUNT_SIZE)) != 0 ||
	    link(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		close(fd);
		errno = saved;
		return -1;
	}
	unlink(tmp);
	return fd;
}

/* Open the file, or make it; sized, with blocks on disk. */
static int
gencount_file(const char *path, mode_t mode, uid_t uid, gid_t gid,
    char *err, size_t errlen)
{
	int	 fd, rc, tries;

	for (tries = 0; tries < 2; tries++) {
		if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) != -1 ||
		    errno != ENOENT)
			break;
		if ((fd = gencount_create(path, mode, uid, gid)) != -1 ||
		    errno != EEXIST)
			break;
	}
	if (fd == -1) {
		snprintf(err, errlen, "DATABASE_PATH: cannot open %s: %s",
		    path, strerror(errno));
		return -1;
	}
	/*
	 * Blocks on disk now (again for a file made elsewhere): writing to a
	 * hole of a mapped file on a full disk would kill the process with
	 * SIGBUS later.  That holds on ext4, xfs and tmpfs; a copy-on-write
	 * file system may still need space at the write, and a file
	 * truncated while mapped faults too: never truncate a running
	 * service's -gen file (deleting it is safe, see README).
	 */
	if ((rc = posix_fallocate(fd, 0, GENCOUNT_SIZE)) != 0) {
		snprintf(err, errlen, "DATABASE_PATH: cannot set up %s: %s",
		    path, strerror(rc));
		close(fd);
		return -1;
	}
	return fd;
}

struct gencount *
gencount_open(const char *path, mode_t mode, uid_t uid, gid_t gid,
    char *err, size_t errlen)
{
	struct gencount	*g;
	void		*map;
	int		 fd;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "DATABASE_PATH: out of memory");
		return NULL;
	}
	if ((fd = gencount_file(path, mode, uid, gid, err, errlen)) == -1)
		goto fail;
	map = mmap(NULL, GENCOUNT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	close(fd);	/* the mapping keeps the file */
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "DATABASE_PATH: cannot map %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	g->value = map;
	return g;
fail:
	free(g);
	return NULL;
}

void
gencount_close(struct gencount *g)
{
	if (g == NULL)
		return;
	munmap(g->value, GENCOUNT_SIZE);
	free(g);
}

uint64_t
gencount_read(const struct gencount *g)
{
	return atomic_load_explicit(g->value, memory_order_acquire);
}

/*
 * Odd and never seen before: from an even value the next one, from an odd
 * one (a writer died mid-way, or has committed and not yet moved it on)
 * the one after.  A compare-and-swap, since a writer that has committed
 * ends outside the write lock and may move the value at the same time.
 * Sequentially consistent, so the new value is visible before the change
 * it announces.
 */
uint64_t
gencount_begin(struct gencount *g)
{
	unsigned long long	 v, nv;

	v = atomic_load(g->value);
	do
		nv = v + ((v & 1) ? 2 : 1);
	while (!atomic_compare_exchange_weak(g->value, &v, nv));
	return nv;
}

/*
 * Even and new, from the odd value this writer's begin stored: the change
 * is committed (or rolled back).  Only if the counter still holds that
 * value: once a later writer has moved it on, going back would repeat a
 * value readers may have tagged copies with; that writer ends it instead.
 */
void
gencount_end(struct gencount *g, uint64_t odd)
{
	unsigned long long	 v = odd;

	(void)atomic_compare_exchange_strong(g->value, &v, v + 1);
}
