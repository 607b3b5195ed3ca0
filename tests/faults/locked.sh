# shellcheck shell=bash disable=SC2034,SC2153
# SPDX-License-Identifier: ISC
# (sourced: the variables set here are read by the suite, and the
# suite's by these)
# Fault 3 (sourced by tests/suite-faults.sh): another writer (the sqlite3
# CLI, as the service's user) holds BEGIN IMMEDIATE for 7 s.  A POST started
# at once waits the busy timeout (5 s), then answers a JSON 503 with
# Retry-After and stores nothing; a POST started 3 s in waits for the
# release (at 7 s, within its own 5 s) and succeeds; a GET meanwhile answers
# at once (WAL); integrity_check is ok after.

F3=$T_TMP/f3
mkdir -p "$F3"
# locked_post NAME ITEM: a POST by "lk" in the background; its result in
# $F3/NAME as "status|ms|end_ms|id|shape|retry-after".
locked_post() {
	(
		exec 3>&-	# the locker's FIFO: only the suite may hold it open
		req_post "${TOK[lk]}" "$2"
		printf '%s|%s|%s|%s|%s|%s\n' "$STATUS" "$MS" "$(now_ms)" \
		    "$(json '.id // empty')" "$(shape)" \
		    "$(printf '%s\n' "$HEADERS" | sed -n 's/^[Rr]etry-[Aa]fter: *//p')" >"$F3/$1"
	) &
	JOBS+=($!)
}
# sleep_to MS: until MS ms after LOCK_T0.
sleep_to() {
	local d=$(($1 - ($(now_ms) - LOCK_T0)))
	[ "$d" -gt 0 ] && sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
	return 0
}
rm -f "$F3/fifo"
mkfifo "$F3/fifo"
chmod 0644 "$F3/fifo"
chmod 0755 "$F3"
as_app sqlite3 "$DB" <"$F3/fifo" >"$F3/locker.out" 2>&1 &
LOCKER=$!
JOBS+=("$LOCKER")
exec 3>"$F3/fifo"
printf 'BEGIN IMMEDIATE;\nSELECT 1;\n' >&3
held=
for _ in $(seq 50); do
	if ! db_query "$DB" '.timeout 0' 'BEGIN IMMEDIATE;' 'ROLLBACK;' >/dev/null 2>&1; then
		held=1
		break
	fi
	sleep 0.1
done
LOCK_T0=$(now_ms)
check_eq "the sqlite3 CLI holds the write lock (BEGIN IMMEDIATE)" 1 "$held"
locked_post a locked-early
sleep 0.3
req_get "${TOK[lk]}"
check_eq "GET while the lock is held → 200 at once (WAL: $MS ms)" "200 yes" "$STATUS $([ "$MS" -lt 2000 ] && echo yes)"
sleep_to 3000
locked_post b locked-late
# release at 7 s: the CLI reads EOF, rolls back and exits
sleep_to 7000
exec 3>&-
RELEASE_T=$(now_ms)
wait "$LOCKER" 2>/dev/null
wait "${JOBS[@]}" 2>/dev/null
JOBS=()
echo "# lock held $((RELEASE_T - LOCK_T0)) ms"
IFS='|' read -r st_a ms_a _ id_a shape_a ra_a <"$F3/a"
IFS='|' read -r st_b ms_b end_b id_b shape_b _ <"$F3/b"
echo "# POST at 0 s: $shape_a after $ms_a ms; POST at 3 s: $shape_b after $ms_b ms"
check_eq "a POST started when the lock was taken → JSON 503 service_unavailable with Retry-After" \
    "503 application/json service_unavailable yes" "$shape_a $([ -n "$ra_a" ] && echo yes)"
if [ "$ms_a" -ge 4500 ] && [ "$ms_a" -le 6900 ]; then
	t_ok "… after waiting the busy timeout ($ms_a ms, 4.5–6.9 s)"
else
	t_fail "… after waiting the busy timeout (4.5–6.9 s)" "got $ms_a ms"
fi
check_eq "a POST started 3 s in and released within 5 s → 201" "201 application/json" "$shape_b"
if [ "$ms_b" -ge 3000 ] && [ "$end_b" -ge "$RELEASE_T" ]; then
	t_ok "… it waited for the release ($ms_b ms) and answered after it"
else
	t_fail "… it waited for the release and answered after it" "$ms_b ms; ended $((end_b - RELEASE_T)) ms after the release"
fi
req_get "${TOK[lk]}"
check_eq "after the lock: the 201'd order listed by id, the 503'd one absent" "locked-late $id_b" \
    "$(json '[.orders[] | .item] | join(",")') $(json '.orders[] | select(.item == "locked-late") | .id')"
check_eq "integrity_check after the lock → ok" ok "$(db_query "$DB" 'PRAGMA integrity_check')"
check_match "lighttpd's error log has the worker's line for the 503" 'userorders: store failed: still locked' \
    "$(grep -h 'store failed' "$ERRLOG" | tail -n 1)"
