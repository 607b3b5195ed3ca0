# SPDX-License-Identifier: ISC
# `make soak`: a long mixed load through lighttpd with wrk (tests/soak/):
# no 5xx, workers' memory flat after warm-up, every acknowledged write
# stored.  Not part of `make test`.  SOAK_SECONDS=600 make soak for longer.
SOAK_SECONDS	?= 60

.PHONY: soak

soak:
	@deploy/deps.sh test
	@$(MAKE) --no-print-directory all
	@SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/run.sh
