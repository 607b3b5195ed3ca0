/* SPDX-License-Identifier: ISC */
/*
 * Hashing slots as abstract unix socket names (unix(7): a sun_path that
 * starts with a NUL byte names no file).  bind(2) either takes a name or
 * fails with EADDRINUSE, atomically across the machine's processes.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/pwslot.h"

#define PWSLOT_POLL_MS	10	/* between looks while every slot is taken */

static char	pwslot_prefix[64];	/* "jwt-auth-pwhash-<hash>-" */

void
pwslot_init(const char *scope)
{
	unsigned char	 h[crypto_hash_sha256_BYTES];
	char		 hex[2 * 12 + 1];
	char		*abs;

	/* One installation, one scope, however its path was spelled. */
	abs = realpath(scope, NULL);
	crypto_hash_sha256(h, (const unsigned char *)(abs != NULL ? abs :
	    scope), strlen(abs != NULL ? abs : scope));
	free(abs);
	sodium_bin2hex(hex, sizeof(hex), h, 12);
	snprintf(pwslot_prefix, sizeof(pwslot_prefix), "jwt-auth-pwhash-%s-",
	    hex);
}

/* Try to bind slot i; returns the socket, -1 (taken), or -2 (error). */
static int
pwslot_try(long i)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 fd, n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "%s%ld",
	    pwslot_prefix, i);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path) - 1)
		return -2;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -2;
	if (bind(fd, (struct sockaddr *)&sun, len) == 0)
		return fd;
	n = errno;
	close(fd);
	return n == EADDRINUSE ? -1 : -2;
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
	long		 i, first;
	int		 fd;

	*slot = -1;
	if (max <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		/* Start anywhere, so waiters do not all fight for slot 0. */
		first = (long)randombytes_uniform((uint32_t)max);
		for (i = 0; i < max; i++) {
			fd = pwslot_try((first + i) % max);
			if (fd >= 0) {
				*slot = fd;
				return 0;
			}
			if (fd == -2)
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
	if (slot >= 0)
		close(slot);
}
