#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-faults.sh: faults injected into a running service, through
# lighttpd started from the real deploy/lighttpd.conf (its max-procs
# processes of each executable) on a free port, every request made with curl.  As root it runs
# lighttpd (and so the workers) as the unprivileged user nobody, so that
# file modes bind them, and mounts a small tmpfs for the full-disk test.
# Faults (each file in tests/faults/ says what it asserts and why):
#   1. kill -9 of a userorders worker during a load of order writes
#   2. the database folder made read-only, then moved away, after start
#   3. the database held locked by another writer (sqlite3 CLI) for 7 s
#   4. a full disk (tmpfs) under the database
#   5. SIGTERM to the workers during slow requests; clients that go away
# Ends with "faults: N passed, N failed".
T_NAME=faults
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
# shellcheck source=tests/faults/lib.sh
. "$ROOT/tests/faults/lib.sh"
export LC_ALL=C
umask 0077

t_require curl jq sqlite3 setpriv lighttpd

t_tmpdir
MOUNTS=()
JOBS=()
cleanup() {
	local m
	stop_pids "${JOBS[@]}"
	exec 3>&- 2>/dev/null
	stop_all_lighttpd
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	[ -d "$T_TMP/db.moved" ] && chmod 0700 "$T_TMP/db.moved"
	[ -d "$T_TMP/db" ] && chmod 0700 "$T_TMP/db"
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if ! faults_setup 2>"$T_TMP/setup.err"; then
	t_fail "a copy of build/, deploy/ and web/ the service's user can run" "$(cat "$T_TMP/setup.err")"
	t_done
	exit 1
fi
echo "# running the service as: $(as_app id -un) (uid $(as_app id -u)), from $APP_ROOT"

PW='correct horse battery'
DB=$T_TMP/db/auth.db
mkdir -p "$T_TMP/db"
app_own "$T_TMP/db"

# ---------------------------------------------------------------------
# Start
# ---------------------------------------------------------------------
if ! start_lighttpd main "$DB"; then
	t_fail "lighttpd starts from deploy/lighttpd.conf" "$(tail -n 5 "$T_TMP"/main/*.log "$T_TMP"/main/stderr 2>/dev/null)"
	t_done
	exit 1
fi
t_ok "lighttpd starts from deploy/lighttpd.conf on $URL as $(as_app id -un)"
mapfile -t UO < <(workers userorders)
UO_PROCS=$(conf_procs userorders)
check_eq "it runs $UO_PROCS userorders workers (max-procs)" "$UO_PROCS" "${#UO[@]}"

declare -A TOK
for u in k0 k1 k2 k3 ro lk sl big; do
	signup "$u"
	TOK[$u]=$ACCESS
done
check_eq "8 users signed up" 8 "$(db_query "$DB" 'SELECT count(*) FROM users')"

# ---------------------------------------------------------------------
echo "# 1. kill -9 of a userorders worker during a load of order writes"
# ---------------------------------------------------------------------
F1=$T_TMP/f1
mkdir -p "$F1"
N1=75	# per loop, 4 loops
for k in 0 1 2 3; do
	post_loop "$F1/loop.$k" "k$k" "${TOK[k$k]}" "$N1" "f1-$k" &
	JOBS+=($!)
done
# Let the load run, then kill a worker caught inside a request: its
# /proc/PID/syscall shows something other than accept(2) (43 on x86_64,
# where an idle worker waits), looking for at most 0.5 s.
wait_lines 40 "$F1" || true
VICTIM=
sc=
deadline=$(($(ms_of "$EPOCHREALTIME") + 500))
while [ "$(ms_of "$EPOCHREALTIME")" -lt "$deadline" ]; do
	for p in "${UO[@]}"; do
		read -r sc _ <"/proc/$p/syscall" 2>/dev/null || continue
		[ "$sc" != 43 ] && VICTIM=$p && break 2
	done
done
echo "# victim: ${VICTIM:-none caught busy, so ${UO[0]}} (syscall ${sc:-?})"
VICTIM=${VICTIM:-${UO[0]}}
KILL_T=$EPOCHREALTIME
kill -KILL "$VICTIM"
KILL_T=$(ms_of "$KILL_T")
wait "${JOBS[@]}"
JOBS=()
total=$(cat "$F1"/loop.* | wc -l)
check_eq "all $((4 * N1)) POSTs of the load were made and recorded" "$((4 * N1))" "$total"
echo "# statuses: $(cut -f5 "$F1"/loop.* | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')"
# in flight at the kill: started before it, answered after it
summ=$(cat "$F1"/loop.* | awk -F'\t' -v k="$KILL_T" '
	$3 <= k && $4 >= k { flight++ }
	$5 != 201 { fail++; if ($3 <= k && $4 >= k) inflight++; else if ($3 > k) after++; else before++;
		if ($3 > k + 1000) late++; if ($5 ~ /^4/) four++ }
	END { printf "%d %d %d %d %d %d %d", fail, inflight, after, before, four, flight, late }')
read -r nfail ninflight nafter nbefore nfour nflight nlate <<<"$summ"
echo "# requests in flight at the kill: $nflight (the load ran $(cat "$F1"/loop.* | awk -F'\t' -v k="$KILL_T" 'NR == 1 { a = $3; b = $4 } $3 < a { a = $3 } $4 > b { b = $4 } END { printf "from %d to %+d ms of the kill", a - k, b - k }'))"
echo "# failures: $nfail ($ninflight in flight at the kill, $nafter started after it, $nbefore answered before it)"
# In flight at the kill, or sent in the moment before lighttpd noticed.
if [ "$nfail" -le 8 ] && [ "$nfour" -eq 0 ] && [ "$nbefore" -eq 0 ] && [ "$nlate" -eq 0 ]; then
	t_ok "failures only around the kill: $nfail (at most 8): $ninflight in flight, $nafter sent within 1 s after; none answered before it; no 4xx"
else
	t_fail "failures only around the kill (at most 8; in flight, or sent within 1 s after; no 4xx)" \
	    "$nfail failed: $ninflight in flight, $nafter after ($nlate more than 1 s after), $nbefore before, $nfour 4xx" \
	    "$(cat "$F1"/loop.* | awk -F'\t' '$5 != 201' | head -n 10)"
fi
bad=$(cat "$F1"/loop.* | awk -F'\t' '$5 != 201 && $5 != "000" && $5 !~ /^5/')
check_eq "every failure is a 5xx or no answer (000)" "" "$bad"
acked=0 listed=0 lost='' extra=0
for k in 0 1 2 3; do
	ack_ids=$(awk -F'\t' '$5 == 201 { print $6 }' "$F1/loop.$k" | sort -n)
	req_get "${TOK[k$k]}"
	list_ids=$(json '.orders[] | select(.item | startswith("f1-")) | .id' | sort -n)
	acked=$((acked + $(grep -c . <<<"$ack_ids")))
	listed=$((listed + $(grep -c . <<<"$list_ids")))
	m=$(comm -23 <(printf '%s\n' "$ack_ids") <(printf '%s\n' "$list_ids") | grep .)
	[ -n "$m" ] && lost="$lost k$k:$(tr '\n' ',' <<<"$m")"
	extra=$((extra + $(comm -13 <(printf '%s\n' "$ack_ids") <(printf '%s\n' "$list_ids") | grep -c .)))
done
echo "# kill -9: $acked acknowledged (201), $listed found in GET /api/userOrders"
check_eq "every order acknowledged with 201 is listed by id (none missing)" "" "$lost"
if [ "$extra" -le "$nfail" ]; then
	t_ok "rows stored but not acknowledged ($extra) are at most the failed requests ($nfail)"
else
	t_fail "rows stored but not acknowledged are at most the failed requests" "$extra extra rows, $nfail failures"
fi
if [ -n "$VICTIM" ] && wait_gone 30 "$VICTIM"; then
	t_ok "the killed worker ($VICTIM) is gone"
else
	t_fail "the killed worker ($VICTIM) is gone" "still there"
fi
NEW=
for _ in $(seq 100); do
	mapfile -t now_uo < <(workers userorders)
	for p in "${now_uo[@]}"; do
		[[ " ${UO[*]} " != *" $p "* ]] && NEW=$p && NEW_MS=$(($(now_ms) - KILL_T))
	done
	[ -n "$NEW" ] && [ "${#now_uo[@]}" -eq "$UO_PROCS" ] && break
	sleep 0.1
done
check_eq "lighttpd restarted it: $UO_PROCS userorders workers, one new (seen ${NEW_MS:-?} ms after the kill)" "$UO_PROCS yes" "${#now_uo[@]} $([ -n "$NEW" ] && echo yes)"
if [ -n "$NEW" ]; then
	# lighttpd gives a request to the least loaded worker, the first one
	# on a tie, so a light load may never reach the new one: load rounds
	# of 8 × 10 GETs until it has answered one, for at most 20 rounds.
	w0=$(wchar "$NEW") w1=$w0 rounds=0
	: >"$T_TMP/f1.gets"
	while [ "$w1" -le "$w0" ] && [ "$rounds" -lt 20 ]; do
		parallel_gets "${TOK[k0]}" 8 10 >>"$T_TMP/f1.gets"
		w1=$(wchar "$NEW") rounds=$((rounds + 1))
	done
	check_eq "… and the new worker ($NEW) serves: $((rounds * 80)) GETs → 200, some by it" \
	    "200×$((rounds * 80)) yes" \
	    "$(sort "$T_TMP/f1.gets" | uniq -c | awk '{printf "%s×%s", $2, $1}') $([ "$w1" -gt "$w0" ] && echo yes)"
fi
echo "# lighttpd's error log around the kill:"
grep -iE 'child|died|restart|signal' "$ERRLOG" | tail -n 4 | sed 's/^/#   /'
mapfile -t UO < <(workers userorders)

# ---------------------------------------------------------------------
echo "# 2. the database folder read-only, then moved away, after start"
# ---------------------------------------------------------------------
if [ "$(as_app id -u)" = 0 ]; then
	t_fail "read-only folder: needs a non-root user (root ignores modes); not run"
else
	. "$ROOT/tests/faults/readonly.sh"
fi

# ---------------------------------------------------------------------
echo "# 3. the database held locked by another writer for 7 s"
# ---------------------------------------------------------------------
. "$ROOT/tests/faults/locked.sh"

# ---------------------------------------------------------------------
echo "# 5. SIGTERM during slow requests; clients that go away"
# ---------------------------------------------------------------------
. "$ROOT/tests/faults/sigterm.sh"

stop_all_lighttpd
# ---------------------------------------------------------------------
echo "# 4. a full disk under the database"
# ---------------------------------------------------------------------
. "$ROOT/tests/faults/fulldisk.sh"

stop_all_lighttpd
t_done
