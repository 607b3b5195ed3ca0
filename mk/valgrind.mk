# SPDX-License-Identifier: ISC
# make valgrind: the four FastCGI executables as long-lived workers under
# valgrind memcheck (spawn-fcgi, unix sockets, cgi-fcgi) over 1,000+
# requests taking every route and error, then each authctl subcommand
# (tests/valgrind.sh).  Any memcheck error or definite/indirect leak fails.
# The executables are built with the usual flags into their own folder, so
# a build/ left by `make sanitize` (ASan does not run under valgrind) or
# one being rebuilt by a concurrent `make test` does not get in the way.

VALGRIND_BUILD	?= $(BUILD)/valgrind

valgrind:
	@deploy/deps.sh test
	@$(MAKE) --no-print-directory BUILD=$(VALGRIND_BUILD) SANITIZER= all
	@BUILD=$(abspath $(VALGRIND_BUILD)) tests/valgrind.sh
