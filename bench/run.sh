#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run.sh: what `make bench` runs after building (bench/README.md).  On
# loopback only, every load bounded in time:
#   1. the service behind lighttpd (deploy/lighttpd.conf; BENCH_PROCS
#      processes per executable when set), with BENCH_USERS users (1000),
#      BENCH_ORDERS orders each (3), made by build/bench/seed straight into
#      its store; and beside it the ceiling: bench/bare.c (a fixed small
#      JSON) in userorders' place behind the same configuration;
#   2. ROUNDS times in turn, ROUND_DURATION each: GET /api/userOrders
#      round robin over every user's token (bench/load.lua), the ceiling
#      under the same script (it ignores the token), and the same GET with
#      one token over and over (every other round in the reverse order,
#      the ceiling always between the two); each stands by its median
#      round, and each round's own ratio is printed beside it;
#   3. once each: no token (401), a bad signature (403), POST
#      /api/userOrders round robin over the users (201, a commit each),
#      POST /api/token over their refresh tokens (200: a rotation, a commit
#      and a signing), POST /api/login over their names (200: Argon2id;
#      LOGIN_CONNECTIONS connections, the bench's ENV_FILE turns login and
#      sign-up throttling off so that hashing is what is measured);
#   4. the tutorial's Express server (tests/peer), faithful and with
#      SECRET_KEYOBJECT=1, the same users signed up with it, on the
#      many-user GET (skipped with a line saying so without node);
#   4b. the many-user GET with TOKEN_ALG EdDSA and ES256 beside the
#      ceiling, cold, and an Express app verifying with jose
#      (bench/asym.sh);
#   5. the disk's fsync (build/bench/fsync) and the auth object alone
#      (build/bench/micro).
# Then the tables (bench/README.md shows the last one) and the targets.
#
# Knobs: WRK_THREADS (1) WRK_CONNECTIONS (32) WRK_DURATION (10s) WARMUP (2s)
# ROUNDS (9) ROUND_DURATION (4s) ROUND_WARMUP (1s) LOGIN_CONNECTIONS (4)
# BENCH_USERS BENCH_ORDERS BENCH_PROCS, SERVER_CPUS, WRK_CPUS (taskset).  Everything stops by PID at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

. "$ROOT/bench/wrk.sh"
. "$ROOT/bench/lib.sh"

echo "# jwt-auth bench: $(date -u +%FT%TZ) host_cpus=$(nproc) $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "# node=$(node --version 2>/dev/null || echo none) wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP), $ROUNDS GET rounds of $ROUND_DURATION (warm-up $ROUND_WARMUP); $PROCS; wrk and the servers share the CPUs"

# 1. The service and, beside it, the ceiling: both stay up, so the rounds
# can alternate and a machine that slows down for a while slows both alike.
start_lighttpd "$ROOT" "${BENCH_ENV[@]}"
SVC_PID=$LPID SVC_BASE=$BASE SVC_DIR=$LDIR
bench_users
start_ceiling
CEIL_BASE=$BASE
echo "$BAD" >"$TMP/bad"
: >"$TMP/none"

# 2. The GET rounds.
get_rounds many "$TOKENS" "$SVC_BASE/api/userOrders" \
    ceiling "$TOKENS" "$CEIL_BASE/api/userOrders" \
    one "$TOKEN1" "$SVC_BASE/api/userOrders"

# 3. The rest, once each.
wrk_case noauth get "$TMP/none" "$SVC_BASE/api/userOrders"
wrk_case badsig get "$TMP/bad" "$SVC_BASE/api/userOrders"
wrk_case post post "$TOKENS" "$SVC_BASE/api/userOrders"
wrk_case refresh refresh "$REFRESH" "$SVC_BASE/api/token"
wrk_case login login "$NAMES" "$SVC_BASE/api/login" "$LOGIN_CONNS"

# Memory once the last requests are done (a login's Argon2id holds 64 MiB
# while it runs, and wrk leaves some queued when it stops).
sleep 2
MEM=()
for pid in $(pgrep -P "$SVC_PID"); do
	MEM+=("$(awk -v p="$pid" -v n="$(tr '\0' ' ' <"/proc/$pid/cmdline" | awk '{print $1}' | xargs basename)" \
	    '/^VmRSS/{r=$2} /^RssAnon/{a=$2} END{printf "worker %-10s pid=%-7s rss_kb=%-6s rss_anon_kb=%s", n, p, r, a}' \
	    "/proc/$pid/status")")
