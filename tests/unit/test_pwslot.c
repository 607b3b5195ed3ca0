/* SPDX-License-Identifier: ISC */
/*
 * Hashing slots: at most max taken at once on the machine (across
 * processes), freed when released or when the holder dies, and a waiter
 * that times out is told so.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "common/pwslot.h"
#include "tests/unit/unit.h"

/* A scope of its own per run, so parallel runs do not share slots. */
static void
init(void)
{
	char	 scope[64];

	if (sodium_init() < 0)
		exit(2);
	snprintf(scope, sizeof(scope), "/nonexistent/test_pwslot.%ld.%u",
	    (long)getpid(), randombytes_random());
	pwslot_init(scope);
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

/* Two slots: two taken, the third waits out its 50 ms; a release frees
 * one again. */
static void
test_cap_and_release(void)
{
	int	 a = -1, b = -1, c = -1;

	init();
	CHECK_INT(pwslot_take(2, 0, &a), 0);
	CHECK_INT(pwslot_take(2, 0, &b), 0);
	CHECK(a >= 0 && b >= 0 && a != b);
	CHECK_INT(pwslot_take(2, 50, &c), 1);
	CHECK_INT(c, -1);
	pwslot_release(a);
	CHECK_INT(pwslot_take(2, 0, &c), 0);
	CHECK(c >= 0);
	pwslot_release(b);
	pwslot_release(c);
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
		/* The copy fork gave it would keep the slot bound. */
		close(held);
		/* Up to 30 s: released long before, on any machine. */
		_exit(pwslot_take(1, 30000, &slot) == 0 ? 0 : 1);
	}
	usleep(20000);
	pwslot_release(held);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

UNIT_TESTS(
	T(test_max_zero_takes_nothing),
	T(test_cap_and_release),
	T(test_held_across_processes),
	T(test_waiter_gets_freed_slot),
);
