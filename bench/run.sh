#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/run.sh: what `make bench` runs after building.  On loopback only:
#   1. the service behind lighttpd (deploy/lighttpd.conf, 2 processes per
#      executable), a user with a few orders, and wrk on four cases:
#      GET /api/userOrders with a valid token (200), without one (401), with
#      a bad signature (403), and POST /api/userOrders (201);
#   2. the ceiling: bench/bare.c (a fixed small JSON) in userorders' place,
#      behind the same lighttpd configuration, up beside the service; the 200
#      path and the ceiling are run in turn, ROUNDS times, and the median
#      round of each stands for it;
#   3. the tutorial's Express server (tests/peer, its modules installed
#      from its lock file when missing) on GET /api/userOrders with a valid
#      token, faithful and with SECRET_KEYOBJECT=1 (skipped with a line
#      saying so when node is missing);
#   4. the microbenchmark of the auth object (build/bench/micro).
# Then one table: requests/s, p50, p99 per case; the ratios of our 200 path
# to the ceiling and to both Express forms; RSS and RssAnon of every worker.
#
# Knobs: WRK_THREADS (1) WRK_CONNECTIONS (32) WRK_DURATION (10s) WARMUP (2s)
# ROUNDS (5: the 200 path and the ceiling in turn, compared by medians)
# SERVER_CPUS, WRK_CPUS (taskset).  Everything stops by PID at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
THREADS=${WRK_THREADS:-1}
CONNS=${WRK_CONNECTIONS:-32}
DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-5}
LUA=$ROOT/bench/summary.lua
WRK="${WRK_CPUS:+taskset -c $WRK_CPUS }wrk"
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)

for tool in wrk curl jq "$LIGHTTPD"; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 2; }
done

. "$ROOT/bench/lib.sh"

# wrk_case NAME URL [wrk args...]: warm up, run, print one result line.
declare -A RPS P50 P99 NON2XX
wrk_case() {
	local name=$1 url=$2 line
	shift 2
	[[ $WARMUP == 0 || $WARMUP == 0s ]] ||
		$WRK -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s "$LUA" "$@" "$url" >/dev/null
	line=$($WRK -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$LUA" "$@" "$url" |
	    grep '^WRKRESULT')
	RPS[$name]=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
	P50[$name]=$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")
	P99[$name]=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
	NON2XX[$name]=$(sed -n 's/.* non2xx3xx=\([0-9]*\).*/\1/p' <<<"$line")
	echo "case=$name rps=${RPS[$name]} p50_ms=${P50[$name]} p99_ms=${P99[$name]} non2xx3xx=${NON2XX[$name]}"
}

echo "# jwt-auth bench: host_cpus=$(nproc) node=$(node --version 2>/dev/null || echo none) wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP); wrk and the servers share the CPUs"

# 1. The service and, beside it, the ceiling: the bare responder in
# userorders' place behind its own lighttpd.  Both stay up, so the 200 path
# and the ceiling are measured in turn, ROUNDS times, and compared by their
# medians: a machine that slows down for a while slows both alike.
start_lighttpd "$ROOT"
SVC_PID=$LPID SVC_BASE=$BASE
bench_user
start_ceiling
CEIL_BASE=$BASE
cat >"$TMP/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"item":"wrk","quantity":1}'
wrk.headers["Content-Type"] = "application/json"
EOF
cat "$LUA" >>"$TMP/post.lua"

# median_case CASE NAME...: CASE gets the round whose requests/s is the
# median of the named rounds (the lower middle one for an even count).
median_case() {
	local c=$1 n
	shift
	n=$(for r in "$@"; do echo "${RPS[$r]} $r"; done | sort -g |
	    awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }')
	RPS[$c]=${RPS[$n]} P50[$c]=${P50[$n]} P99[$c]=${P99[$n]}
}
R200=() RCEIL=()
for r in $(seq "$ROUNDS"); do
	wrk_case "userOrders_200_r$r" "$SVC_BASE/api/userOrders" -H "Authorization: Bearer $TOKEN"
	wrk_case "ceiling_r$r" "$CEIL_BASE/api/userOrders"
	R200+=("userOrders_200_r$r") RCEIL+=("ceiling_r$r")
