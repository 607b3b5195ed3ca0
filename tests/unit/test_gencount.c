/*
 * The shared change counter: odd during a change and even after, never a
 * value seen before; a writer that died mid-way is moved past; every
 * mapping of the file (other processes included) sees each move; the
 * file keeps the value and gets the mode asked for; a symlink or a
 * missing folder is refused.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/gencount.h"
#include "tests/unit/unit.h"

static char	dir[64];
static char	path[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_gencount.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/auth.db-gen", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static struct gencount *
open_at(const char *p, mode_t mode)
{
	struct gencount	*g;
	char		 err[256] = "";

	if ((g = gencount_open(p, mode, getuid(), getgid(), err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "  gencount_open: %s\n", err);
	return g;
}

static void
test_begin_odd_end_even(void)
{
	struct gencount	*g;
	uint64_t	 v, last;
	int		 i;

	setup();
	g = open_at(path, 0600);
	CHECK(g != NULL);
	CHECK_INT(gencount_read(g), 0);
	for (i = 0, last = 0; i < 100; i++) {
		v = gencount_begin(g);
		CHECK_INT(gencount_read(g), v);
		CHECK_INT(v & 1, 1);
		CHECK(v > last);
		gencount_end(g, v);
		CHECK_INT(gencount_read(g), v + 1);
		last = v + 1;
	}
	CHECK_INT(gencount_read(g), 200);
	gencount_close(g);
	teardown();
}

/* begin without end (the writer died): the next writer moves past it. */
static void
test_dead_writer_moved_past(void)
{
	struct gencount	*g;

	setup();
	g = open_at(path, 0600);
	CHECK(g != NULL);
	CHECK_INT(gencount_begin(g), 1);
	CHECK_INT(gencount_read(g), 1);
	CHECK_INT(gencount_begin(g), 3);	/* the next writer: not 1 again */
	CHECK_INT(gencount_read(g), 3);
	gencount_end(g, 3);
	CHECK_INT(gencount_read(g), 4);
	gencount_close(g);
	teardown();
}

/*
 * A writer that has committed ends outside the write lock, so a later
 * writer may begin and end first: the early writer's end must then leave
 * the value alone.  Going back (to 4 here) and up again would show a reader
 * the value 6 twice, for two different states of the data.
 */
static void
test_late_end_never_goes_back(void)
{
	struct gencount	*g;
	uint64_t	 a, b, c;

	setup();
	g = open_at(path, 0600);
	CHECK(g != NULL);
	gencount_end(g, gencount_begin(g));		/* 2 */
	a = gencount_begin(g);				/* A: 3, commits */
	b = gencount_begin(g);				/* B: 5 */
	CHECK_INT(a, 3);
	CHECK_INT(b, 5);
	gencount_end(g, b);				/* B: 6, answers */
	CHECK_INT(gencount_read(g), 6);
	gencount_end(g, a);				/* A, late */
	CHECK_INT(gencount_read(g), 6);
	c = gencount_begin(g);				/* C */
	CHECK_INT(c, 7);
	gencount_end(g, c);
	CHECK_INT(gencount_read(g), 8);
	/* A late end that meets its own value still ends it (control). */
	a = gencount_begin(g);
	gencount_end(g, a);
	CHECK_INT(gencount_read(g), 10);
	gencount_close(g);
	teardown();
}

/* Two mappings, and a child process: each move is seen by all. */
static void
test_shared_between_processes(void)
{
	struct gencount	*a, *b, *c;
	uint64_t	 v;
	pid_t		 pid;
	int		 status = -1, i;

	setup();
	a = open_at(path, 0600);
	b = open_at(path, 0600);
	CHECK(a != NULL && b != NULL);
	v = gencount_begin(a);
	CHECK_INT(gencount_read(b), 1);
	gencount_end(a, v);
	CHECK_INT(gencount_read(b), 2);
	(void)gencount_begin(b);			/* 3, from the other */
	v = gencount_begin(a);				/* 5 */
	CHECK_INT(gencount_read(b), 5);
	gencount_end(b, 3);				/* late: no move */
	gencount_end(a, v);
	CHECK_INT(gencount_read(b), 6);
	if ((pid = fork()) == 0) {
		/* A process of its own, opening the file as a worker does. */
		if ((c = open_at(path, 0600)) == NULL)
			_exit(2);
		for (i = 0; i < 50; i++)
			gencount_end(c, gencount_begin(c));
		_exit(gencount_read(c) == 106 ? 0 : 1);
	}
	CHECK(pid > 0);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(gencount_read(a), 106);
	CHECK_INT(gencount_read(b), 106);
	gencount_close(a);
	gencount_close(b);
	teardown();
}