done
FSYNC=$("$ROOT/build/bench/fsync" "$SVC_DIR" 300)
stop_lighttpd
stop_lighttpd "$SVC_PID"

# 4. The tutorial's Express server, faithful and tuned, on the same load.
if command -v node >/dev/null; then
	for form in express express_tuned; do
		if [[ $form == express ]]; then start_peer; else start_peer SECRET_KEYOBJECT=1; fi
		peer_users
		wrk_case "$form" get "$TOKENS" "$PEER_BASE/api/userOrders"
		stop_peer
	done
else
	echo "# the Express peer was not measured: node is missing (deploy/deps.sh test)"
fi

# 4b. Asymmetric tokens (bench/asym.sh; BENCH_ALGS= skips them).
. "$ROOT/bench/asym.sh"

# 5. The disk and the auth object alone.
MICRO=$("$ROOT/build/bench/micro")
RAW=$(sed -n 's/.*raw_pwhash_verify_per_s=\([0-9.]*\).*/\1/p' <<<"$MICRO")
HASHERS=$(nproc)	# PWHASH_MAX_CONCURRENT's default

echo
echo "Many users: $USERS users, $ORDERS orders each, their tokens round robin; wrk -t$THREADS -c$CONNS -d$DURATION ($ROUNDS GET rounds of $ROUND_DURATION); $PROCS"
echo
echo "| case | requests/s | p50 ms | p99 ms | max ms | non-2xx or errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
row "GET /api/userOrders (200), median of $ROUNDS rounds" many
row "bare FastCGI ceiling, same script, median of $ROUNDS rounds" ceiling
row "Express, faithful" express
row "Express, \`SECRET_KEYOBJECT=1\`" express_tuned
row "POST /api/userOrders (201, a commit each)" post
row "POST /api/token (200: rotation and signing)" refresh
row "POST /api/login (200: Argon2id), -c$LOGIN_CONNS" login
echo
echo "One token over and over (every per-process cache hits):"
echo
echo "| case | requests/s | p50 ms | p99 ms | max ms | non-2xx or errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
row "GET /api/userOrders, one token (200), median of $ROUNDS rounds" one
row "GET /api/userOrders, no token (401)" noauth
row "GET /api/userOrders, bad signature (403)" badsig
echo
PM=() PO=()
for r in $(seq "$ROUNDS"); do
	PM+=("$(ratio "${RPS[many_r$r]}" "${RPS[ceiling_r$r]}")")
	PO+=("$(ratio "${RPS[one_r$r]}" "${RPS[ceiling_r$r]}")")
	echo "round $r: many ${RPS[many_r$r]} ceiling ${RPS[ceiling_r$r]} one ${RPS[one_r$r]} many/ceiling ${PM[-1]} one/ceiling ${PO[-1]}"
done
echo "ratio many-user GET / ceiling: $(ratio "${RPS[many]}" "${RPS[ceiling]}") (medians; the rounds' own ratios: median $(printf '%s\n' "${PM[@]}" | median)) (target >= 0.90)"
echo "ratio one-token GET / ceiling: $(ratio "${RPS[one]}" "${RPS[ceiling]}") (medians; the rounds' own ratios: median $(printf '%s\n' "${PO[@]}" | median))"
echo "ratio many-user GET / Express faithful: $(ratio "${RPS[many]}" "${RPS[express]:-}"); / Express tuned: $(ratio "${RPS[many]}" "${RPS[express_tuned]:-}") (target >= 3)"
for c in post refresh; do
	echo "$c: p99/p50 $(ratio "${P99[$c]}" "${P50[$c]}") (target <= 3), max ${MAX[$c]} ms (target <= 100), non-2xx or errors $((NON2XX[$c] + ERRS[$c])) (target 0)"
done
echo "disk: $FSYNC"
echo "login: $(ratio "${RPS[login]}" "$(awk -v r="$RAW" -v n="$HASHERS" 'BEGIN{print r * n}')") of $HASHERS x raw crypto_pwhash_str_verify ($RAW/s on one CPU, build/bench/micro)"
printf '%s\n' "${MEM[@]}"
echo "(target: rss_anon_kb <= 2048 per worker)"
echo "$MICRO"
asym_report
