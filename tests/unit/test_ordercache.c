/*
 * The order-list cache: a hit needs the same user name, the same even
 * counter value and an age under the time to live; odd values and ttl 0
 * keep nothing; a clock that went back misses; what is too long is not
 * kept; users that share a slot never get each other's list.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/ordercache.h"
#include "tests/unit/unit.h"

#define NOW	1767225600L		/* 2026-01-01T00:00:00Z */
#define BODY	"{\"username\":\"alice\",\"orders\":[]}"

/* The kept body for user, as a string ("" when none). */
static const char *
kept(const char *user, uint64_t gen, time_t now, long ttl)
{
	static char	 out[ORDERCACHE_BODY + 1];
	const char	*p;
	size_t		 len = 0;

	if ((p = ordercache_get(user, gen, now, ttl, &len)) == NULL)
		return "";
	memcpy(out, p, len);
	out[len] = '\0';
	return out;
}

static void
test_put_then_get(void)
{
	ordercache_clear();
	CHECK_STR(kept("alice", 2, NOW, 1), "");
	ordercache_put("alice", 2, NOW, 1, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 2, NOW, 1), BODY);
	CHECK_STR(kept("alice", 2, NOW, 1), BODY);	/* a hit keeps it */
}

/* Any other counter value misses: somebody wrote. */
static void
test_other_generation_misses(void)
{
	ordercache_clear();
	ordercache_put("alice", 4, NOW, 60, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 6, NOW, 60), "");
	CHECK_STR(kept("alice", 5, NOW, 60), "");
	CHECK_STR(kept("alice", 2, NOW, 60), "");
	CHECK_STR(kept("alice", 4, NOW, 60), BODY);	/* control */
}

/* An odd value (a write under way, or a writer that died) keeps nothing
 * and trusts nothing. */
static void
test_odd_generation_keeps_nothing(void)
{
	ordercache_clear();
	ordercache_put("alice", 5, NOW, 60, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 5, NOW, 60), "");
	ordercache_put("alice", 6, NOW, 60, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 6, NOW, 60), BODY);	/* control */
}

/* ttl 0 is off: nothing is kept, and nothing kept before is sent. */
static void
test_ttl_zero_is_off(void)
{
	ordercache_clear();
	ordercache_put("alice", 2, NOW, 0, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 2, NOW, 60), "");
	ordercache_put("alice", 2, NOW, 60, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 2, NOW, 0), "");
	CHECK_STR(kept("alice", 2, NOW, 60), BODY);	/* control */
}

/* ttl seconds from the second it was filled; a clock gone back misses. */
static void
test_ttl_bounds_age(void)
{
	ordercache_clear();
	ordercache_put("alice", 2, NOW, 1, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 2, NOW, 1), BODY);
	CHECK_STR(kept("alice", 2, NOW + 1, 1), "");
	ordercache_put("alice", 2, NOW, 5, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 2, NOW + 4, 5), BODY);
	CHECK_STR(kept("alice", 2, NOW + 5, 5), "");
	CHECK_STR(kept("alice", 2, NOW - 1, 5), "");
	CHECK_STR(kept("alice", 2, NOW + 3600, 3600), "");
}

/* The whole name, exactly. */
static void
test_names_compare_whole(void)
{
	ordercache_clear();
	ordercache_put("bob", 2, NOW, 60, "bob's", 5);
	CHECK_STR(kept("bob", 2, NOW, 60), "bob's");
	CHECK_STR(kept("bobby", 2, NOW, 60), "");
	CHECK_STR(kept("Bob", 2, NOW, 60), "");
	CHECK_STR(kept("bo", 2, NOW, 60), "");
	CHECK_STR(kept("", 2, NOW, 60), "");
}

/* 500 users over the slots: each gets its own list or nothing. */
static void
test_users_never_mix(void)
{
	char	 user[32], body[64];
	int	 i, hits = 0, wrong = 0;

	ordercache_clear();
	for (i = 0; i < 500; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		snprintf(body, sizeof(body), "{\"username\":\"user%d\"}", i);
		ordercache_put(user, 2, NOW, 60, body, strlen(body));
	}
	for (i = 0; i < 500; i++) {
		const char	*k;

		snprintf(user, sizeof(user), "user%d", i);
		snprintf(body, sizeof(body), "{\"username\":\"user%d\"}", i);
		k = kept(user, 2, NOW, 60);
		if (*k == '\0')
			continue;
		hits++;
		if (strcmp(k, body) != 0)
			wrong++;
	}
	CHECK_INT(wrong, 0);
	CHECK(hits > 0 && hits <= ORDERCACHE_SLOTS);
}

/* A list longer than a slot is not kept; one that just fits is. */
static void
test_long_list_not_kept(void)
{
	static char	 big[ORDERCACHE_BODY + 1];

	ordercache_clear();
	memset(big, 'x', sizeof(big));
	ordercache_put("alice", 2, NOW, 60, big, ORDERCACHE_BODY + 1);
	CHECK_STR(kept("alice", 2, NOW, 60), "");
	ordercache_put("alice", 2, NOW, 60, big, ORDERCACHE_BODY);
	CHECK_INT(strlen(kept("alice", 2, NOW, 60)), ORDERCACHE_BODY);
	ordercache_put("alice", 2, NOW, 60, big, 0);	/* nothing to keep */
	CHECK_INT(strlen(kept("alice", 2, NOW, 60)), ORDERCACHE_BODY);
}

/* A name longer than a token may carry is not kept. */
static void
test_long_name_not_kept(void)
{
	char	 user[TOKEN_USER_MAX + 2];

	ordercache_clear();
	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	ordercache_put(user, 2, NOW, 60, BODY, strlen(BODY));
	CHECK_STR(kept(user, 2, NOW, 60), "");
	user[TOKEN_USER_MAX] = '\0';			/* control: 64 bytes */
	ordercache_put(user, 2, NOW, 60, BODY, strlen(BODY));
	CHECK_STR(kept(user, 2, NOW, 60), BODY);
}

static void
test_clear_forgets(void)
{
	ordercache_put("alice", 2, NOW, 60, BODY, strlen(BODY));
	CHECK_STR(kept("alice", 2, NOW, 60), BODY);
	ordercache_clear();
	CHECK_STR(kept("alice", 2, NOW, 60), "");
}

UNIT_TESTS(
	T(test_put_then_get),
	T(test_other_generation_misses),
	T(test_odd_generation_keeps_nothing),
	T(test_ttl_zero_is_off),
	T(test_ttl_bounds_age),
	T(test_names_compare_whole),
	T(test_users_never_mix),
	T(test_long_list_not_kept),
	T(test_long_name_not_kept),
	T(test_clear_forgets),
);
