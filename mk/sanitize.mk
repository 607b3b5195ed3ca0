# SPDX-License-Identifier: ISC
# make sanitize: everything built with ASan and UBSan into its own folder,
# then every test (`make test`) against those executables.  The suites run
# what $(BUILD) holds (tests/lib.sh: BUILD), and a deployment they start
# gets it as its build/ (tests/lib.sh: checkout_app_root), so build/ itself
# is neither cleaned nor replaced: a `make run` or `make test` beside it
# keeps working, and nothing is rebuilt twice.

SANITIZE_BUILD	?= $(BUILD)/sanitize

sanitize:
	@$(MAKE) --no-print-directory BUILD=$(SANITIZE_BUILD) \
	    SANITIZER="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	    OPT="-O1 -g" UBSAN_OPTIONS=halt_on_error=1 test
