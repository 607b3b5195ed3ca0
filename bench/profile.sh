#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/profile.sh: what `make profile` runs.  Where a worker's time goes on
# GET /api/userOrders, on loopback, behind lighttpd as in `make bench`:
#   - worker CPU (user + system, from /proc/PID/stat) per request, and
#     requests/s, for the 200, 401 and 403 cases and for the bare ceiling;
#   - system calls per request of the 200 case (strace -c, 200 requests);
#   - the 200 case under `perf record`: the top shared objects and symbols.
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

# cpu_case NAME [wrk args...]: wrk on userOrders; worker and lighttpd CPU
# µs a request.
cpu_case() {
	local name=$1 a b la lb n hz
	shift
	hz=$(getconf CLK_TCK)
	wrk -t1 -c"$CONNS" -d2s "$@" "$BASE/api/userOrders" >/dev/null
	a=$(cpu_ticks userorders) la=$(server_ticks)
	n=$(wrk -t1 -c"$CONNS" -d"${SECS}s" "$@" "$BASE/api/userOrders" |
	    awk '/requests in/ {print $1}')
	b=$(cpu_ticks userorders) lb=$(server_ticks)
	awk -v name="$name" -v n="$n" -v t=$((b - a)) -v l=$((lb - la)) \
	    -v hz="$hz" -v s="$SECS" \
	    'BEGIN { printf "case=%s rps=%.0f worker_cpu_us_per_request=%.1f lighttpd_cpu_us_per_request=%.1f\n",
	    name, n / s, t * 1e6 / hz / n, l * 1e6 / hz / n }'
}

echo "# jwt-auth profile: wrk -t1 -c$CONNS -d${SECS}s, worker CPU from /proc (user + system)"
start_lighttpd "$ROOT"
bench_user
AUTH="Authorization: Bearer $TOKEN"
cpu_case userOrders_200 -H "$AUTH"
cpu_case userOrders_401
cpu_case userOrders_403 -H "Authorization: Bearer $BAD"

if [[ -n ${PROFILE_QUICK:-} ]]; then
	:
elif command -v strace >/dev/null; then
	pids=$(pgrep -P "$LPID" -f userorders | sed 's/^/-p /' | paste -sd' ')
	# shellcheck disable=SC2086
	strace -c -o "$TMP/strace" $pids 2>/dev/null &
	spid=$!
	sleep 0.5
	for _ in $(seq 200); do
		curl -s -o /dev/null -H "$AUTH" "$BASE/api/userOrders"
	done
	kill -INT "$spid"; wait "$spid" || true
	echo "# system calls a request (200 case, 200 requests)"
	awk '$NF ~ /^[a-z_0-9]+$/ && $(NF-1) ~ /^[0-9]+$/ && $NF != "total" {
	    calls = ($(NF-2) ~ /^[0-9]+$/ && NF == 6) ? $(NF-2) : $(NF-1)
	    printf "syscall %-16s %.2f\n", $NF, calls / 200 }' "$TMP/strace" |
	    sort -k3 -rn
else
	echo "# strace not installed: system calls not counted"
fi

if [[ -n ${PROFILE_QUICK:-} ]]; then
	:
elif command -v perf >/dev/null; then
	pids=$(pgrep -P "$LPID" -f userorders | paste -sd,)
	perf record -q -F 2999 -o "$TMP/perf.data" -p "$pids" -- sleep "$SECS" \
	    >/dev/null 2>&1 &
	ppid=$!
	wrk -t1 -c"$CONNS" -d"${SECS}s" -H "$AUTH" "$BASE/api/userOrders" >/dev/null
	wait "$ppid" || true
	echo "# perf, 200 case: share of worker samples by shared object"
	perf report -q -i "$TMP/perf.data" --no-children --sort dso --stdio 2>/dev/null |
	    awk 'NF >= 2 && $1 ~ /%$/ && n++ < 15 {print "dso", $0}'
	echo "# perf, 200 case: top symbols"
	perf report -q -i "$TMP/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null |
	    awk 'NF >= 2 && $1 ~ /%$/ && n++ < 30 {print "sym", $0}'
else
	echo "# perf not installed: no sampled profile"
fi
stop_lighttpd

# The ceiling: the bare responder in userorders' place.
start_ceiling
cpu_case ceiling
