/* SPDX-License-Identifier: ISC */
/*
 * What one durable commit costs on this disk, beside the POST cases: 4 KiB
 * appended to a file in the given folder (the database's) and fsync'd, as
 * SQLite's WAL is at each commit with synchronous=FULL, COUNT times; prints
 * the p50, p99 and largest in ms.
 *
 *	fsync DIR [COUNT]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FSYNC_MAX	10000

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static double	 ms[FSYNC_MAX];
	char		 path[4096], block[4096];
	double		 t0;
	long		 i, n = argc > 2 ? atol(argv[2]) : 200;
	int		 fd = -1, ret = 1;

	if (argc < 2 || n < 1 || n > FSYNC_MAX) {
		fprintf(stderr, "usage: fsync DIR [COUNT (1 to %d)]\n",
		    FSYNC_MAX);
		return 2;
	}
	if (snprintf(path, sizeof(path), "%s/fsync-probe", argv[1]) >=
	    (int)sizeof(path) || (fd = open(path, O_WRONLY | O_CREAT |
	    O_TRUNC, 0600)) == -1) {
		fprintf(stderr, "fsync: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(block, 'x', sizeof(block));
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (pwrite(fd, block, sizeof(block), (off_t)i *
		    (off_t)sizeof(block)) != (ssize_t)sizeof(block) ||
		    fsync(fd) == -1) {
			fprintf(stderr, "fsync: %s: %s\n", path,
			    strerror(errno));
			goto out;
		}
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)n, sizeof(ms[0]), cmp_double);
	printf("fsync_4k_p50_ms=%.3f fsync_4k_p99_ms=%.3f "
	    "fsync_4k_max_ms=%.3f count=%ld\n", ms[n / 2], ms[n * 99 / 100],
	    ms[n - 1], n);
	ret = 0;
out:
	close(fd);
	unlink(path);
	return ret;
}