done
median_case userOrders_200 "${R200[@]}"
median_case ceiling "${RCEIL[@]}"

wrk_case userOrders_401 "$SVC_BASE/api/userOrders"
wrk_case userOrders_403 "$SVC_BASE/api/userOrders" -H "Authorization: Bearer $BAD"
LUA_SAVED=$LUA LUA=$TMP/post.lua
wrk_case userOrders_POST "$SVC_BASE/api/userOrders" -H "Authorization: Bearer $TOKEN"
LUA=$LUA_SAVED

MEM=()
for pid in $(pgrep -P "$SVC_PID"); do
	MEM+=("$(awk -v p="$pid" -v n="$(tr '\0' ' ' <"/proc/$pid/cmdline" | awk '{print $1}' | xargs basename)" \
	    '/^VmRSS/{r=$2} /^RssAnon/{a=$2} END{printf "worker %-10s pid=%-7s rss_kb=%-6s rss_anon_kb=%s", n, p, r, a}' \
	    "/proc/$pid/status")")
done
stop_lighttpd
stop_lighttpd "$SVC_PID"

# 3. The tutorial's Express server, faithful and tuned.
for form in express express_tuned; do
	RPS[$form]=
done
if command -v node >/dev/null; then
	for form in express express_tuned; do
		if [[ $form == express ]]; then start_peer; else start_peer SECRET_KEYOBJECT=1; fi
		wrk_case "$form" "$PEER_BASE/api/userOrders" -H "Authorization: Bearer $PEER_TOKEN"
		stop_peer
	done
else
	echo "# the Express peer was not measured: node is missing (deploy/deps.sh test)"
fi

# 4. The auth object alone.
MICRO=$("$ROOT/build/bench/micro")

ratio() { [[ -n ${1:-} && -n ${2:-} ]] && awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}' || echo "n/a"; }
echo
echo "| case | requests/s | p50 ms | p99 ms |"
echo "| --- | ---: | ---: | ---: |"
for c in userOrders_200 userOrders_401 userOrders_403 userOrders_POST ceiling express express_tuned; do
	[[ -n ${RPS[$c]:-} ]] || continue
	printf '| %s | %.0f | %s | %s |\n' "$c" "${RPS[$c]}" "${P50[$c]}" "${P99[$c]}"
done
echo
echo "ratio userOrders_200 / ceiling: $(ratio "${RPS[userOrders_200]}" "${RPS[ceiling]}") (target >= 0.90; medians of $ROUNDS rounds)"
PAIRED=()
for r in $(seq "$ROUNDS"); do
	PAIRED+=("$(ratio "${RPS[userOrders_200_r$r]}" "${RPS[ceiling_r$r]}")")
	echo "round $r: userOrders_200 ${RPS[userOrders_200_r$r]} ceiling ${RPS[ceiling_r$r]} ratio ${PAIRED[-1]}"
done
echo "ratio userOrders_200 / ceiling, paired: $(printf '%s\n' "${PAIRED[@]}" | sort -g |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') (the median of the rounds' own ratios)"
echo "ratio userOrders_200 / express (faithful): $(ratio "${RPS[userOrders_200]}" "${RPS[express]:-}") (target >= 12)"
echo "ratio userOrders_200 / express (SECRET_KEYOBJECT=1): $(ratio "${RPS[userOrders_200]}" "${RPS[express_tuned]:-}") (target >= 2.5)"
echo "p99 userOrders_200 ${P99[userOrders_200]} ms vs tuned express p50 ${P50[express_tuned]:-n/a} ms (target: below)"
printf '%s\n' "${MEM[@]}"
echo "(target: rss_anon_kb <= 2048 per worker)"
echo "$MICRO"
