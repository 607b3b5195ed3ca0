#!/usr/bin/env bash
# bench/run.sh: what `make bench` runs after building.  On loopback only:
#   1. the service behind lighttpd (deploy/lighttpd.conf, 2 processes per
#      executable), a user with a few orders, and wrk on four cases:
#      GET /api/userOrders with a valid token (200), without one (401), with
#      a bad signature (403), and POST /api/userOrders (201);
#   2. the ceiling: bench/bare.c (a fixed small JSON) in userorders' place,
#      behind the same lighttpd configuration;
#   3. the tutorial's Express app with ../shared/bench/peer-bench.sh, faithful
#      and with SECRET_KEYOBJECT=1 (skipped with a line saying so if that
#      script is not beside the checkout);
#   4. the microbenchmark of the auth object (build/bench/micro).
# Then one table: requests/s, p50, p99 per case; the ratios of our 200 path
# to the ceiling and to both Express forms; RSS and RssAnon of every worker.
#
# Knobs: WRK_THREADS (1) WRK_CONNECTIONS (32) WRK_DURATION (10s) WARMUP (2s)
# PEER_BENCH (path of peer-bench.sh).  Everything stops by PID at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
THREADS=${WRK_THREADS:-1}
CONNS=${WRK_CONNECTIONS:-32}
DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-2s}
PEER_BENCH=${PEER_BENCH:-$ROOT/../shared/bench/peer-bench.sh}
LUA=$ROOT/bench/summary.lua
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)

for tool in wrk curl jq "$LIGHTTPD"; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 2; }
done

TMP=$(mktemp -d -t jwt-bench.XXXXXX)
LPID=
stop_lighttpd() {
	[[ -n $LPID ]] || return 0
	kill -TERM "$LPID" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$LPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$LPID" 2>/dev/null || true
	wait "$LPID" 2>/dev/null || true
	LPID=
	sleep 0.5	# lighttpd SIGTERMs its backends; let them go
}
cleanup() {
	local rc=$?
	stop_lighttpd
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 10000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}

# start_lighttpd APP_ROOT: lighttpd from deploy/lighttpd.conf, the binaries
# of APP_ROOT/build, on a free port; sets BASE.
start_lighttpd() {
	local app=$1 dir
	dir=$(mktemp -d -p "$TMP")
	mkdir -p "$dir/run" "$dir/log"
	: >"$dir/env"
	PORT=$(free_port)
	(
		exec env - PATH="$PATH" APP_ROOT="$app" PORT="$PORT" \
		    RUN_DIR="$dir/run" LOG_DIR="$dir/log" ENV_FILE="$dir/env" \
		    DATABASE_PATH="$dir/auth.db" TOKEN_SECRET_FILE="$TMP/secret" \
		    "$LIGHTTPD" -D -f "$ROOT/deploy/lighttpd.conf"
	) >"$dir/log/stderr" 2>&1 &
	LPID=$!
	BASE=http://127.0.0.1:$PORT
	for _ in $(seq 100); do
		curl -s -o /dev/null -m 2 "$BASE/" && return 0
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: lighttpd did not start:" >&2
	cat "$dir/log/stderr" "$dir/log/lighttpd-error.log" >&2 2>/dev/null
	exit 1
}

# The workers lighttpd spawned: children of LPID.
workers() { pgrep -P "$LPID" || true; }

# wrk_case NAME URL [wrk args...]: warm up, run, print one result line.
declare -A RPS P50 P99 NON2XX
wrk_case() {
	local name=$1 url=$2 line
	shift 2
	[[ $WARMUP == 0 || $WARMUP == 0s ]] ||
		wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s "$LUA" "$@" "$url" >/dev/null
	line=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$LUA" "$@" "$url" |
	    grep '^WRKRESULT')
	RPS[$name]=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
	P50[$name]=$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")
	P99[$name]=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
	NON2XX[$name]=$(sed -n 's/.* non2xx3xx=\([0-9]*\).*/\1/p' <<<"$line")
	echo "case=$name rps=${RPS[$name]} p50_ms=${P50[$name]} p99_ms=${P99[$name]} non2xx3xx=${NON2XX[$name]}"
}

# The secret, as the tutorial makes it, in a file (never on a command line).
(umask 077; od -An -tx1 -N64 /dev/urandom | tr -d ' \n' >"$TMP/secret")

echo "# jwt-auth bench: host_cpus=$(nproc) wrk -t$THREADS -c$CONNS -d$DURATION (warm-up $WARMUP); wrk and the servers share the CPUs"

