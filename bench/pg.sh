#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/pg.sh: the service on PostgreSQL beside the same service on SQLite
# and the bare FastCGI ceiling (bench/README.md, "PostgreSQL").  `make
# bench-pg` runs it; `make bench` too when BENCH_DATABASE_URL or
# DATABASE_URL is set.  The database: BENCH_DATABASE_URL, else
# DATABASE_URL (an empty database of its own: the bench's users stay in
# it), else a throwaway PostgreSQL 15 started the way the tests start one
# (tests/pg/lib.sh: initdb into a temporary folder, a unix socket only, run
# as postgres, stopped by PID), with fsync on as in production.
#   1. three lighttpd from deploy/lighttpd.conf: the service on SQLite, the
#      service on PostgreSQL, each with BENCH_USERS users made by
#      build/bench/seed through its own store, and bench/bare.c in
#      userorders' place (the ceiling);
#   2. ROUNDS times in turn, ROUND_DURATION each: the many-user GET
#      /api/userOrders (bench/load.lua, round robin over the users' tokens)
#      on SQLite, the ceiling, the same on PostgreSQL (every other round in
#      the reverse order, the ceiling always between); medians;
#   3. once each: POST /api/userOrders round robin over the users (201, a
#      commit each) on SQLite, then on PostgreSQL.
# The knobs are bench/run.sh's.  Everything stops by PID at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

. "$ROOT/bench/wrk.sh"
. "$ROOT/bench/lib.sh"
# shellcheck source=tests/pg/lib.sh
. "$ROOT/tests/pg/lib.sh"

# tests/pg/lib.sh waits for its server with wait_gone, from
# tests/http/helpers.sh, whose other helpers would replace bench/lib.sh's.
wait_gone() {
	local n=$1
	shift
	while kill -0 "$@" 2>/dev/null; do
		((n-- > 0)) || return 1
		sleep 0.1
	done
}
pg_bench_cleanup() {
	local rc=$?
	[[ -z $PG_DIR ]] || pg_cleanup
	(exit "$rc")
	cleanup
}
trap pg_bench_cleanup EXIT

DB=${BENCH_DATABASE_URL:-${DATABASE_URL:-}}
WHERE="the database of BENCH_DATABASE_URL or DATABASE_URL"
if [[ -z $DB ]]; then
	if ! PG_FSYNC=on pg_start; then
		echo "bench: PostgreSQL 15 would not start (deploy/deps.sh test installs it):" >&2
		tail -n 5 "$PG_DIR"/*.log >&2 2>/dev/null
		exit 1
	fi
	DB=$PG_URL
	WHERE="a throwaway $("$PG_BIN/postgres" --version) on a unix socket, fsync on"
fi

echo "# jwt-auth bench, PostgreSQL: $(date -u +%FT%TZ) host_cpus=$(nproc) $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "# $WHERE; wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP), $ROUNDS GET rounds of $ROUND_DURATION (warm-up $ROUND_WARMUP); $PROCS; wrk, the servers and PostgreSQL share the CPUs"

# 1. The three servers, up together so that the rounds can alternate.
start_lighttpd "$ROOT" "${BENCH_ENV[@]}"
SQ_BASE=$BASE
bench_users "$TMP/sqlite"
SQ_TOKENS=$TOKENS
BENCH_DB=$DB start_lighttpd "$ROOT" "${BENCH_ENV[@]}"
PG_BASE=$BASE
bench_users "$TMP/pg"	# fails on a database that has bench-0 already
PG_TOKENS=$TOKENS
start_ceiling
CEIL_BASE=$BASE

# 2. The GET rounds.
get_rounds sqlite "$SQ_TOKENS" "$SQ_BASE/api/userOrders" \
    ceiling "$SQ_TOKENS" "$CEIL_BASE/api/userOrders" \
    pg "$PG_TOKENS" "$PG_BASE/api/userOrders"

# 3. The writes.
wrk_case post_sqlite post "$SQ_TOKENS" "$SQ_BASE/api/userOrders"
wrk_case post_pg post "$PG_TOKENS" "$PG_BASE/api/userOrders"

echo
echo "Many users: $USERS users, $ORDERS orders each, their tokens round robin; wrk -t$THREADS -c$CONNS -d$DURATION ($ROUNDS GET rounds of $ROUND_DURATION); $PROCS"
echo
echo "| case | requests/s | p50 ms | p99 ms | max ms | non-2xx or errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
row "GET /api/userOrders on PostgreSQL (200), median of $ROUNDS rounds" pg
row "GET /api/userOrders on SQLite (200), median of $ROUNDS rounds" sqlite
row "bare FastCGI ceiling, same script, median of $ROUNDS rounds" ceiling
row "POST /api/userOrders on PostgreSQL (201, a commit each)" post_pg
row "POST /api/userOrders on SQLite (201, a commit each)" post_sqlite
echo
PR=()
for r in $(seq "$ROUNDS"); do
	PR+=("$(ratio "${RPS[pg_r$r]}" "${RPS[ceiling_r$r]}")")
	echo "round $r: postgresql ${RPS[pg_r$r]} ceiling ${RPS[ceiling_r$r]} sqlite ${RPS[sqlite_r$r]} postgresql/ceiling ${PR[-1]}"
done
echo "ratio many-user GET on PostgreSQL / ceiling: $(ratio "${RPS[pg]}" "${RPS[ceiling]}") (medians; the rounds' own ratios: median $(printf '%s\n' "${PR[@]}" | median)) (target >= 0.70)"
echo "ratio many-user GET on PostgreSQL / on SQLite: $(ratio "${RPS[pg]}" "${RPS[sqlite]}")"
echo "POST on PostgreSQL: p99 ${P99[post_pg]} ms (target <= 25), non-2xx or errors $((NON2XX[post_pg] + ERRS[post_pg])) (target 0)"
