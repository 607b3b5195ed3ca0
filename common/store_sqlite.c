/* SPDX-License-Identifier: ISC */
/*
 * The SQLite store.  Statements are prepared once at open and reset after
 * each use; writes that touch more than one row run in BEGIN IMMEDIATE,
 * which takes the write lock up front, so two processes never deadlock
 * upgrading a read lock.  Every write first waits its turn in the write
 * queue (below), so writers take the lock in the order they came.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define STORE_BACKEND	sqlite	/* common/store_backend.h */
#include "common/store_rename.h"
#include "common/store.h"
#include "common/sqlite_rc.h"
#include "common/username.h"

#define STORE_BUSY_MS		5000	/* longest wait for the write lock */
#define STORE_PRUNE_AFTER	86400	/* keep spent tokens a day (reuse) */

/*
 * The write queue's file, beside the database: bytes 0-7 hold the ticket
 * counter (under a lock of their own), and byte STORE_QUEUE_SLOT0 + (t %
 * STORE_QUEUE_SLOTS) is the slot the writer holding ticket t keeps locked
 * until its write is done.  Nothing else is in it and nothing in it needs
 * to last: an empty or new file starts the counter again.
 */
#define STORE_QUEUE_SUFFIX	"-queue"
#define STORE_QUEUE_SLOT0	8
#define STORE_QUEUE_SLOTS	65536	/* writers that may wait at once */
#define STORE_QUEUE_TICK_MS	10	/* a blocked wait looks at the clock */

enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_USER_INSERT,
	ST_USER_HASH,
	ST_USER_SET_HASH,
	ST_USER_REHASH,
	ST_ORDER_INSERT,
	ST_ORDER_LIST,
	ST_FAMILY_INSERT,
	ST_FAMILY_REVOKE,
	ST_TOKEN_INSERT,
	ST_TOKEN_FIND,
	ST_TOKEN_SPEND,
	ST_TOKEN_PRUNE,
	ST_USER_LIST,
	ST_USER_REVOKE_ALL,
	ST_USER_STATE,
	ST_USER_DISABLE,
	ST_USER_ENABLE,
	ST_USER_TAKEN,
	ST_USER_DELETE,
	ST_USER_DELETE_TOKENS,
	ST_USER_DELETE_FAMILIES,
	ST_USER_DELETE_ORDERS,
	ST_USER_TOMBSTONE,
	ST_USER_DELETED,
	ST_LIMIT_GET,
	ST_LIMIT_HIT,
	ST_LIMIT_UNHIT,
	ST_LIMIT_CLEAR,
	ST_LIMIT_PRUNE,
	ST_KNOWN_GET,
	ST_KNOWN_PUT,
	ST_KNOWN_PRUNE,
	ST__MAX
};

static const char *const store_sql[ST__MAX] = {
	"BEGIN IMMEDIATE",
	"COMMIT",
	"ROLLBACK",
	"INSERT INTO users (username, pwhash, created_at) VALUES (?, ?, ?)",
	/* A disabled user logs in no more than one who does not exist. */
	"SELECT pwhash FROM users WHERE username = ? AND disabled_at IS NULL",
	"UPDATE users SET pwhash = ? WHERE username = ?",
	/* Only over the hash that was verified: never undo a change. */
	"UPDATE users SET pwhash = ?3 WHERE username = ?1 AND pwhash = ?2",
	"INSERT INTO orders (username, item, quantity, created_at) "
	    "VALUES (?, ?, ?, ?)",
	"SELECT id, item, quantity, created_at FROM orders "
	    "WHERE username = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
	"INSERT INTO refresh_families (username, created_at) VALUES (?, ?)",
	"UPDATE refresh_families SET revoked_at = ? "
	    "WHERE id = ? AND revoked_at IS NULL",
	"INSERT INTO refresh_tokens (hash, family, created_at, expires_at) "
	    "VALUES (?, ?, ?, ?)",
	"SELECT t.id, t.family, t.expires_at, t.spent_at, "
	    "coalesce(f.revoked_at, u.disabled_at), f.username "
	    "FROM refresh_tokens t "
	    "JOIN refresh_families f ON f.id = t.family "
	    /* A token of a user deleted since is unknown, not valid. */
	    "JOIN users u ON u.username = f.username WHERE t.hash = ?",
	"UPDATE refresh_tokens SET spent_at = ? "
	    "WHERE id = ? AND spent_at IS NULL",
	"DELETE FROM refresh_tokens WHERE expires_at < ?",
	"SELECT username, created_at, disabled_at IS NOT NULL FROM users "
	    "ORDER BY username",
	"UPDATE refresh_families SET revoked_at = ? "
	    "WHERE username = ? AND revoked_at IS NULL",
	"SELECT disabled_at IS NOT NULL FROM users WHERE username = ?",
	"UPDATE users SET disabled_at = ?2 "
	    "WHERE username = ?1 AND disabled_at IS NULL",
	"UPDATE users SET disabled_at = NULL WHERE username = ?",
	/*
	 * A name nobody may take: orders kept from a deleted user would be
	 * the new owner's, and so would the deleted user's access tokens
	 * until they expire.
	 */
	"SELECT EXISTS (SELECT 1 FROM orders WHERE username = ?1) "
	    "OR EXISTS (SELECT 1 FROM deleted_users "
	    "WHERE username = ?1 AND deleted_at > ?2)",
	"DELETE FROM users WHERE username = ?",
	"DELETE FROM refresh_tokens WHERE family IN "
	    "(SELECT id FROM refresh_families WHERE username = ?)",
	"DELETE FROM refresh_families WHERE username = ?",
	"DELETE FROM orders WHERE username = ?",
	"INSERT INTO deleted_users (username, deleted_at) VALUES (?1, ?2) "
	    "ON CONFLICT (username) DO UPDATE SET deleted_at = ?2",
	"SELECT 1 FROM deleted_users WHERE username = ?",
	"SELECT hits, window_start FROM throttle WHERE key = ?",
	/* A window opens at the first hit and lasts ?3 seconds. */
	"INSERT INTO throttle (key, hits, window_start) "
	    "VALUES (?1, 1, ?2) ON CONFLICT (key) DO UPDATE SET "
	    "hits = CASE WHEN window_start <= ?2 - ?3 THEN 1 "
	    "ELSE hits + 1 END, "
	    "window_start = CASE WHEN window_start <= ?2 - ?3 THEN ?2 "
	    "ELSE window_start END",
	/* A hit taken at ?2 is only in a window that opened by then. */
	"UPDATE throttle SET hits = hits - 1 "
	    "WHERE key = ?1 AND hits > 0 AND window_start <= ?2",
	"DELETE FROM throttle WHERE key = ?",
	"DELETE FROM throttle WHERE window_start <= ?",
	"SELECT 1 FROM login_known WHERE key = ? AND at > ?",
	"INSERT INTO login_known (key, at) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET at = ?2",
	"DELETE FROM login_known WHERE at <= ?",
};

