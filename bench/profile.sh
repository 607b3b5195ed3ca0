#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/profile.sh: what `make profile` runs.  Where a worker's time goes on
# GET /api/userOrders, on loopback, behind lighttpd as in `make bench`:
#   - worker CPU (user + system, from /proc/PID/stat) per request, and
#     requests/s, for the 200 case with many users' tokens and with one,
#     the 401 and 403 cases, and the bare ceiling (bench/load.lua each);
#   - system calls per request of the many-user 200 case (strace -c), by
#     count and by wall-clock time inside them (strace -c -w);
#   - the many-user 200 case under `perf record`: the top shared objects
#     and symbols.
# Knobs: PROFILE_SECONDS (8), WRK_CONNECTIONS (32), PROFILE_QUICK=1 (worker
# CPU only).  Needs perf and strace for the last two parts (skipped with a
# line saying so without them).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECS=${PROFILE_SECONDS:-8}
CONNS=${WRK_CONNECTIONS:-32}
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
for tool in wrk curl jq "$LIGHTTPD"; do
	command -v "$tool" >/dev/null || { echo "profile: $tool not found" >&2; exit 2; }
done

. "$ROOT/bench/lib.sh"

# cpu_ticks PROGRAM: utime + stime of lighttpd's PROGRAM workers, in ticks.
cpu_ticks() {
	local pid t=0
	for pid in $(pgrep -P "$LPID" -f "$1"); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
	done
	echo "$t"
}

# server_ticks: utime + stime of lighttpd itself, in ticks.
server_ticks() { awk '{print $14 + $15}' "/proc/$LPID/stat"; }

# cpu_case NAME CASE FILE: wrk with bench/load.lua's CASE over FILE's
# lines on userOrders; requests/s, worker and lighttpd CPU µs a request.
cpu_case() {
	local name=$1 a b la lb n hz
	hz=$(getconf CLK_TCK)
	BENCH_CASE=$2 BENCH_FILE=$3 wrk -t1 -c"$CONNS" -d2s -s "$LUA" "$BASE/api/userOrders" >/dev/null
	a=$(cpu_ticks userorders) la=$(server_ticks)
	n=$(BENCH_CASE=$2 BENCH_FILE=$3 wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$LUA" \
	    "$BASE/api/userOrders" | sed -n 's/^WRKRESULT requests=\([0-9]*\).*/\1/p')
	b=$(cpu_ticks userorders) lb=$(server_ticks)
	awk -v name="$name" -v n="$n" -v t=$((b - a)) -v l=$((lb - la)) \
	    -v hz="$hz" -v s="$SECS" \
	    'BEGIN { printf "case=%s rps=%.0f worker_cpu_us_per_request=%.1f lighttpd_cpu_us_per_request=%.1f\n",
	    name, n / s, t * 1e6 / hz / n, l * 1e6 / hz / n }'
}

# strace_case OPTS: strace -c OPTS on the userorders workers during a
# many-user load of 3 s; its table, counts divided by the requests served.
strace_case() {
	local pids spid n
	pids=$(pgrep -P "$LPID" -f userorders | sed 's/^/-p /' | paste -sd' ')
	# shellcheck disable=SC2086
	strace -c "$@" -o "$TMP/strace" $pids 2>/dev/null &
	spid=$!
	sleep 0.5
	n=$(BENCH_CASE=get BENCH_FILE=$TOKENS wrk -t1 -c"$CONNS" -d3s -s "$LUA" \
	    "$BASE/api/userOrders" | sed -n 's/^WRKRESULT requests=\([0-9]*\).*/\1/p')
	kill -INT "$spid"; wait "$spid" || true
	awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $1 ~ /^[0-9.]+$/ {
	    calls = (NF == 6) ? $4 : $4
	    printf "syscall %-16s calls_per_request=%.2f share_of_time=%s%% usecs_per_call=%s\n",
	    $NF, calls / n, $1, $3 }' "$TMP/strace" | sort -t= -k2 -rn
}

LUA=$ROOT/bench/load.lua
echo "# jwt-auth profile: wrk -t1 -c$CONNS -d${SECS}s, $USERS users' tokens round robin unless said; worker CPU from /proc (user + system); $PROCS"
start_lighttpd "$ROOT" "${BENCH_ENV[@]}"
bench_users
echo "$BAD" >"$TMP/bad"
: >"$TMP/none"
cpu_case userOrders_200_many get "$TOKENS"
cpu_case userOrders_200_one get "$TOKEN1"
cpu_case userOrders_401 get "$TMP/none"
cpu_case userOrders_403 get "$TMP/bad"

if [[ -n ${PROFILE_QUICK:-} ]]; then
	:
elif command -v strace >/dev/null; then
	echo "# system calls a request (many-user 200 case), by count"
	strace_case
	echo "# the same, by wall-clock time inside each call (strace -w: where a worker waits)"
	strace_case -w
else
	echo "# strace not installed: system calls not counted"
fi

if [[ -n ${PROFILE_QUICK:-} ]]; then
	:
elif command -v perf >/dev/null; then
	pids=$(pgrep -P "$LPID" -f userorders | paste -sd,)
	perf record -q -F 2999 -g -o "$TMP/perf.data" -p "$pids" -- sleep "$SECS" \
	    >/dev/null 2>&1 &
	ppid=$!
	BENCH_CASE=get BENCH_FILE=$TOKENS wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$LUA" \
	    "$BASE/api/userOrders" >/dev/null
	wait "$ppid" || true
	echo "# perf, many-user 200 case: share of worker samples by shared object"
	perf report -q -i "$TMP/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
	    awk 'NF >= 2 && $1 ~ /%$/ && n++ < 15 {print "dso", $0}'
	echo "# perf, many-user 200 case: top symbols"
	perf report -q -i "$TMP/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
	    awk 'NF >= 2 && $1 ~ /%$/ && n++ < 40 {print "sym", $0}'
	echo "# perf, many-user 200 case: with what each calls (children), top entries"
	perf report -q -i "$TMP/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
	    awk 'NF >= 2 && $1 ~ /%$/ && n++ < 40 {print "children", $0}'
else
	echo "# perf not installed: no sampled profile"
fi
stop_lighttpd

# The ceiling: the bare responder in userorders' place.
start_ceiling
cpu_case ceiling get "$TOKENS"