# 1. The service.
start_lighttpd "$ROOT"
J='Content-Type: application/json'
TOKEN=$(curl -s -m 10 -H "$J" -d '{"username":"bench","password":"bench password"}' \
    "$BASE/api/createNewUser" | jq -r .access_token)
[[ $TOKEN == *.*.* ]] || { echo "bench: no token from createNewUser" >&2; exit 1; }
for i in 1 2 3; do
	curl -s -o /dev/null -m 5 -H "$J" -H "Authorization: Bearer $TOKEN" \
	    -d "{\"item\":\"item $i\",\"quantity\":$i}" "$BASE/api/userOrders"
done
BAD=${TOKEN%.*}.$(printf 'A%.0s' $(seq 43))
code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
[[ $(code -H "Authorization: Bearer $TOKEN" "$BASE/api/userOrders") == 200 &&
   $(code "$BASE/api/userOrders") == 401 &&
   $(code -H "Authorization: Bearer $BAD" "$BASE/api/userOrders") == 403 ]] ||
	{ echo "bench: a case does not answer as expected" >&2; exit 1; }
cat >"$TMP/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"item":"wrk","quantity":1}'
wrk.headers["Content-Type"] = "application/json"
EOF
cat "$LUA" >>"$TMP/post.lua"

wrk_case userOrders_200 "$BASE/api/userOrders" -H "Authorization: Bearer $TOKEN"
wrk_case userOrders_401 "$BASE/api/userOrders"
wrk_case userOrders_403 "$BASE/api/userOrders" -H "Authorization: Bearer $BAD"
LUA_SAVED=$LUA LUA=$TMP/post.lua
wrk_case userOrders_POST "$BASE/api/userOrders" -H "Authorization: Bearer $TOKEN"
LUA=$LUA_SAVED

MEM=()
for pid in $(workers); do
	MEM+=("$(awk -v p="$pid" -v n="$(tr '\0' ' ' <"/proc/$pid/cmdline" | awk '{print $1}' | xargs basename)" \
	    '/^VmRSS/{r=$2} /^RssAnon/{a=$2} END{printf "worker %-10s pid=%-7s rss_kb=%-6s rss_anon_kb=%s", n, p, r, a}' \
	    "/proc/$pid/status")")
done
stop_lighttpd

# 2. The ceiling: the bare responder in userorders' place.
mkdir -p "$TMP/ceiling/build"
ln -s "$ROOT/web" "$TMP/ceiling/web"
ln -s "$ROOT/build/login" "$TMP/ceiling/build/login"
ln -s "$ROOT/build/refresh" "$TMP/ceiling/build/refresh"
cp "$ROOT/build/bench/bare" "$TMP/ceiling/build/userorders"
start_lighttpd "$TMP/ceiling"
wrk_case ceiling "$BASE/api/userOrders"
stop_lighttpd

# 3. The tutorial's Express app, faithful and tuned.
peer_line() {	# ENV... : the peer's userOrders line
	env "$@" CASES=userOrders RUNS=1 WRK_THREADS="$THREADS" \
	    WRK_CONNECTIONS="$CONNS" WRK_DURATION="$DURATION" WARMUP="$WARMUP" \
	    bash "$PEER_BENCH" 2>/dev/null | grep '^case=userOrders' | head -n1
}
for form in express express_tuned; do
	RPS[$form]=
done
if [[ -r $PEER_BENCH ]] && command -v node >/dev/null; then
	for form in express express_tuned; do
		if [[ $form == express ]]; then line=$(peer_line SECRET_KEYOBJECT=); else line=$(peer_line SECRET_KEYOBJECT=1); fi
		RPS[$form]=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
		P50[$form]=$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")
		P99[$form]=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
		echo "case=$form rps=${RPS[$form]:-?} p50_ms=${P50[$form]:-?} p99_ms=${P99[$form]:-?}"
	done
else
	echo "# the Express peer was not measured: $PEER_BENCH or node is missing"
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
echo "ratio userOrders_200 / ceiling: $(ratio "${RPS[userOrders_200]}" "${RPS[ceiling]}") (target >= 0.90)"
echo "ratio userOrders_200 / express (faithful): $(ratio "${RPS[userOrders_200]}" "${RPS[express]:-}") (target >= 12)"
echo "ratio userOrders_200 / express (SECRET_KEYOBJECT=1): $(ratio "${RPS[userOrders_200]}" "${RPS[express_tuned]:-}") (target >= 2.5)"
echo "p99 userOrders_200 ${P99[userOrders_200]} ms vs tuned express p50 ${P50[express_tuned]:-n/a} ms (target: below)"
printf '%s\n' "${MEM[@]}"
echo "(target: rss_anon_kb <= 2048 per worker)"
echo "$MICRO"
