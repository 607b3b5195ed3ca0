/*
 * The order-list cache (see ordercache.h): a small direct-mapped table,
 * the slot chosen by an FNV-1a hash of the user name, a hit only when the
 * whole name compares equal and the tag and age allow it.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/ordercache.h"

struct ordercache_entry {
	size_t		 len;		/* of body; 0: empty */
	uint64_t	 gen;		/* the counter when the list was read */
	time_t		 filled;	/* when */
	char		 user[TOKEN_USER_MAX + 1];
	char		 body[ORDERCACHE_BODY];
};

static struct ordercache_entry	ordercache[ORDERCACHE_SLOTS];

static struct ordercache_entry *
ordercache_slot(const char *user)
{
	uint32_t		 h = 2166136261u;
	const unsigned char	*p;

	for (p = (const unsigned char *)user; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return &ordercache[h % ORDERCACHE_SLOTS];
}

/* Whether a list read under gen at filled may still be sent at now. */
static int
ordercache_fresh(uint64_t gen, time_t filled, time_t now, long ttl)
{
	if (ttl <= 0 || (gen & 1) != 0)
		return 0;
	/* A clock that went back could keep an entry forever. */
	return now >= filled && now - filled < ttl;
}

const char *
ordercache_get(const char *user, uint64_t gen, time_t now, long ttl,
    size_t *len)
{
	struct ordercache_entry	*e = ordercache_slot(user);

	if (e->len == 0 || e->gen != gen ||
	    !ordercache_fresh(gen, e->filled, now, ttl) ||
	    strcmp(e->user, user) != 0)
		return NULL;
	*len = e->len;
	return e->body;
}

void
ordercache_put(const char *user, uint64_t gen, time_t now, long ttl,
    const char *body, size_t len)
{
	struct ordercache_entry	*e;
	size_t			 ulen = strlen(user);

	if (!ordercache_fresh(gen, now, now, ttl) || len == 0 ||
	    len > ORDERCACHE_BODY || ulen > TOKEN_USER_MAX)
		return;
	e = ordercache_slot(user);
	memcpy(e->user, user, ulen + 1);
	memcpy(e->body, body, len);
	e->len = len;
	e->gen = gen;
	e->filled = now;
}

void
ordercache_clear(void)
{
	memset(ordercache, 0, sizeof(ordercache));
}
