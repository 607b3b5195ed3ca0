# SPDX-License-Identifier: ISC
# make bench: the service behind lighttpd beside the tutorial's Express app (tests/peer)
# and a bare FastCGI responder, plus a microbenchmark of the auth object.
# WRK_THREADS, WRK_CONNECTIONS, WRK_DURATION, WARMUP, ROUNDS pass through.

.PHONY: bench

$(BUILD)/bench/bare: bench/bare.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDADD_PKG)

$(BUILD)/bench/micro: $(BUILD)/bench/micro.o $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

bench:
	@deploy/deps.sh test
	@$(MAKE) --no-print-directory all $(BUILD)/bench/bare $(BUILD)/bench/micro
	@bench/run.sh

# make profile: worker CPU per request, system calls and a perf profile of
# the 200 path (bench/profile.sh), beside the ceiling.
.PHONY: profile
profile:
	@deploy/deps.sh profile
	@$(MAKE) --no-print-directory all $(BUILD)/bench/bare
	@bench/profile.sh
