/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"

int	unit_failed;

int
main(int argc, char **argv)
{
	size_t	 i;
	int	 passed = 0, failed = 0;

	for (i = 0; i < unit_ntests; i++) {
		if (argc > 1 && strcmp(argv[1], unit_tests[i].name) != 0)
			continue;
		unit_failed = 0;
		unit_tests[i].fn();
		printf("%s - %s\n", unit_failed ? "not ok" : "ok",
		    unit_tests[i].name);
		if (unit_failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
