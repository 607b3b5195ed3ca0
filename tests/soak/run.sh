#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/soak/run.sh (`make soak`): a bounded mixed load for SOAK_SECONDS
# (default 60) through lighttpd started from deploy/lighttpd.conf (its
# max-procs processes of each executable, as nobody when run as root),
# driven by wrk with tests/soak/mixed.lua: SOAK_CONNS (default 4)
# threads of one connection each, each with its own users: ~80% GET
# /api/userOrders (a reader's 20 orders), ~15% POST orders (a writer's),
# ~5% refreshes (rotating the reader's tokens).  Checks: no 5xx (nor 4xx:
# the tokens stay valid), no socket errors; every worker's VmRSS and
# RssAnon (/proc/PID/status) flat after the warm-up (the first
# SOAK_WARMUP seconds, default a sixth of the run, at most 10): growth at
# most max(20%, 1024 kB); the same workers at the end; every 201 has its
# row (rows counted with the sqlite3 CLI).  Prints a summary table and
# ends with "soak: N passed, N failed".
T_NAME=soak
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
# shellcheck source=tests/faults/lib.sh
. "$ROOT/tests/faults/lib.sh"
export LC_ALL=C
umask 0077

SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_CONNS=${SOAK_CONNS:-4}
WARM=${SOAK_WARMUP:-$((SOAK_SECONDS / 6))}
[ "$WARM" -gt 10 ] && WARM=10
[ "$WARM" -lt 1 ] && WARM=1
t_require wrk curl jq sqlite3 lighttpd

t_tmpdir
WRK=
cleanup() {
	[ -n "$WRK" ] && stop_pids "$WRK"
	stop_all_lighttpd
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

faults_setup
PW='correct horse battery'
DB=$T_TMP/db/auth.db
mkdir -p "$T_TMP/db"
app_own "$T_TMP/db"
if ! start_lighttpd soak "$DB"; then
	t_fail "lighttpd starts from deploy/lighttpd.conf" "$(tail -n 5 "$STDERR" 2>/dev/null)"
	t_done
	exit 1
fi
t_ok "lighttpd starts from deploy/lighttpd.conf on $URL ($(as_app id -un))"
mapfile -t WORKERS < <(for e in login userorders refresh; do workers "$e"; done)
n_login=$(conf_procs login) n_orders=$(conf_procs userorders) n_refresh=$(conf_procs refresh)
check_eq "$((n_login + n_orders + n_refresh)) workers (max-procs: login $n_login, userorders $n_orders, refresh $n_refresh)" \
    $((n_login + n_orders + n_refresh)) "${#WORKERS[@]}"

TOKENS=$T_TMP/tokens
RESULT=$T_TMP/result
: >"$TOKENS"
chmod 0644 "$TOKENS"
# Each connection: a reader with 20 orders (its GETs stay one size) and a
# writer (its list grows, but nobody reads it).
for i in $(seq "$SOAK_CONNS"); do
	signup "soakw$i"
	wa=$ACCESS
	signup "soak$i"
	[ "$STATUS" = 201 ] || continue
	for j in $(seq 20); do req_post "$ACCESS" "prefill-$j"; done
	[ "$STATUS" = 201 ] && printf 'soak%s %s %s %s\n' "$i" "$ACCESS" "$RTOKEN" "$wa" >>"$TOKENS"
done
check_eq "$((2 * SOAK_CONNS)) users signed up, with tokens, the readers with 20 orders" "$SOAK_CONNS" "$(wc -l <"$TOKENS")"

# mem PID: "VmRSS RssAnon" in kB.
mem() {
	awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } END { print r + 0, a + 0 }' "/proc/$1/status" 2>/dev/null
}

echo "# wrk: $SOAK_CONNS threads × 1 connection, ${SOAK_SECONDS} s; warm-up ${WARM} s"
SOAK_TOKENS=$TOKENS SOAK_RESULT=$RESULT wrk -t "$SOAK_CONNS" -c "$SOAK_CONNS" \
    -d "${SOAK_SECONDS}s" --timeout 10s -s "$ROOT/tests/soak/mixed.lua" "$URL" \
    >"$T_TMP/wrk.out" 2>&1 &
WRK=$!
sleep "$WARM"
declare -A M0 M1 NAME
for p in "${WORKERS[@]}"; do
	M0[$p]=$(mem "$p")
	NAME[$p]=$(cat "/proc/$p/comm" 2>/dev/null)
done
wait "$WRK"
wrk_rc=$?
WRK=
for p in "${WORKERS[@]}"; do M1[$p]=$(mem "$p"); done
check_eq "wrk ran to the end" 0 "$wrk_rc"
sed 's/^/# /' "$T_TMP/wrk.out"

