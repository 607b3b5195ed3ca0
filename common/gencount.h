/*
 * A change counter shared by every process that uses one database: 8 bytes
 * in a file beside it ("<database>-gen"), mapped by each process, so that
 * a worker can tell with one memory read whether anyone has changed the
 * data since it last looked.  No system call on the read side.
 *
 * Writers change it only while they hold the database's write lock, so
 * they never race each other: gencount_begin() before the change makes the
 * value odd ("a change may be under way") and new, gencount_end() after
 * the commit or rollback makes it even and new again.  A reader may trust
 * a copy of the data taken under value v only while the counter is still
 * v and v is even.  A writer that dies between the two calls leaves the
 * value odd, which makes every reader go to the database (safe, slower)
 * until the next writer moves it on.
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
 * service's user can open what an administrator's command created).  A
 * NULL path gives a counter private to this process (an in-memory
 * database).  Returns the counter (release with gencount_close) or NULL
 * with one line in err.
 */
struct gencount	*gencount_open(const char *path, mode_t mode, uid_t uid,
		    gid_t gid, char *err, size_t errlen);
void		 gencount_close(struct gencount *g);

/* The current value (an acquire load). */
uint64_t	 gencount_read(const struct gencount *g);

/* Around a change, with the database's write lock held. */
void		 gencount_begin(struct gencount *g);
void		 gencount_end(struct gencount *g);

#endif