/* Schema migrations: entry i takes user_version i to i + 1. */
static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE,"
	"  pwhash TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE orders ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL,"
	"  item TEXT NOT NULL,"
	"  quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000),"
	"  created_at INTEGER NOT NULL);"
	/* "This user's orders, oldest first" (covering from version 3). */
	"CREATE INDEX orders_by_user ON orders (username, id);"
	"CREATE TABLE refresh_families ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  revoked_at INTEGER);"
	"CREATE TABLE refresh_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  hash BLOB NOT NULL UNIQUE,"	/* SHA-256 of the token */
	"  family INTEGER NOT NULL REFERENCES refresh_families (id),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  spent_at INTEGER);"
	"CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);",
	/* 1 -> 2: login throttling (a hash of the name, never the name). */
	"CREATE TABLE login_failures ("
	"  key BLOB PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  window_start INTEGER NOT NULL);"
	"CREATE INDEX login_failures_window ON login_failures (window_start);",
	/*
	 * 2 -> 3: the list of a user's orders, oldest first, read from the
	 * index alone: (username, id) found the rows but then looked each
	 * one up in the table for item, quantity and created_at.
	 */
	"DROP INDEX IF EXISTS orders_by_user;"
	"CREATE INDEX orders_by_user ON orders "
	"  (username, id, item, quantity, created_at);",
	/*
	 * 3 -> 4: throttling counts more than one thing (a name from an
	 * address, an address, a name, sign-ups from an address), each under
	 * a hash of what it counts; and the addresses each user logged in
	 * from, so the per-name limit never locks them out of those.
	 */
	"DROP TABLE IF EXISTS login_failures;"
	"CREATE TABLE throttle ("
	"  key BLOB PRIMARY KEY,"
	"  hits INTEGER NOT NULL,"
	"  window_start INTEGER NOT NULL);"
	"CREATE INDEX throttle_window ON throttle (window_start);"
	"CREATE TABLE login_known ("
	"  key BLOB PRIMARY KEY,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX login_known_at ON login_known (at);",
	/*
	 * 4 -> 5: accounts can be disabled (no login, no refresh) and
	 * deleted; a deleted name stays taken while its access tokens live.
	 */
	"ALTER TABLE users ADD COLUMN disabled_at INTEGER;"
	"CREATE TABLE deleted_users ("
	"  username TEXT PRIMARY KEY,"
	"  deleted_at INTEGER NOT NULL);",
	/*
	 * 5 -> 6: Idempotency-Key on POST /api/userOrders
	 * (common/store_key.c): the key's order, kept a day.  Before this
	 * version store_key.c made the table itself at its first use, so a
	 * version 5 file may hold it already, rows and all.
	 */
	"CREATE TABLE IF NOT EXISTS order_keys ("
	"  username TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  order_id INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (username, key));"
	"CREATE INDEX IF NOT EXISTS order_keys_created "
	"  ON order_keys (created_at);",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[ST__MAX];	/* prepared once, reset after use */
	int		 last;		/* last SQLite result code, for logs */
	int		 qfd;		/* the write queue's file, or -1 */
	int		 queued;	/* holds the slot of ticket now */
	uint64_t	 ticket;	/* of the last write that queued */
	struct timespec	 deadline;	/* of the write under way */
};

static enum store_rc
store_rc_of(struct store *st, int rc)
{
	st->last = rc;
	return sqlite_rc_status(rc);
}

