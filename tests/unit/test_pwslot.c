/* SPDX-License-Identifier: ISC */
/*
 * Hashing slots: at most max taken at once (across processes), freed when
 * released or when the holder dies, a waiter that times out is told so,
 * and the lock file has the database's mode, so no other user can hold
 * the slots.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "common/pwslot.h"
#include "tests/unit/unit.h"

static char	dir[64], db[96], lockfile[112];

/* A database of its own per test (mode 0640), so runs do not share. */
static void
init(void)
{
	FILE	*fp;

	if (sodium_init() < 0)
		exit(2);
	if (dir[0] != '\0') {
		unlink(lockfile);
		unlink(db);
		rmdir(dir);
	}
	snprintf(dir, sizeof(dir), "/tmp/test_pwslot.XXXXXX");
	if (mkdtemp(dir) == NULL)
		exit(2);
	snprintf(db, sizeof(db), "%s/auth.db", dir);
	snprintf(lockfile, sizeof(lockfile), "%s-pwhash", db);
	if ((fp = fopen(db, "w")) == NULL)
		exit(2);
	fclose(fp);
	chmod(db, 0640);
	pwslot_init(db);
}

static void
test_max_zero_takes_nothing(void)
{
	int	 slot = 5;

	init();
	CHECK_INT(pwslot_take(0, 0, &slot), 0);
	CHECK_INT(slot, -1);
	pwslot_release(slot);
}

/*
 * In another process, take a slot of max and hold it until the pipe's
 * other end (*release) closes; returns its PID once the slot is taken
 * (-1 if not).  The child closes other, an earlier holder's end, so that
 * closing it in the parent is enough.
 */
static pid_t
holder(long max, int *release, int other)
{
	int	 up[2], down[2], slot;
	pid_t	 pid;
	char	 c;

	if (pipe(up) == -1 || pipe(down) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		close(up[0]);
		close(down[1]);
		if (other >= 0)
			close(other);
		if (pwslot_take(max, 0, &slot) != 0)
			_exit(1);
		if (write(up[1], "x", 1) != 1)
			_exit(2);
		if (read(down[0], &c, 1) < 0)	/* until released */
			_exit(3);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	*release = down[1];
	if (read(up[0], &c, 1) != 1) {
		close(up[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(up[0]);
	return pid;
}

/* Two slots: two processes hold them, a third waits out its 50 ms; when
 * one lets go, a slot is free again.  (One process holds one slot at a
 * time: its own locks never conflict with each other.) */
static void
test_cap_and_release(void)
{
	int	 ra = -1, rb = -1, c = -1;
	pid_t	 a, b;

	init();
	a = holder(2, &ra, -1);
	b = holder(2, &rb, ra);
	CHECK(a > 0 && b > 0);
	CHECK_INT(pwslot_take(2, 50, &c), 1);
	CHECK_INT(c, -1);
	close(ra);
	waitpid(a, NULL, 0);
	CHECK_INT(pwslot_take(2, 0, &c), 0);
	CHECK(c == 0 || c == 1);
	pwslot_release(c);
	close(rb);
	waitpid(b, NULL, 0);
}

/* A slot held by another process counts; it is freed when that process
 * is killed, without any clean-up of its own. */
static void
test_held_across_processes(void)
{
	int	 fds[2], slot = -1, status;
	pid_t	 pid;
	char	 c;

	init();
	CHECK_INT(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		if (pwslot_take(1, 0, &slot) != 0)
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(fds[1]);
	CHECK_INT(read(fds[0], &c, 1), 1);
	CHECK_INT(pwslot_take(1, 0, &slot), 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK_INT(pwslot_take(1, 0, &slot), 0);
	pwslot_release(slot);
	close(fds[0]);
}

/* A waiter gets a slot freed while it waits. */
static void
test_waiter_gets_freed_slot(void)
{
	int	 held = -1, slot = -1, status;
	pid_t	 pid;

	init();
	CHECK_INT(pwslot_take(1, 0, &held), 0);
	if ((pid = fork()) == 0) {
		/* Up to 30 s: released long before, on any machine. */
		_exit(pwslot_take(1, 30000, &slot) == 0 ? 0 : 1);
	}
	usleep(20000);
	pwslot_release(held);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The lock file has the database's mode: another user cannot open it to
 * hold the slots (a 503 for everyone). */
static void
test_lock_file_mode(void)
{
	struct stat	 sb;
	int		 slot = -1;

	init();
	CHECK_INT(pwslot_take(1, 0, &slot), 0);
	CHECK_INT(stat(lockfile, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0640);
	pwslot_release(slot);
}

/* A child of fork holds no slot of its parent's: it takes its own. */
static void
test_fork_child_is_not_its_parent(void)
{
	int	 slot = -1, status;
	pid_t	 pid;

	init();
	CHECK_INT(pwslot_take(1, 0, &slot), 0);
	if ((pid = fork()) == 0) {
		int	 s = -1;

		_exit(pwslot_take(1, 0, &s) == 1 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pwslot_release(slot);
}

UNIT_TESTS(
	T(test_max_zero_takes_nothing),
	T(test_cap_and_release),
	T(test_held_across_processes),
	T(test_waiter_gets_freed_slot),
	T(test_lock_file_mode),
	T(test_fork_child_is_not_its_parent),
);
