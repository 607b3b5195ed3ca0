/* SPDX-License-Identifier: ISC */
/*
 * A plain test runner: each test_*.c defines unit_tests[] and gets a main
 * that runs them, prints "ok"/"not ok" lines and "N passed, N failed".
 */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char	*name;
	void		(*fn)(void);
};

extern const struct unit_test	unit_tests[];
extern const size_t		unit_ntests;
extern int			unit_failed;	/* set by the CHECK macros */

#define UNIT_TESTS(...) \
	const struct unit_test unit_tests[] = { __VA_ARGS__ }; \
	const size_t unit_ntests = sizeof(unit_tests) / sizeof(unit_tests[0])
#define T(fn)	{ #fn, fn }

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
		unit_failed = 1;					\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",	\
		    __FILE__, __LINE__, #a, _a, _b);			\
		unit_failed = 1;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0) {		\
		fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
		    __FILE__, __LINE__, #a, _a ? _a : "(null)",		\
		    _b ? _b : "(null)");				\
		unit_failed = 1;					\
	}								\
} while (0)

#endif
