# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# bench/wrk.sh: sourced by bench/run.sh and bench/pg.sh (ROOT set), before
# bench/lib.sh.  The wrk knobs (bench/run.sh lists them), the tools they
# need, and the cases: wrk_case runs bench/load.lua once and keeps its
# figures in RPS, P50, P99, MAX, NON2XX and ERRS by name; median_case,
# ratio, median and row (a table row) read them.
THREADS=${WRK_THREADS:-1}
CONNS=${WRK_CONNECTIONS:-32}
DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-9}
# The GET rounds are short and many: on a machine shared with other jobs,
# a disturbance then spoils few rounds, and the median passes over them.
ROUND_DURATION=${ROUND_DURATION:-4s}
ROUND_WARMUP=${ROUND_WARMUP:-1s}
# shellcheck disable=SC2034 # read by bench/run.sh
LOGIN_CONNS=${LOGIN_CONNECTIONS:-4}
LUA=$ROOT/bench/load.lua
WRK=(wrk)
[[ -z ${WRK_CPUS:-} ]] || WRK=(taskset -c "$WRK_CPUS" wrk)
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)

for tool in wrk curl jq timeout "$LIGHTTPD"; do
	command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 2; }
done

# Seconds of a wrk duration (10s, 1m), for the timeout around wrk.
secs() { case $1 in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac; }

# wrk_case NAME CASE FILE URL [CONNECTIONS]: bench/load.lua's CASE over the
# lines of FILE; a warm-up (none for refresh: it would spend the tokens),
# then a run; one result line.
declare -A RPS P50 P99 MAX NON2XX ERRS
wrk_case() {
	local name=$1 what=$2 file=$3 url=$4 c=${5:-$CONNS} line
	local -a run=(env BENCH_CASE="$what" BENCH_FILE="$file"
	    BENCH_PASSWORD="$PASSWORD" timeout $(($(secs "$DURATION") + 30)))
	if [[ $WARMUP != 0 && $WARMUP != 0s && $what != refresh ]]; then
		"${run[@]}" "${WRK[@]}" -t"$THREADS" -c"$c" -d"$WARMUP" -s "$LUA" "$url" >/dev/null
	fi
	line=$("${run[@]}" "${WRK[@]}" -t"$THREADS" -c"$c" -d"$DURATION" -s "$LUA" "$url" |
	    grep '^WRKRESULT')
	RPS[$name]=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
	P50[$name]=$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")
	P99[$name]=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")
	MAX[$name]=$(sed -n 's/.* max_ms=\([0-9.]*\).*/\1/p' <<<"$line")
	NON2XX[$name]=$(sed -n 's/.* non2xx3xx=\([0-9]*\).*/\1/p' <<<"$line")
	ERRS[$name]=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$line")
	echo "case=$name rps=${RPS[$name]} p50_ms=${P50[$name]} p99_ms=${P99[$name]} max_ms=${MAX[$name]} non2xx3xx=${NON2XX[$name]} errors=${ERRS[$name]}"
}

# round_case: wrk_case for one of the GET rounds (ROUND_DURATION).
round_case() {
	DURATION=$ROUND_DURATION WARMUP=$ROUND_WARMUP wrk_case "$@"
}

# get_rounds A FILE URL B FILE URL C FILE URL: ROUNDS GET rounds of the
# three, in turn, A B C and every other round C B A (so B, the ceiling, is
# always between the two it is compared with); the rounds are A_r1 ...,
# and A, B and C get their medians.
get_rounds() {
	local r i
	local -a a=("$@") names
	for r in $(seq "$ROUNDS"); do
		for i in 0 3 6; do
			((r % 2)) || i=$((6 - i))
			round_case "${a[i]}_r$r" get "${a[i + 1]}" "${a[i + 2]}"
		done
	done
	for i in 0 3 6; do
		names=()
		for r in $(seq "$ROUNDS"); do names+=("${a[i]}_r$r"); done
		median_case "${a[i]}" "${names[@]}"
	done
}

# median_case CASE NAME...: CASE gets the round whose requests/s is the
# median of the named rounds (the lower middle one for an even count).
median_case() {
	local c=$1 n
	shift
	n=$(for r in "$@"; do echo "${RPS[$r]} $r"; done | sort -g |
	    awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }')
	RPS[$c]=${RPS[$n]} P50[$c]=${P50[$n]} P99[$c]=${P99[$n]}
	MAX[$c]=${MAX[$n]} NON2XX[$c]=${NON2XX[$n]} ERRS[$c]=${ERRS[$n]}
}
ratio() { [[ -n ${1:-} && -n ${2:-} ]] && awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}' || echo "n/a"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# row TITLE NAME: a table row of the case NAME, nothing when it did not run.
row() {
	[[ -n ${RPS[$2]:-} ]] || return 0
	printf '| %s | %.0f | %s | %s | %s | %s |\n' "$1" "${RPS[$2]}" \
	    "${P50[$2]}" "${P99[$2]}" "${MAX[$2]}" "$((NON2XX[$2] + ERRS[$2]))"
}
