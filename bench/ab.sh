#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/ab.sh OTHER_TREE [LABEL_A LABEL_B]: before and after on a noisy
# machine.  This tree (A) and OTHER_TREE (B, a checkout with its own `make
# all`, e.g. from `git worktree add` or `git archive`) each behind their own
# lighttpd from this tree's configuration, both up at once with the same
# users (bench/lib.sh), then in turn, ROUNDS times: A and B on the
# many-user GET, A and B on the one-token GET (AB_CASES="many one"; "post"
# is the many-user POST /api/userOrders).  Prints each round and the
# medians, and B / A.  Knobs as bench/run.sh (WRK_*, WARMUP, ROUNDS,
# BENCH_USERS, BENCH_PROCS).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 1 && -x $1/build/userorders ]] || { echo "usage: bench/ab.sh OTHER_TREE (with build/userorders)" >&2; exit 2; }
OTHER=$(cd "$1" && pwd)
LA=${2:-A} LB=${3:-B}
THREADS=${WRK_THREADS:-1}
CONNS=${WRK_CONNECTIONS:-32}
DURATION=${WRK_DURATION:-10s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-5}
LUA=$ROOT/bench/load.lua
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
for tool in wrk curl jq timeout "$LIGHTTPD"; do
	command -v "$tool" >/dev/null || { echo "ab: $tool not found" >&2; exit 2; }
done

. "$ROOT/bench/lib.sh"

# one NAME CASE FILE URL: a warm-up, a run; "NAME rps p50 p99 max".
one() {
	local -a run=(env BENCH_CASE="$2" BENCH_FILE="$3" timeout 300 wrk
	    -t"$THREADS" -c"$CONNS" -s "$LUA" "$4")
	[[ $WARMUP == 0 || $WARMUP == 0s ]] || "${run[@]}" -d"$WARMUP" >/dev/null
	"${run[@]}" -d"$DURATION" | sed -n "s/^WRKRESULT .* rps=\([0-9.]*\) p50_ms=\([0-9.]*\) .* p99_ms=\([0-9.]*\) max_ms=\([0-9.]*\) non2xx3xx=\([0-9]*\) errors=\([0-9]*\).*/$1 \1 \2 \3 \4 \5 \6/p"
}

echo "# bench/ab.sh: A=$LA ($ROOT) B=$LB ($OTHER); wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds, $USERS users, $PROCS"
start_lighttpd "$ROOT" "${BENCH_ENV[@]}"
A=$BASE
bench_users
start_lighttpd "$OTHER" "${BENCH_ENV[@]}"
B=$BASE
bench_users	# the same names and key: every token serves both
read -ra cases <<<"${AB_CASES:-many one}"
for r in $(seq "$ROUNDS"); do
	for c in "${cases[@]}"; do
		case $c in
		many) f=$TOKENS w=get ;;
		one) f=$TOKEN1 w=get ;;
		post) f=$TOKENS w=post ;;
		*) echo "ab: unknown case $c" >&2; exit 2 ;;
		esac
		one "round=$r case=$c side=A" "$w" "$f" "$A/api/userOrders"
		one "round=$r case=$c side=B" "$w" "$f" "$B/api/userOrders"
	done
done | tee "$TMP/ab"
echo
echo "| case | $LA req/s | $LB req/s | $LB / $LA (medians) | rounds' own ratios, median | $LA p99 ms | $LB p99 ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in "${cases[@]}"; do
	awk -v c="case=$c" -v la="$LA" -v lb="$LB" '
	function med(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((n + 1) / 2)]
	}
	$2 == c { r = substr($1, 7); if ($3 == "side=A") { na++; a[na] = $4; pa[na] = $6; ra[r] = $4 }
	    else { nb++; b[nb] = $4; pb[nb] = $6; rb[r] = $4 } }
	END {
		for (r in ra) if (r in rb) { nr++; q[nr] = rb[r] / ra[r] }
		ma = med(a, na); mb = med(b, nb)
		printf "| %s | %.0f | %.0f | %.3f | %.3f | %s | %s |\n", substr(c, 6), ma, mb, mb / ma, med(q, nr), med(pa, na), med(pb, nb)
	}' "$TMP/ab"
done
