# SPDX-License-Identifier: ISC
# make lint: cppcheck over the C and shellcheck over the shell scripts;
# any finding fails.  Every suppression says why, here or where it is.
#
#	variableScope		KNF (style(9)) declares locals at the top of a
#				function, not in the innermost block
#	redundantContinue	an empty loop body is written `continue;`

LINT_C		 = common cgi-bin admin tests/unit tests/fuzz bench
LINT_SH		 = $(shell find . -name '*.sh' -not -path '*/node_modules/*' \
		    -not -path './$(BUILD)/*' | sort) .ci/run
CPPCHECK	 = cppcheck --quiet --error-exitcode=1 --std=c11 -I. \
		    --inline-suppr --enable=warning,style,performance,portability \
		    --suppress=variableScope --suppress=redundantContinue

lint:
	@deploy/deps.sh lint
	$(CPPCHECK) $(LINT_C)
	shellcheck -x $(LINT_SH)
