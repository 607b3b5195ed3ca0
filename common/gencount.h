/*
 * A change counter shared by every process that uses one database: 8 bytes
 * in a file beside it ("<database>-gen"), mapped by each process, so that
 * a worker can tell with one memory read whether anyone has changed the
 * data since it last looked.  No system call on the read side.
 *
 A writer calls gencount_begin() while it holds the database's write lock,
 * before the change: the value becomes odd ("a change may be under way")
 * and new.  After the commit or rollback, with the lock already released,
 * gencount_end() makes it even and new again, unless a later writer has
 * moved it on meanwhile (that writer's end will).  Values only grow and
 * never repeat.  A reader may trust a copy of the data taken under value v
 * only while the counter is still v and v is even.  A writer that dies
 * between the two calls leaves the value odd, which makes every reader go
 * to the database (safe, slower) until the next writer moves it on.
 *
 * Only writers that use this protocol move the counter: a change made with
 * the sqlite3 shell is not seen here.  Readers bound that with a time to
 * live of their own.
 */
#ifndef COMMON_GENCOUNT_H
#define COMMON_GENCOUNT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gencount;

/*
 * Map the counter at path, creating it (zero) if missing with mode and,
 * when run as root, owner uid:gid (those of the database, so that the
 * service's user can open what an administrator's command created).
 * Returns the counter (release with gencount_close) or NULL with one line
 * in err.
 */
struct gencount	*gencount_open(const char *path, mode_t mode, uid_t uid,
		    gid_t gid, char *err, size_t errlen);
void		 gencount_close(struct gencount *g);

/* The current value (an acquire load). */
uint64_t	 gencount_read(const struct gencount *g);

/* Before a change, with the database's write lock held: returns the odd
 * value stored, for gencount_end() after the commit or rollback. */
uint64_t	 gencount_begin(struct gencount *g);
void		 gencount_end(struct gencount *g, uint64_t odd);

#endif
