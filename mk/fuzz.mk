# SPDX-License-Identifier: ISC
# libFuzzer targets (tests/fuzz/): `make fuzz` builds each into
# $(BUILD)/fuzz/, replays tests/fuzz/regress/<target>/, then fuzzes it for
# FUZZ_SECONDS on a copy of tests/fuzz/corpus/<target>/ and prints its
# execs and coverage; any crash fails.  common/ is compiled again here with
# clang and the sanitizers, apart from $(BUILD)/common.a.

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_DIR	 = $(BUILD)/fuzz
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		   -O1 -g $(WARNINGS) $(FUZZ_SAN) -DJWT_AUTH_VERSION='"$(VERSION)"' \
		   -I. $(CFLAGS_PKG)
FUZZ_SRC	 = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS	 = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_COMMON_OBJ	 = $(COMMON_SRC:common/%.c=$(FUZZ_DIR)/obj/common/%.o)

.PHONY: fuzz fuzz-build

fuzz: fuzz-build
	@FUZZ_SECONDS="$(FUZZ_SECONDS)" FUZZ_DIR="$(FUZZ_DIR)" \
	    tests/fuzz/run.sh $(FUZZ_BINS)

fuzz-build: $(FUZZ_BINS)

# Instrumented for coverage (fuzzer-no-link), without libFuzzer's main.
$(FUZZ_COMMON_OBJ): $(FUZZ_DIR)/obj/common/%.o: common/%.c \
    $(wildcard common/*.h) mk/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/common.a: $(FUZZ_COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BINS): $(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_DIR)/common.a \
    $(wildcard common/*.h) mk/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WERROR) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_DIR)/common.a $(LDADD_PKG)