/* Run a statement that returns no rows, then reset it. */
static enum store_rc
store_exec(struct store *st, enum store_stmt id)
{
	sqlite3_stmt	*s = st->stmt[id];
	int		 rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return store_rc_of(st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

/*
 * Run a bound statement that returns one integer (or no row: then
 * STORE_NOTFOUND), then reset it.
 */
static enum store_rc
store_one_int(struct store *st, enum store_stmt id, int64_t *out)
{
	sqlite3_stmt	*s = st->stmt[id];
	int		 rc;
	enum store_rc	 ret;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		ret = store_rc_of(st, SQLITE_DONE);
	} else if (rc == SQLITE_DONE)
		ret = STORE_NOTFOUND;
	else
		ret = store_rc_of(st, rc);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

/*
 * The write queue.  SQLite's own wait for its write lock is a busy handler
 * that sleeps and looks again (1, 2, 5, 10 ... 100 ms): a writer that
 * found the lock taken slept, the holder finished, came back with its next
 * request and took the lock again before the sleeper woke, and some writers
 * lost that race for hundreds of milliseconds.  So writers first take a
 * ticket and wait, in the kernel, for the writer ahead of them: ticket t
 * keeps its slot locked from the moment it is handed out until its write is
 * done, and waits until the slot of t - 1 is free.  Tickets are handed out
 * under the counter's lock, after the previous holder locked its slot, so
 * writers run in the order they took tickets, and each is woken by the
 * kernel the moment the one ahead unlocks.  A writer that waits sees at
 * most one write per other writer (process) before its own.
 *
 * The queue only orders: SQLite's lock still guards every write (a writer
 * outside the queue, such as the sqlite3 shell, is waited for by the busy
 * handler as before).  So any failure of the queue (no file, a lock
 * refused) leaves a write to the busy handler alone, and the whole wait,
 * queue and busy handler, ends after STORE_BUSY_MS.
 *
 * POSIX record locks belong to the process: closing any descriptor of the
 * file drops them all, and one process's locks never block each other.
 * Both are fine here: a store holds a slot only inside one store_* call,
 * and a process makes one call at a time.
 */

/* Milliseconds left before st->deadline (negative once past). */
static long
store_ms_left(const struct store *st)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(st->deadline.tv_sec - now.tv_sec) * 1000 +
	    (st->deadline.tv_nsec - now.tv_nsec) / 1000000;
}

static void
store_queue_tick(int sig)
{
	(void)sig;	/* only to interrupt F_SETLKW */
}

/*
 * Block in F_SETLKW on fl until it is granted or st->deadline passes.
 * F_SETLKW has no timeout of its own: SIGALRM from an interval timer
 * interrupts it (no SA_RESTART), at the deadline and every
 * STORE_QUEUE_TICK_MS after it, so a signal that comes just before the
 * call only delays the next look at the clock.  The process's own SIGALRM
 * handler, signal mask and timer are put back before returning.
 */
static int
store_queue_block(struct store *st, struct flock *fl)
{
	struct sigaction	 sa, osa;
	struct itimerval	 it, oit;
	sigset_t		 alrm, omask;
	long			 left;
	int			 rc = -1, err = ETIMEDOUT;

	if ((left = store_ms_left(st)) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = store_queue_tick;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = left / 1000;
	it.it_value.tv_usec = left % 1000 * 1000;
	it.it_interval.tv_usec = STORE_QUEUE_TICK_MS * 1000;
	if (sigaction(SIGALRM, &sa, &osa) == -1)
		return -1;
	(void)sigprocmask(SIG_UNBLOCK, &alrm, &omask);
	if (setitimer(ITIMER_REAL, &it, &oit) == 0) {
		while ((rc = fcntl(st->qfd, F_SETLKW, fl)) == -1 &&
		    errno == EINTR && store_ms_left(st) > 0)
			continue;
		err = rc == -1 && errno == EINTR ? ETIMEDOUT : errno;
		(void)setitimer(ITIMER_REAL, &oit, NULL);
	} else
		err = errno;
	(void)sigprocmask(SIG_SETMASK, &omask, NULL);
	(void)sigaction(SIGALRM, &osa, NULL);
	errno = err;
	return rc;
}

/*
 * Lock (F_WRLCK, F_UNLCK) len bytes of the queue file at off; with wait,
 * blocking until the deadline when they are held.  Returns 0 or -1.
 */
static int
store_queue_lock(struct store *st, short type, off_t off, off_t len,
    int wait)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = len;
	if (fcntl(st->qfd, F_SETLK, &fl) == 0)
		return 0;
	if (!wait || (errno != EACCES && errno != EAGAIN))
		return -1;
	return store_queue_block(st, &fl);
}

static off_t
store_queue_slot(uint64_t ticket)
{
	return STORE_QUEUE_SLOT0 + (off_t)(ticket % STORE_QUEUE_SLOTS);
}

/*
 * Wait until the slot of ticket t is free (its writer is done or gone),
 * until the deadline.  F_GETLK first: when it is free, as it is without
 * contention, that is one system call.
 */
static void
store_queue_await(struct store *st, uint64_t t)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = store_queue_slot(t);
	fl.l_len = 1;
	if (fcntl(st->qfd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK)
		return;
	if (store_queue_lock(st, F_RDLCK, store_queue_slot(t), 1, 1) == 0)
		(void)store_queue_lock(st, F_UNLCK, store_queue_slot(t), 1, 0);
}

/* Take a ticket and wait for the writer ahead (see above). */
static void
store_queue_enter(struct store *st)
{
	uint64_t	 t = 0;
	ssize_t		 n;

	if (st->qfd == -1 || store_queue_lock(st, F_WRLCK, 0,
	    STORE_QUEUE_SLOT0, 1) == -1)
		return;
	/* A new (empty) file starts from 0. */
	if ((n = pread(st->qfd, &t, sizeof(t), 0)) != (ssize_t)sizeof(t))
		t = 0;
	t++;
	if (n != -1 && pwrite(st->qfd, &t, sizeof(t), 0) ==
	    (ssize_t)sizeof(t) &&
	    store_queue_lock(st, F_WRLCK, store_queue_slot(t), 1, 0) == 0) {
		st->queued = 1;
		st->ticket = t;
	}
	(void)store_queue_lock(st, F_UNLCK, 0, STORE_QUEUE_SLOT0, 0);
	/* Even past the deadline the slot is kept until the write is done:
	 * the writers behind still come after it. */
	if (st->queued)
		store_queue_await(st, t - 1);
}

static void
store_queue_leave(struct store *st)
{
	if (!st->queued)
		return;
	(void)store_queue_lock(st, F_UNLCK, store_queue_slot(st->ticket), 1,
	    0);
	st->queued = 0;
}

/*
 * The queue's file, path-queue beside the database, opened or made (with
 * the database's mode and, when root makes it, its owner, as SQLite makes
 * -wal and -shm).  -1 when there is none to be had (an in-memory database,
 * a folder nobody may write): writes then wait on the busy handler alone.
 */
static int
store_queue_open(sqlite3 *db)
{
	const char	*db_path = sqlite3_db_filename(db, "main");
	struct stat	 sb;
	char		*path;
	size_t		 len;
	int		 fd = -1, flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;

	if (db_path == NULL || *db_path == '\0' || stat(db_path, &sb) == -1)
		return -1;
	len = strlen(db_path) + sizeof(STORE_QUEUE_SUFFIX);
	if ((path = malloc(len)) == NULL)
		return -1;
	(void)snprintf(path, len, "%s%s", db_path, STORE_QUEUE_SUFFIX);
	if ((fd = open(path, flags | O_CREAT | O_EXCL, 0600)) != -1) {
		/* Made now: the database's mode, not the umask's, and its
		 * owner, or the service could not open it after root. */
		if (fchmod(fd, sb.st_mode & 0666) == -1 || (geteuid() == 0 &&
		    fchown(fd, sb.st_uid, sb.st_gid) == -1)) {
			close(fd);
			(void)unlink(path);
			fd = -1;
		}
	} else if (errno == EEXIST)
		fd = open(path, flags);
	free(path);
	return fd;
}

/* A write begins: its deadline, its turn in the queue, and SQLite's busy
 * timeout for what is left of STORE_BUSY_MS. */
static void
store_write_begin(struct store *st)
{
	long	 left;

	clock_gettime(CLOCK_MONOTONIC, &st->deadline);
	st->deadline.tv_sec += STORE_BUSY_MS / 1000;
	st->deadline.tv_nsec += STORE_BUSY_MS % 1000 * 1000000L;
	if (st->deadline.tv_nsec >= 1000000000L) {
		st->deadline.tv_sec++;
		st->deadline.tv_nsec -= 1000000000L;
	}
	store_queue_enter(st);
	left = store_ms_left(st);
	sqlite3_busy_timeout(st->db, left > 0 ? (int)left : 1);
}

/* The write is done: the next in the queue goes. */
static void
store_write_end(struct store *st)
{
	store_queue_leave(st);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
}

/* One statement that writes, in its own transaction, in the queue. */
static enum store_rc
store_write1(struct store *st, enum store_stmt id)
{
	enum store_rc	 rc;

	store_write_begin(st);
	rc = store_exec(st, id);
	store_write_end(st);
	return rc;
}

uint64_t
store_write_ticket(const struct store *st)
{
	return st->ticket;
}

static enum store_rc
store_begin(struct store *st)
{
	enum store_rc	 rc;

	store_write_begin(st);
	if ((rc = store_exec(st, ST_BEGIN)) != STORE_OK)
		store_write_end(st);
	return rc;
}

/* Commit, or roll back when rc says the transaction failed; then the next
 * writer in the queue goes. */
static enum store_rc
store_end(struct store *st, enum store_rc rc)
{
	enum store_rc	 crc;

	if (rc == STORE_OK || rc == STORE_INVALID || rc == STORE_REUSED ||
	    rc == STORE_EXISTS || rc == STORE_NOTFOUND) {
		if ((crc = store_exec(st, ST_COMMIT)) == STORE_OK)
			goto out;
		rc = crc;
	}
	if (!sqlite3_get_autocommit(st->db))
		(void)store_exec(st, ST_ROLLBACK);
out:
	store_write_end(st);
	return rc;
}

/* Roll back, whatever happened; then the next writer goes.  Returns rc. */
static enum store_rc
store_abort(struct store *st, enum store_rc rc)
{
	(void)store_exec(st, ST_ROLLBACK);
	store_write_end(st);
	return rc;
}

const char *
store_errmsg(const struct store *st)
{
	return st != NULL ? sqlite3_errstr(st->last) : "no store";
}

static int
store_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt	*s = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*version = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/*
 * Bring the schema to STORE_SCHEMA_VERSION.  Every process runs this at
 * start-up, so the version is read again under the write lock: the first
 * one migrates, the rest find nothing to do.
 */
static int
store_migrate(sqlite3 *db, char *err, size_t errlen)
{
	char	 sql[64];
	int	 v, rc;

	if ((rc = store_user_version(db, &v)) != SQLITE_OK)
		goto fail;
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) !=
	    SQLITE_OK)
		goto fail;
	if ((rc = store_user_version(db, &v)) != SQLITE_OK)
		goto rollback;
	if (v > STORE_SCHEMA_VERSION) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		snprintf(err, errlen, "DATABASE_PATH: schema version %d is "
		    "newer than this program's %d", v, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if ((rc = sqlite3_exec(db, store_migrations[v], NULL, NULL,
		    NULL)) != SQLITE_OK)
			goto rollback;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    STORE_SCHEMA_VERSION);
	if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		goto rollback;
	return 0;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
