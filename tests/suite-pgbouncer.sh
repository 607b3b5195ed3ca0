#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-pgbouncer.sh: tests/suite-pg.sh with the service behind
# pgbouncer (Debian's 1.18) in transaction pooling mode, 4 server
# connections for its 6 workers: the contract, the races across processes
# and Idempotency-Key, where no named prepared statement and no session
# setting would survive.  Ends with "pgbouncer: N passed, N failed".
PG_BOUNCER=1 exec bash "$(dirname "${BASH_SOURCE[0]}")/suite-pg.sh"