r() { awk -v k="$1" '$1 == k { print $2 }' "$RESULT" 2>/dev/null; }
if [ ! -s "$RESULT" ]; then
	t_fail "wrk's script wrote its counts" "$(cat "$T_TMP/wrk.out")"
	t_done
	exit 1
fi
ROWS=$(db_query "$DB" "SELECT count(*) FROM orders WHERE username LIKE 'soakw%'")
ACKED=$(r post201)
errs=$(( $(r err_connect) + $(r err_read) + $(r err_write) + $(r err_timeout) ))

echo
echo "# ---------------- soak summary (${SOAK_SECONDS} s, $SOAK_CONNS connections) ----------------"
printf '# %-28s %s\n' "requests" "$(r requests) ($(( $(r requests) * 1000000 / ($(r duration_us) > 0 ? $(r duration_us) : 1) )) req/s)" \
    "  GET /api/userOrders" "$(r n_get)" "  POST /api/userOrders" "$(r n_post)" \
    "  POST /api/token" "$(r n_refresh)" \
    "statuses" "200×$(r s200) 201×$(r s201) 204×$(r s204) 4xx×$(r s4xx) 5xx×$(r s5xx) other×$(r s_other)" \
    "socket errors" "connect $(r err_connect), read $(r err_read), write $(r err_write), timeout $(r err_timeout)" \
    "latency" "p50 $(( $(r lat_p50_us) / 1000 )) ms, p99 $(( $(r lat_p99_us) / 1000 )) ms, max $(( $(r lat_max_us) / 1000 )) ms" \
    "refreshes rotated" "$(r refresh200)" \
    "orders acknowledged (201)" "$ACKED" "orders in the database" "$ROWS"
printf '# %-6s %-10s %21s %21s  %s\n' PID worker "VmRSS kB start→end" "RssAnon kB start→end" verdict
grown=
for p in "${WORKERS[@]}"; do
	read -r r0 a0 <<<"${M0[$p]:-0 0}"
	read -r r1 a1 <<<"${M1[$p]:-0 0}"
	v=flat
	if ! pid_alive "$p"; then
		v="GONE"
		grown="$grown $p(gone)"
	else
		for pair in "VmRSS $r0 $r1" "RssAnon $a0 $a1"; do
			read -r what s e <<<"$pair"
			allow=$((s / 5 > 1024 ? s / 5 : 1024))
			if [ "$((e - s))" -gt "$allow" ]; then
				v="GREW ($what +$((e - s)) kB > $allow)"
				grown="$grown ${NAME[$p]}:$p:$what+$((e - s))kB"
			fi
		done
	fi
	printf '# %-6s %-10s %10s→%-10s %10s→%-10s  %s\n' "$p" "${NAME[$p]}" "$r0" "$r1" "$a0" "$a1" "$v"
done
echo "# -------------------------------------------------------------------------"

check_eq "no 5xx" 0 "$(r s5xx)"
check_eq "no 4xx (every token stayed valid through the rotations)" 0 "$(r s4xx)"
check_eq "no socket errors or timeouts" 0 "$errs"
check_eq "every answer's body had the expected shape" 0 "$(r bad_body)"
check_eq "requests were made of all three kinds" yes \
    "$([ "$(r n_get)" -gt 0 ] && [ "$(r n_post)" -gt 0 ] && [ "$(r n_refresh)" -gt 0 ] && echo yes)"
check_eq "every worker alive and its VmRSS and RssAnon flat after the warm-up (growth ≤ max(20%, 1024 kB))" "" "$grown"
# wrk abandons the requests in flight when time is up: those may be
# stored without their 201 having been counted (at most one a connection).
if [ -n "$ROWS" ] && [ "$ROWS" -ge "$ACKED" ] && [ "$((ROWS - ACKED))" -le "$SOAK_CONNS" ]; then
	t_ok "every acknowledged order is in the database ($ACKED acknowledged, $ROWS rows; at most $SOAK_CONNS in flight at the end)"
else
	t_fail "every acknowledged order is in the database" "$ACKED acknowledged, ${ROWS:-?} rows"
fi
check_eq "integrity_check after the soak" ok "$(db_query "$DB" 'PRAGMA integrity_check')"
check_eq "no backend died (no \"child exited/signalled\" in the error log)" "" \
    "$(grep -iE 'child (exited|signalled)' "$ERRLOG" 2>/dev/null | head -n 3)"
stop_all_lighttpd
t_done