fail:
	snprintf(err, errlen, "DATABASE_PATH: cannot create the schema: %s",
	    sqlite3_errstr(rc));
	return -1;
}

/*
 * Switch to WAL.  The switch upgrades a read lock to a write lock, and
 * SQLite answers SQLITE_BUSY at once there rather than risk a deadlock, not
 * calling the busy handler: when several processes open a new database
 * together (lighttpd starting its workers) all but one would fail.  So
 * retry for as long as the busy timeout would have waited.
 */
static int
store_wal(sqlite3 *db)
{
	sqlite3_stmt	*s = NULL;
	const char	*mode;
	int		 rc, waited;

	for (waited = 0; ; waited += 10) {
		rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1,
		    &s, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			mode = (const char *)sqlite3_column_text(s, 0);
			rc = mode != NULL && strcmp(mode, "wal") == 0 ?
			    SQLITE_OK : SQLITE_CANTOPEN;
		}
		sqlite3_finalize(s);
		s = NULL;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return rc;
		if (waited >= STORE_BUSY_MS)
			return rc;
		sqlite3_sleep(10);
	}
}

/*
 * SQLite's process-wide settings, before its first use: a worker is one
 * thread with one connection, so no mutexes, and no count of every
 * allocation (both cost time on every statement).  Once SQLite has been
 * initialised they cannot change and sqlite3_config says so; that is fine.
 */
