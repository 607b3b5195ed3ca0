/* SPDX-License-Identifier: ISC */
/*
 * Loading the PostgreSQL module (common/store_backend.h says why it is a
 * module).  It is looked for beside the running program (the installed
 * executables, build/), then one folder up (build/bench/seed,
 * build/tests/...), then in ../lib/jwt-auth from it (an installed authctl
 * in PREFIX/sbin), then in the LIBEXECDIR it was built for.  Never in a
 * path the environment names: the module runs with the program's rights.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/store.h"
#include "common/store_backend.h"

#define PGMODULE_NAME	"jwt-auth-pg.so"
#ifndef JWT_AUTH_LIBEXECDIR
#define JWT_AUTH_LIBEXECDIR	"/usr/local/lib/jwt-auth"
#endif

/* The folder of the running program into dir, or "" when unknown. */
static void
pgmodule_exe_dir(char *dir, size_t len)
{
	ssize_t	 n;
	char	*slash;

	dir[0] = '\0';
	if ((n = readlink("/proc/self/exe", dir, len - 1)) <= 0)
		return;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
}

static void *
pgmodule_open(const char *dir, char *err, size_t errlen)
{
	char	 path[PATH_MAX];
	void	*h;

	if (snprintf(path, sizeof(path), "%s/%s", dir, PGMODULE_NAME) >=
	    (int)sizeof(path) || access(path, F_OK) == -1)
		return NULL;
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		snprintf(err, errlen, "DATABASE_URL: cannot load the "
		    "PostgreSQL module: %s", dlerror());
	return h;
}

const struct pg_ops *
pgmodule_load(char *err, size_t errlen)
{
	char			 dir[PATH_MAX], up[PATH_MAX + 4];
	char			 lib[PATH_MAX + 16];
	const char		*dirs[4];
	const struct pg_ops	*ops;
	void			*h = NULL;
	size_t			 i;

	pgmodule_exe_dir(dir, sizeof(dir));
	snprintf(up, sizeof(up), "%s/..", dir);
	snprintf(lib, sizeof(lib), "%s/../lib/jwt-auth", dir);
	dirs[0] = dir;
	dirs[1] = dir[0] != '\0' ? up : "";
	dirs[2] = dir[0] != '\0' ? lib : "";
	dirs[3] = JWT_AUTH_LIBEXECDIR;
	err[0] = '\0';
	for (i = 0; i < 4 && h == NULL && err[0] == '\0'; i++)
		if (dirs[i][0] != '\0')
			h = pgmodule_open(dirs[i], err, errlen);
	if (h == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "DATABASE_URL: the PostgreSQL "
			    "module %s is neither beside %s nor in %s",
			    PGMODULE_NAME, dir[0] != '\0' ? dir : "the program",
			    JWT_AUTH_LIBEXECDIR);
		return NULL;
	}
	ops = dlsym(h, PG_OPS_SYMBOL);
	if (ops == NULL || ops->build == NULL ||
	    strcmp(ops->build, JWT_AUTH_VERSION) != 0 ||
	    ops->size != sizeof(*ops)) {
		snprintf(err, errlen, "DATABASE_URL: the PostgreSQL module "
		    "%s found is of another build than the program; install "
		    "both together", PGMODULE_NAME);
		dlclose(h);
		return NULL;
	}
	/* Kept loaded for the life of the process. */
	return ops;
}
