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

/* Open or create the file, sized and owned as the database is. */
static int
gencount_file(const char *path, mode_t mode, uid_t uid, gid_t gid,
    char *err, size_t errlen)
{
	int	 fd, rc, created = 1;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1 && errno == EEXIST) {
		created = 0;
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd == -1) {
		snprintf(err, errlen, "DATABASE_PATH: cannot open %s: %s",
		    path, strerror(errno));
		return -1;
	}
	/* The umask has had its say on open; the database's mode wins, and
	 * an administrator's command must not leave a root-owned file the
	 * service cannot open (SQLite does the same for -wal and -shm). */
	if (created && (fchmod(fd, mode) == -1 ||
	    (geteuid() == 0 && fchown(fd, uid, gid) == -1))) {
		snprintf(err, errlen, "DATABASE_PATH: cannot set up %s: %s",
		    path, strerror(errno));
		goto fail;
	}
	/* Blocks on disk now: writing to a hole of a mapped file on a full
	 * disk would kill the process with SIGBUS later. */
	if ((rc = posix_fallocate(fd, 0, GENCOUNT_SIZE)) != 0) {
		snprintf(err, errlen, "DATABASE_PATH: cannot set up %s: %s",
		    path, strerror(rc));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

struct gencount *
gencount_open(const char *path, mode_t mode, uid_t uid, gid_t gid,
    char *err, size_t errlen)
{
	struct gencount	*g;
	void		*map;
	int		 fd = -1, flags = MAP_SHARED;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "DATABASE_PATH: out of memory");
		return NULL;
	}
	if (path == NULL)
		flags |= MAP_ANONYMOUS;
	else if ((fd = gencount_file(path, mode, uid, gid, err, errlen)) == -1)
		goto fail;
	map = mmap(NULL, GENCOUNT_SIZE, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "DATABASE_PATH: cannot map %s: %s",
		    path != NULL ? path : "a counter", strerror(errno));
		goto fail;
	}
	if (fd != -1)
		close(fd);	/* the mapping keeps the file */
	g->value = map;
	return g;
fail:
	if (fd != -1)
		close(fd);
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
 * one (a writer died mid-way) the one after.  Sequentially consistent, so
 * the new value is visible before the change it announces.
 */
void
gencount_begin(struct gencount *g)
{
	unsigned long long	 v;

	v = atomic_load_explicit(g->value, memory_order_relaxed);
	atomic_store(g->value, v + ((v & 1) ? 2 : 1));
}

/* Even and new: the change is committed (or rolled back). */
void
gencount_end(struct gencount *g)
{
	unsigned long long	 v;

	v = atomic_load_explicit(g->value, memory_order_relaxed);
	atomic_store(g->value, (v | 1) + 1);
}