static void
store_config_library(void)
{
	static int	 done;

	if (done)
		return;
	done = 1;
	(void)sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store	*st;
	int		 rc, i;

	store_config_library();
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "DATABASE_PATH: out of memory");
		return NULL;
	}
	st->qfd = -1;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_PATH: cannot open %s: %s",
		    path, sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);

	/* WAL: readers never wait for the writer. */
	if ((rc = store_wal(st->db)) != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_PATH: cannot use %s: %s",
		    path, sqlite3_errstr(rc));
		goto fail;
	}
	/* synchronous=FULL: a 201 is only sent once the row is on disk. */
	rc = sqlite3_exec(st->db, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "DATABASE_PATH: cannot use %s: %s",
		    path, sqlite3_errstr(rc));
		goto fail;
	}
	/* SQLite opens a write-protected file read-only without a word:
	 * every write would then fail per request instead of here. */
	if (sqlite3_db_readonly(st->db, "main") != 0) {
		snprintf(err, errlen, "DATABASE_PATH: %s is read-only", path);
		goto fail;
	}
	if (store_migrate(st->db, err, errlen) == -1)
		goto fail;
	st->qfd = store_queue_open(st->db);
	for (i = 0; i < ST__MAX; i++) {
		rc = sqlite3_prepare_v3(st->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "DATABASE_PATH: cannot prepare "
			    "statements: %s", sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	int	 i;

	if (st == NULL)
		return;
	for (i = 0; i < ST__MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	if (st->qfd != -1)
		close(st->qfd);
	free(st);
}

/* A new family with its first token; inside a transaction. */
static enum store_rc
store_family_new(struct store *st, const char *user,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t expires)
{
	sqlite3_stmt	*s;
	enum store_rc	 rc;
	sqlite3_int64	 family;

	s = st->stmt[ST_FAMILY_INSERT];
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	if ((rc = store_exec(st, ST_FAMILY_INSERT)) != STORE_OK)
		return rc;
	family = sqlite3_last_insert_rowid(st->db);

	s = st->stmt[ST_TOKEN_INSERT];
	sqlite3_bind_blob(s, 1, rhash, RTOKEN_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, family);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, expires);
	return store_exec(st, ST_TOKEN_INSERT);
}

enum store_rc
store_user_create(struct store *st, const char *user, const char *pwhash,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t rexpires,
    long reserve)
{
	sqlite3_stmt	*s;
	enum store_rc	 rc;
	int64_t		 taken;

	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	s = st->stmt[ST_USER_TAKEN];
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now - reserve);
	if ((rc = store_one_int(st, ST_USER_TAKEN, &taken)) != STORE_OK)
		return store_end(st, rc);
	if (taken)
		return store_abort(st, STORE_EXISTS);
	s = st->stmt[ST_USER_INSERT];
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	rc = store_exec(st, ST_USER_INSERT);
	if (rc == STORE_ERROR && st->last == SQLITE_CONSTRAINT_UNIQUE)
		rc = STORE_EXISTS;
	if (rc == STORE_OK)
		rc = store_family_new(st, user, rhash, now, rexpires);
	if (rc == STORE_EXISTS)
		return store_abort(st, STORE_EXISTS);
	return store_end(st, rc);
}

enum store_rc
store_user_hash(struct store *st, const char *user, char hash[PWHASH_LEN])
{
	sqlite3_stmt	*s = st->stmt[ST_USER_HASH];
	const char	*h;
	int		 rc;
	enum store_rc	 out = STORE_NOTFOUND;

	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		h = (const char *)sqlite3_column_text(s, 0);
		if (h != NULL && strlen(h) < PWHASH_LEN) {
			memcpy(hash, h, strlen(h) + 1);
			out = STORE_OK;
		} else
			out = STORE_ERROR;
	} else if (rc != SQLITE_DONE)
		out = store_rc_of(st, rc);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return out;
}

