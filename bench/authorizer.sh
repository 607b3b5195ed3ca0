#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/authorizer.sh: the authorizer's cost (`make bench` runs it after
# bench/run.sh).  lighttpd from deploy/lighttpd.conf serves the same static
# file twice: under /protected/, where the authorizer (cgi-bin/authorize.c)
# checks every request's bearer token first, and under /open/ with no
# check.  Beside it two ceilings: bench/bare.c in userorders' place (one
# FastCGI round trip with a small answer, bench/lib.sh), and bench/bare.c
# in the authorizer's place (its 200 grants everything: the same file
# behind a FastCGI authorizer that does no work).  Every request carries
# the next one of BENCH_USERS users' tokens (bench/load.lua's get case), so
# no per-process cache can hide what a verification costs.  The four
# alternate for ROUNDS rounds and stand by their medians; the target is the
# protected file at 0.90 of the ceiling or better.
#
# Knobs as bench/run.sh's: WRK_THREADS WRK_CONNECTIONS WRK_DURATION WARMUP
# ROUNDS BENCH_USERS BENCH_ORDERS BENCH_PROCS SERVER_CPUS WRK_CPUS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
for tool in wrk curl jq timeout "$LIGHTTPD"; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 2; }
done
# wrk's arguments: warm-up, then the measured run.
WRK_RUN=(-t"${WRK_THREADS:-1}" -c"${WRK_CONNECTIONS:-32}" -s "$ROOT/bench/load.lua")
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-5}

. "$ROOT/bench/lib.sh"

# A copy of the site with the protected page also at /open/, and the
# executables of this checkout.
SITE=$TMP/site
mkdir -p "$SITE/build"
cp -R "$ROOT/web" "$SITE/web"
mkdir -p "$SITE/web/open"
cp "$ROOT/web/protected/index.html" "$SITE/web/open/index.html"
for p in login userorders refresh authorize; do
	ln -sf "$ROOT/build/$p" "$SITE/build/$p"
done
# The same with bench/bare.c as the authorizer.
mkdir -p "$TMP/bare-authorizer/build"
ln -sfn "$SITE/web" "$TMP/bare-authorizer/web"
for p in login userorders refresh; do
	ln -sf "$ROOT/build/$p" "$TMP/bare-authorizer/build/$p"
done
cp "$ROOT/build/bench/bare" "$TMP/bare-authorizer/build/authorize"

# run_case NAME URL: a warm-up, then one wrk run over every user's token
# (bench/load.lua's get case); its WRKRESULT fields go in R[NAME.field]
# (rps, p50_ms, p99_ms, max_ms, non2xx3xx), and its line is printed.
declare -A R
run_case() {
	local kv
	export BENCH_CASE=get BENCH_FILE=$TOKENS
	[[ $WARMUP == 0 || $WARMUP == 0s ]] ||
		timeout 300 ${WRK_CPUS:+taskset -c "$WRK_CPUS"} wrk "${WRK_RUN[@]}" \
		    -d"$WARMUP" "$2" >/dev/null
	for kv in $(timeout 300 ${WRK_CPUS:+taskset -c "$WRK_CPUS"} wrk "${WRK_RUN[@]}" \
	    -d"${WRK_DURATION:-10s}" "$2" | grep '^WRKRESULT'); do
		[[ $kv == *=* ]] && R[$1.${kv%%=*}]=${kv#*=}
	done
	echo "case=$1 rps=${R[$1.rps]} p50_ms=${R[$1.p50_ms]} p99_ms=${R[$1.p99_ms]} max_ms=${R[$1.max_ms]} non2xx3xx=${R[$1.non2xx3xx]}"
}

# median NAME ROUND...: NAME gets the fields of the round whose requests/s
# is the median of those named.
median() {
	local c=$1 n f
	shift
	n=$(for r in "$@"; do echo "${R[$r.rps]} $r"; done | sort -g |
	    awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }')
	for f in rps p50_ms p99_ms max_ms non2xx3xx; do R[$c.$f]=${R[$n.$f]}; done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "# jwt-auth authorizer bench: $(date -u +%FT%TZ) host_cpus=$(nproc); wrk ${WRK_RUN[*]:0:2} -d${WRK_DURATION:-10s} (warm-up $WARMUP), $ROUNDS rounds; $PROCS processes per executable"

start_lighttpd "$SITE" "${BENCH_ENV[@]}"
SVC_BASE=$BASE
bench_users
code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
[[ $(code -H "Authorization: Bearer $TOKEN" "$SVC_BASE/protected/index.html") == 200 &&
   $(code "$SVC_BASE/protected/index.html") == 401 &&
   $(code -H "Authorization: Bearer $BAD" "$SVC_BASE/protected/index.html") == 403 &&
   $(code "$SVC_BASE/open/index.html") == 200 ]] ||
	{ echo "bench: /protected/ does not answer 200, 401 and 403, or /open/ not 200" >&2; exit 1; }
start_ceiling
CEIL_BASE=$BASE
start_lighttpd "$TMP/bare-authorizer" "${BENCH_ENV[@]}"
BARE_BASE=$BASE

RP=() RO=() RC=() RB=()
for r in $(seq "$ROUNDS"); do
	run_case "protected_r$r" "$SVC_BASE/protected/index.html"
	run_case "open_r$r" "$SVC_BASE/open/index.html"
	run_case "ceiling_r$r" "$CEIL_BASE/api/userOrders"
	run_case "bare_authorizer_r$r" "$BARE_BASE/protected/index.html"
	RP+=("protected_r$r") RO+=("open_r$r") RC+=("ceiling_r$r")
	RB+=("bare_authorizer_r$r")
done
median protected "${RP[@]}"
median open "${RO[@]}"
median ceiling "${RC[@]}"
median bare_authorizer "${RB[@]}"

printf '\n| case | requests/s | p50 ms | p99 ms | max ms | not 2xx |\n| --- | ---: | ---: | ---: | ---: | ---: |\n'
for c in protected open ceiling bare_authorizer; do
	case $c in
	protected) label="GET /protected/index.html through the authorizer, $USERS users' tokens" ;;
	open) label="the same file unprotected (/open/index.html)" ;;
	ceiling) label="bare FastCGI ceiling, same script" ;;
	bare_authorizer) label="the same file behind bench/bare.c as the authorizer" ;;
	esac
	printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "${R[$c.rps]}" \
	    "${R[$c.p50_ms]}" "${R[$c.p99_ms]}" "${R[$c.max_ms]}" "${R[$c.non2xx3xx]}"
done
r=$(ratio "${R[protected.rps]}" "${R[ceiling.rps]}")
echo
echo "protected/ceiling=$r protected/open=$(ratio "${R[protected.rps]}" "${R[open.rps]}") protected/bare_authorizer=$(ratio "${R[protected.rps]}" "${R[bare_authorizer.rps]}")"
# protected/bare_authorizer is what verifying the token costs: the rest
# (the FastCGI round trip, the file) is the same in both.
if awk -v r="$r" 'BEGIN { exit !(r >= 0.90) }'; then
	echo "target met: the protected file at $r of the ceiling (>= 0.90)"
else
	echo "target missed: the protected file at $r of the ceiling (< 0.90)"
fi
