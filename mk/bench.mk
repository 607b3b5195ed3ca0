# SPDX-License-Identifier: ISC
# make bench: the service behind lighttpd with many users beside the
# tutorial's Express app (tests/peer) and a bare FastCGI responder, plus a
# microbenchmark of the auth object (bench/README.md).  WRK_THREADS,
# WRK_CONNECTIONS, WRK_DURATION, WARMUP, ROUNDS, ROUND_DURATION,
# ROUND_WARMUP, LOGIN_CONNECTIONS, BENCH_USERS, BENCH_ORDERS and BENCH_PROCS
# pass through.  With BENCH_DATABASE_URL or DATABASE_URL set it runs
# bench/pg.sh on that database too; make bench-pg runs bench/pg.sh alone,
# on a throwaway PostgreSQL 15 when neither is set.

.PHONY: bench bench-pg

$(BUILD)/bench/bare: bench/bare.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDADD_PKG)

$(BUILD)/bench/micro: $(BUILD)/bench/micro.o $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

# The bench's users, straight into the store (bench/seed.c).
$(BUILD)/bench/seed: $(BUILD)/bench/seed.o $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

# Distinct tokens for the cold rate (bench/mint.c, bench/asym.sh).
$(BUILD)/bench/mint: $(BUILD)/bench/mint.o $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

$(BUILD)/bench/fsync: bench/fsync.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

BENCH_BINS	 = $(BUILD)/bench/bare $(BUILD)/bench/micro $(BUILD)/bench/seed \
		   $(BUILD)/bench/fsync $(BUILD)/bench/mint

bench:
	@deploy/deps.sh test
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@bench/run.sh
	@bench/authorizer.sh
	@if [ -n "$$BENCH_DATABASE_URL$$DATABASE_URL" ]; then bench/pg.sh; fi

bench-pg:
	@deploy/deps.sh test
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@bench/pg.sh

# make profile: worker CPU per request, system calls and a perf profile of
# the 200 path (bench/profile.sh), beside the ceiling.
.PHONY: profile
profile:
	@deploy/deps.sh profile
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@bench/profile.sh