enum store_rc
store_user_set_hash(struct store *st, const char *user, const char *pwhash)
{
	sqlite3_stmt	*s = st->stmt[ST_USER_SET_HASH];
	enum store_rc	 rc;

	sqlite3_bind_text(s, 1, pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	if ((rc = store_write1(st, ST_USER_SET_HASH)) != STORE_OK)
		return rc;
	return sqlite3_changes(st->db) > 0 ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc
store_user_rehash(struct store *st, const char *user, const char *old,
    const char *fresh)
{
	sqlite3_stmt	*s = st->stmt[ST_USER_REHASH];
	enum store_rc	 rc;

	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, old, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, fresh, -1, SQLITE_STATIC);
	if ((rc = store_write1(st, ST_USER_REHASH)) != STORE_OK)
		return rc;
	return sqlite3_changes(st->db) > 0 ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc
store_user_state(struct store *st, const char *user, int *disabled)
{
	int64_t		 v = 0;
	enum store_rc	 rc;

	sqlite3_bind_text(st->stmt[ST_USER_STATE], 1, user, -1,
	    SQLITE_STATIC);
	rc = store_one_int(st, ST_USER_STATE, &v);
	*disabled = v != 0;
	return rc;
}

/* Bind user to statement id and run it; *changed gets the rows touched. */
static enum store_rc
store_user_exec(struct store *st, enum store_stmt id, const char *user,
    int *changed)
{
	enum store_rc	 rc;

	sqlite3_bind_text(st->stmt[id], 1, user, -1, SQLITE_STATIC);
	rc = store_exec(st, id);
	*changed = rc == STORE_OK ? sqlite3_changes(st->db) : 0;
	return rc;
}

enum store_rc
store_user_disable(struct store *st, const char *user, time_t now,
    int *sessions)
{
	sqlite3_stmt	*s;
	enum store_rc	 rc;
	int		 disabled;

	*sessions = 0;
	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	if ((rc = store_user_state(st, user, &disabled)) != STORE_OK)
		goto out;
	s = st->stmt[ST_USER_DISABLE];
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	if ((rc = store_exec(st, ST_USER_DISABLE)) != STORE_OK)
		goto out;
	/* Its sessions end now, not when each refresh token expires. */
	s = st->stmt[ST_USER_REVOKE_ALL];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	if ((rc = store_exec(st, ST_USER_REVOKE_ALL)) == STORE_OK)
		*sessions = sqlite3_changes(st->db);
out:
	return store_end(st, rc);
}

enum store_rc
store_user_enable(struct store *st, const char *user)
{
	enum store_rc	 rc;

	sqlite3_bind_text(st->stmt[ST_USER_ENABLE], 1, user, -1,
	    SQLITE_STATIC);
	if ((rc = store_write1(st, ST_USER_ENABLE)) != STORE_OK)
		return rc;
	return sqlite3_changes(st->db) > 0 ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc
store_user_delete(struct store *st, const char *user, int with_orders,
    time_t now, int *sessions, int *orders)
{
	sqlite3_stmt	*s;
	enum store_rc	 rc;
	int64_t		 was;
	int		 n;

	*sessions = *orders = 0;
	if ((rc = store_begin(st)) != STORE_OK)
		return rc;

	if ((rc = store_user_exec(st, ST_USER_DELETE, user, &n)) != STORE_OK)
		goto out;
	if (n == 0) {
		/*
		 * Deleted before: only orders are left to remove (written
		 * with an access token that outlived the user).  Anyone
		 * else: no such user.
		 */
		sqlite3_bind_text(st->stmt[ST_USER_DELETED], 1, user, -1,
		    SQLITE_STATIC);
		if ((rc = store_one_int(st, ST_USER_DELETED, &was)) !=
		    STORE_OK || !with_orders) {
			if (rc == STORE_OK)
				rc = STORE_NOTFOUND;
			goto out;
		}
	}
	/* The sessions counted are the live ones, as user revoke counts. */
	s = st->stmt[ST_USER_REVOKE_ALL];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	if ((rc = store_exec(st, ST_USER_REVOKE_ALL)) != STORE_OK)
		goto out;
	*sessions = sqlite3_changes(st->db);
	if ((rc = store_user_exec(st, ST_USER_DELETE_TOKENS, user, &n)) !=
	    STORE_OK ||
	    (rc = store_user_exec(st, ST_USER_DELETE_FAMILIES, user, &n)) !=
	    STORE_OK)
		goto out;
	if (with_orders && (rc = store_user_exec(st, ST_USER_DELETE_ORDERS,
	    user, orders)) != STORE_OK)
		goto out;
	s = st->stmt[ST_USER_TOMBSTONE];
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	rc = store_exec(st, ST_USER_TOMBSTONE);
out:
	return store_end(st, rc);
}

enum store_rc
store_user_list(struct store *st, store_user_cb cb, void *arg)
{
	sqlite3_stmt	*s = st->stmt[ST_USER_LIST];
	const char	*u;
	int		 rc, n;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		u = (const char *)sqlite3_column_text(s, 0);
		if (u != NULL && (n = cb(u, sqlite3_column_int64(s, 1),
		    sqlite3_column_int(s, 2), arg)) != 0) {
			rc = n > 0 ? SQLITE_DONE : SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(s);
	return store_rc_of(st, rc);
}

enum store_rc
store_user_revoke_all(struct store *st, const char *user, time_t now,
    int *count)
{
	sqlite3_stmt	*s = st->stmt[ST_USER_REVOKE_ALL];
	enum store_rc	 rc;

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	if ((rc = store_write1(st, ST_USER_REVOKE_ALL)) == STORE_OK)
		*count = sqlite3_changes(st->db);
	return rc;
}

/* One INSERT: a transaction of its own, committed before the 201. */
enum store_rc
store_order_add(struct store *st, const char *user, const char *item,
    int quantity, time_t now, struct order *out)
{
	sqlite3_stmt	*s = st->stmt[ST_ORDER_INSERT];
	size_t		 len = strlen(item);
	enum store_rc	 rc;

	if (len > STORE_ITEM_MAX)
		return STORE_ERROR;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, item, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, quantity);
	sqlite3_bind_int64(s, 4, now);
	if ((rc = store_write1(st, ST_ORDER_INSERT)) != STORE_OK)
		return rc;
	out->id = sqlite3_last_insert_rowid(st->db);
	memcpy(out->item, item, len + 1);
	out->quantity = quantity;
	out->created_at = now;
	return STORE_OK;
}

enum store_rc
store_order_list(struct store *st, const char *user, int64_t after,
    int limit, store_order_cb cb, void *arg)
{
	sqlite3_stmt	*s = st->stmt[ST_ORDER_LIST];
	struct order	 o;
	const char	*item;
	int		 rc, n;

	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int(s, 3, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o.id = sqlite3_column_int64(s, 0);
		item = (const char *)sqlite3_column_text(s, 1);
		n = sqlite3_column_bytes(s, 1);
		if (item == NULL || n < 0 || n > STORE_ITEM_MAX) {
			rc = SQLITE_CORRUPT;
			break;
		}
		memcpy(o.item, item, (size_t)n);
		o.item[n] = '\0';
		o.quantity = sqlite3_column_int(s, 2);
		o.created_at = sqlite3_column_int64(s, 3);
		if ((n = cb(&o, arg)) != 0) {
			rc = n > 0 ? SQLITE_DONE : SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return store_rc_of(st, rc);
}

enum store_rc
store_refresh_issue(struct store *st, const char *user,
    const unsigned char rhash[RTOKEN_HASHLEN], time_t now, time_t expires)
{
	sqlite3_stmt	*s = st->stmt[ST_TOKEN_PRUNE];
	enum store_rc	 rc;

	int		 disabled;

	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	/*
	 * The user may have been deleted or disabled while the password was
	 * checked: a session made now would outlive that (the write lock
	 * orders this against authctl's change, which revokes only what
	 * exists when it runs).
	 */
	rc = store_user_state(st, user, &disabled);
	if (rc == STORE_OK && disabled)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = store_family_new(st, user, rhash, now, expires);
	if (rc == STORE_OK) {
		/* Logins are rare next to reads: a fair time to drop rows
		 * long past use.  Spent tokens stay a day to catch reuse. */
		sqlite3_bind_int64(s, 1, now - STORE_PRUNE_AFTER);
		rc = store_exec(st, ST_TOKEN_PRUNE);
	}
	return store_end(st, rc);
}

/* Bind key as a blob to parameter 1 of statement id. */
static sqlite3_stmt *
store_bind_key(struct store *st, enum store_stmt id,
    const unsigned char key[STORE_KEYLEN])
{
	sqlite3_stmt	*s = st->stmt[id];

	sqlite3_bind_blob(s, 1, key, STORE_KEYLEN, SQLITE_STATIC);
	return s;
}

/*
 * The seconds left in the live window of lim, when it is full; else 0.
 * Inside the caller's transaction.
 */
static enum store_rc
store_limit_left(struct store *st, const struct store_limit *lim,
    time_t now, long window, long *left)
{
	sqlite3_stmt	*s = store_bind_key(st, ST_LIMIT_GET, lim->key);
	sqlite3_int64	 hits, start;
	int		 rc;

	*left = 0;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		hits = sqlite3_column_int64(s, 0);
		start = sqlite3_column_int64(s, 1);
		if (hits >= lim->max && start > now - window)
			*left = (long)(start + window - now);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return store_rc_of(st, rc);
}

enum store_rc
store_limit_take(struct store *st, struct store_limit *lim, size_t n,
    time_t now, long window, long *retry_after)
{
	sqlite3_stmt	*s;
	enum store_rc	 rc;
	size_t		 i;
	long		 left;

	*retry_after = 0;
	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	for (i = 0; i < n && rc == STORE_OK; i++) {
		lim[i].full = 0;
		if (lim[i].max <= 0)
			continue;
		rc = store_limit_left(st, &lim[i], now, window, &left);
		lim[i].full = left > 0;
		if (left > *retry_after)
			*retry_after = left;
	}
	for (i = 0; i < n && rc == STORE_OK && *retry_after == 0; i++) {
		s = store_bind_key(st, ST_LIMIT_HIT, lim[i].key);
		sqlite3_bind_int64(s, 2, now);
		sqlite3_bind_int64(s, 3, window);
		rc = store_exec(st, ST_LIMIT_HIT);
	}
	if (rc == STORE_OK) {
		/* Windows long over hold nothing worth keeping. */
		sqlite3_bind_int64(st->stmt[ST_LIMIT_PRUNE], 1, now - window);
		rc = store_exec(st, ST_LIMIT_PRUNE);
	}
	return store_end(st, rc);
}

/* Give back one hit taken at taken_at on each of lim; in a transaction. */
static enum store_rc
store_limit_unhit(struct store *st, const struct store_limit *lim, size_t n,
    time_t taken_at)
{
	sqlite3_stmt	*s;
	enum store_rc	 rc = STORE_OK;
	size_t		 i;

	for (i = 0; i < n && rc == STORE_OK; i++) {
		s = store_bind_key(st, ST_LIMIT_UNHIT, lim[i].key);
		sqlite3_bind_int64(s, 2, taken_at);
		rc = store_exec(st, ST_LIMIT_UNHIT);
	}
	return rc;
}

enum store_rc
store_limit_give_back(struct store *st, const struct store_limit *lim,
    size_t n, time_t taken_at)
{
	enum store_rc	 rc;

	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	return store_end(st, store_limit_unhit(st, lim, n, taken_at));
}

enum store_rc
store_login_known(struct store *st, const unsigned char key[STORE_KEYLEN],
    time_t since, int *known)
{
	sqlite3_stmt	*s = store_bind_key(st, ST_KNOWN_GET, key);
	int		 rc;

	sqlite3_bind_int64(s, 2, since);
	rc = sqlite3_step(s);
	*known = rc == SQLITE_ROW;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return store_rc_of(st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

enum store_rc
store_login_succeeded(struct store *st, const struct store_limit *pair,
    const struct store_limit *others, size_t n,
    const unsigned char known[STORE_KEYLEN], time_t taken_at, time_t now,
    time_t forget_before)
{
	sqlite3_stmt	*s;
	enum store_rc	 rc;

	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	if (pair != NULL) {
		(void)store_bind_key(st, ST_LIMIT_CLEAR, pair->key);
		if ((rc = store_exec(st, ST_LIMIT_CLEAR)) != STORE_OK)
			goto out;
	}
	if ((rc = store_limit_unhit(st, others, n, taken_at)) != STORE_OK)
		goto out;
	s = store_bind_key(st, ST_KNOWN_PUT, known);
	sqlite3_bind_int64(s, 2, now);
	if ((rc = store_exec(st, ST_KNOWN_PUT)) != STORE_OK)
		goto out;
	sqlite3_bind_int64(st->stmt[ST_KNOWN_PRUNE], 1, forget_before);
	rc = store_exec(st, ST_KNOWN_PRUNE);
out:
	return store_end(st, rc);
}

/* What ST_TOKEN_FIND found. */
struct store_token {
	sqlite3_int64	 id, family, expires;
	int		 spent, revoked;
	char		 user[USERNAME_MAX + 1];
};

static enum store_rc
store_token_find(struct store *st, const unsigned char hash[RTOKEN_HASHLEN],
    struct store_token *t)
{
	sqlite3_stmt	*s = st->stmt[ST_TOKEN_FIND];
	const char	*u;
	int		 rc;
	enum store_rc	 out = STORE_INVALID;

	sqlite3_bind_blob(s, 1, hash, RTOKEN_HASHLEN, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		t->id = sqlite3_column_int64(s, 0);
		t->family = sqlite3_column_int64(s, 1);
		t->expires = sqlite3_column_int64(s, 2);
		t->spent = sqlite3_column_type(s, 3) != SQLITE_NULL;
		t->revoked = sqlite3_column_type(s, 4) != SQLITE_NULL;
		u = (const char *)sqlite3_column_text(s, 5);
		if (u != NULL && strlen(u) <= USERNAME_MAX) {
			memcpy(t->user, u, strlen(u) + 1);
			out = STORE_OK;
		} else
			out = STORE_ERROR;
	} else if (rc != SQLITE_DONE)
		out = store_rc_of(st, rc);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return out;
}

static enum store_rc
store_family_revoke(struct store *st, sqlite3_int64 family, time_t now)
{
	sqlite3_stmt	*s = st->stmt[ST_FAMILY_REVOKE];

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, family);
	return store_exec(st, ST_FAMILY_REVOKE);
}

enum store_rc
store_refresh_rotate(struct store *st, const unsigned char old[RTOKEN_HASHLEN],
    const unsigned char new[RTOKEN_HASHLEN], time_t now, time_t expires,
    char *user)
{
	struct store_token	 t;
	sqlite3_stmt		*s;
	enum store_rc		 rc;

	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	if ((rc = store_token_find(st, old, &t)) != STORE_OK)
		goto out;
	if (t.revoked) {
		rc = STORE_INVALID;
		goto out;
	}
	if (t.spent) {
		/* Reuse: someone holds a copy.  Revoke the family, so the
		 * thief's and the owner's descendants die alike; even when
		 * this copy has expired, its descendants have not. */
		rc = store_family_revoke(st, t.family, now);
		if (rc == STORE_OK) {
			memcpy(user, t.user, strlen(t.user) + 1);
			rc = STORE_REUSED;
		}
		goto out;
	}
	if (t.expires <= now) {
		rc = STORE_INVALID;
		goto out;
	}
	s = st->stmt[ST_TOKEN_SPEND];
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, t.id);
	if ((rc = store_exec(st, ST_TOKEN_SPEND)) != STORE_OK)
		goto out;
	s = st->stmt[ST_TOKEN_INSERT];
	sqlite3_bind_blob(s, 1, new, RTOKEN_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t.family);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, expires);
	if ((rc = store_exec(st, ST_TOKEN_INSERT)) != STORE_OK)
		goto out;
	memcpy(user, t.user, strlen(t.user) + 1);
out:
	return store_end(st, rc);
}

enum store_rc
store_refresh_revoke(struct store *st, const unsigned char hash[RTOKEN_HASHLEN],
    time_t now)
{
	struct store_token	 t;
	enum store_rc		 rc;

	if ((rc = store_begin(st)) != STORE_OK)
		return rc;
	rc = store_token_find(st, hash, &t);
	if (rc == STORE_OK)
		rc = store_family_revoke(st, t.family, now);
	else if (rc == STORE_INVALID)
		rc = STORE_OK;
	return store_end(st, rc);
}