/* The value outlives the process; the file has the mode asked for, whatever
 * the umask, and is 8 bytes. */
static void
test_file_kept_with_mode(void)
{
	struct gencount	*g;
	struct stat	 sb;
	mode_t		 old;

	setup();
	old = umask(077);
	g = open_at(path, 0644);
	umask(old);
	CHECK(g != NULL);
	gencount_end(g, gencount_begin(g));
	gencount_close(g);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_mode & 0777, 0644);
	CHECK_INT(sb.st_size, 8);
	g = open_at(path, 0600);		/* an existing file keeps its mode */
	CHECK(g != NULL);
	CHECK_INT(gencount_read(g), 2);
	gencount_close(g);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_mode & 0777, 0644);
	teardown();
}

/*
 * Made by root (an administrator's command), the file gets the owner asked
 * for (the database's), so the service's user can open it; nothing else
 * is left in the folder (it is made under a temporary name, then linked).
 */
static void
test_root_gives_owner(void)
{
	struct gencount	*g;
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d;
	char		 err[256] = "";
	int		 entries = 0;

	setup();
	g = gencount_open(path, 0640, 65534, 65534, err, sizeof(err));
	CHECK(g != NULL);
	gencount_close(g);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_mode & 0777, 0640);
	/* Not root: no chown is tried, and the file is the caller's. */
	CHECK_INT(sb.st_uid, geteuid() == 0 ? 65534 : geteuid());
	CHECK_INT(sb.st_gid, geteuid() == 0 ? 65534 : getegid());
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			entries += de->d_name[0] != '.';
		closedir(d);
	}
	CHECK_INT(entries, 1);
	teardown();
}

/* An empty file (created by someone else) is grown, and reads 0. */
static void
test_empty_file_grown(void)
{
	struct gencount	*g;
	struct stat	 sb;
	FILE		*f;

	setup();
	CHECK((f = fopen(path, "w")) != NULL);
	if (f != NULL)
		fclose(f);
	g = open_at(path, 0600);
	CHECK(g != NULL);
	CHECK_INT(gencount_read(g), 0);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_size, 8);
	gencount_close(g);
	teardown();
}

static void
test_symlink_refused(void)
{
	struct gencount	*g;
	char		 target[160], err[256] = "";

	setup();
	snprintf(target, sizeof(target), "%s/target", dir);
	CHECK(symlink(target, path) == 0);
	g = gencount_open(path, 0600, getuid(), getgid(), err, sizeof(err));
	CHECK(g == NULL);
	CHECK(strstr(err, "DATABASE_PATH: cannot open") != NULL);
	CHECK(access(target, F_OK) == -1);	/* nothing made through it */
	unlink(path);
	g = open_at(path, 0600);		/* control: a plain file */
	CHECK(g != NULL);
	gencount_close(g);
	teardown();
}

static void
test_missing_folder_refused(void)
{
	char	 err[256] = "";

	CHECK(gencount_open("/nonexistent-dir/auth.db-gen", 0600, 0, 0, err,
	    sizeof(err)) == NULL);
	CHECK(strstr(err, "DATABASE_PATH: cannot open") != NULL);
}

static void
test_close_null(void)
{
	gencount_close(NULL);
}

UNIT_TESTS(
	T(test_begin_odd_end_even),
	T(test_dead_writer_moved_past),
	T(test_late_end_never_goes_back),
	T(test_shared_between_processes),
	T(test_file_kept_with_mode),
	T(test_root_gives_owner),
	T(test_empty_file_grown),
	T(test_symlink_refused),
	T(test_missing_folder_refused),
	T(test_close_null),
);
