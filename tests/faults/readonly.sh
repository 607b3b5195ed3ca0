# shellcheck shell=bash disable=SC2034,SC2153
# SPDX-License-Identifier: ISC
# (sourced: the variables set here are read by the suite, and the
# suite's by these)
# Fault 2 (sourced by tests/suite-faults.sh): the database folder made
# read-only (chmod 0500, the service running as a non-root user), then
# moved away, while the workers run.  The workers hold the database, its
# -wal and its -shm open, and SQLite in WAL mode writes through those
# handles: neither fault reaches a running worker, so its writes go on
# (201) into the same inode, and nothing is lost once the folder is back.
# A worker started during the fault (lighttpd restarting one killed with
# -9) is what meets it: with the folder gone it refuses to start with one
# clear line, and lighttpd restarts it once the folder is back.
# Asserted: every answer is 201 or a JSON 503 (never a 4xx, a 500 without
# JSON, or no answer); the running workers survive; every 201'd order is
# there after recovery; integrity_check is ok.

F2=$T_TMP/f2
mkdir -p "$F2"
mapfile -t UO < <(workers userorders)
# fault_posts LABEL N: N POSTs by "ro"; each "LABEL<TAB>status<TAB>id<TAB>error".
fault_posts() {
	local i
	for i in $(seq "$2"); do
		req_post "${TOK[ro]}" "$1-$i"
		printf '%s\t%s\t%s\t%s\n' "$1" "$STATUS" "$(json '.id // empty')" \
		    "$(shape)" >>"$F2/posts"
	done
}
# answers LABEL: the answers of those POSTs, counted.
answers() {
	awk -F'\t' -v l="$1" '$1 == l { print $4 }' "$F2/posts" | sort | uniq -c |
	    awk '{ $1 = $1 "×"; print }' | paste -sd ';' -
}
# answers_ok LABEL: "" when each is 201 or a JSON 503 service_unavailable.
answers_ok() {
	awk -F'\t' -v l="$1" '$1 == l && $4 !~ /^201 application\/json/ &&
	    $4 !~ /^503 application\/json service_unavailable$/ { print $4 }' "$F2/posts" | head -n 3
}

fault_posts before 2
check_eq "read-only: 2 orders before the fault → 201" "2× 201 application/json" "$(answers before)"

# (a) chmod 0500 on the folder
chmod 0500 "$T_TMP/db"
fault_posts ro 5
req_get "${TOK[ro]}"
ro_get=$STATUS
echo "# folder 0500: POSTs: $(answers ro); GET → $ro_get"
check_eq "folder 0500: each POST answers 201 or a JSON 503 (never 4xx, 500, nothing)" "" "$(answers_ok ro)"
check_eq "folder 0500: GET still 200" 200 "$ro_get"
check_eq "folder 0500: the same userorders workers still run" yes "$(alive_all "${UO[@]}")"
# A worker that must open the database in the read-only folder: the file
# and its -wal and -shm exist and are writable, so it can.
K1=${UO[0]}
kill -KILL "$K1"
wait_gone 30 "$K1"
sleep 1.5
fault_posts ro2 6
echo "# folder 0500, a worker restarted: POSTs: $(answers ro2)"
n_lh=$(awk -F'\t' '$1 == "ro2" && $4 ~ /^50[02] (text\/html|application\/json service_unavailable)$/' "$F2/posts" | wc -l)
check_eq "folder 0500, a worker restarted: each POST answers 201, a JSON 503, or (at most 2) lighttpd's own 5xx" \
    "" "$(answers_ok ro2 | grep -Ev '^50[02] (text/html|application/json service_unavailable)$')$([ "$n_lh" -gt 2 ] && echo "$n_lh from lighttpd")"
chmod 0700 "$T_TMP/db"
mapfile -t UO < <(workers userorders)
for _ in $(seq 40); do
	[ "${#UO[@]}" -eq "$UO_PROCS" ] && break
	sleep 0.25
	mapfile -t UO < <(workers userorders)
done

# (b) the folder moved away (same filesystem: the inodes stay)
mv "$T_TMP/db" "$T_TMP/db.moved"
fault_posts gone 5
req_get "${TOK[ro]}"
gone_get=$STATUS
echo "# folder moved away: POSTs: $(answers gone); GET → $gone_get"
check_eq "folder gone: each POST answers 201 or a JSON 503" "" "$(answers_ok gone)"
check_eq "folder gone: the same userorders workers still run" yes "$(alive_all "${UO[@]}")"
# A worker that must open the database now: kill -9 one, lighttpd restarts it.
K2=${UO[1]}
kill -KILL "$K2"
wait_gone 30 "$K2"
sleep 1.5
fault_posts gone2 6
echo "# folder gone, a worker restarted: POSTs: $(answers gone2)"
# lighttpd itself answers the requests it routed to the backend that could
# not start (500, its own error page: the JSON of deploy/errors/), until it
# marks that backend down.
n_lh=$(awk -F'\t' '$1 == "gone2" && $4 ~ /^50[02] (text\/html|application\/json service_unavailable)$/' "$F2/posts" | wc -l)
check_eq "folder gone, a worker restarted: each POST answers 201, a JSON 503, or (at most 2) lighttpd's own 5xx" \
    "" "$(answers_ok gone2 | grep -Ev '^50[02] (text/html|application/json service_unavailable)$')$([ "$n_lh" -gt 2 ] && echo "$n_lh from lighttpd")"
startlog=$(grep -h 'DATABASE_PATH' "$STDERR" "$ERRLOG" 2>/dev/null | tail -n 1)
echo "# the restarted worker's start-up line: ${startlog:-none}"
mv "$T_TMP/db.moved" "$T_TMP/db"

# recovery
ok=0
for _ in $(seq 40); do
	req_post "${TOK[ro]}" recovered
	[ "$STATUS" = 201 ] && ok=1 && break
	sleep 0.25
done
check_eq "after restoring the folder: POST → 201" 1 "$ok"
printf 'after\t%s\t%s\t%s\n' "$STATUS" "$(json '.id // empty')" "$(shape)" >>"$F2/posts"
mapfile -t now_uo < <(workers userorders)
for _ in $(seq 40); do
	[ "${#now_uo[@]}" -eq "$UO_PROCS" ] && break
	sleep 0.25
	mapfile -t now_uo < <(workers userorders)
done
check_eq "after restoring: $UO_PROCS userorders workers run" "$UO_PROCS" "${#now_uo[@]}"
acked=$(awk -F'\t' '$2 == 201 { print $3 }' "$F2/posts" | sort -n)
req_get "${TOK[ro]}"
listed=$(json '.orders[].id' | sort -n)
missing=$(comm -23 <(printf '%s\n' "$acked") <(printf '%s\n' "$listed") | grep . | tr '\n' ' ')
echo "# read-only/moved: $(grep -c . <<<"$acked") acknowledged, $(grep -c . <<<"$listed") listed"
check_eq "every order acknowledged during the faults is listed after recovery" "" "$missing"
check_eq "integrity_check after the faults" ok "$(db_query "$DB" 'PRAGMA integrity_check')"
if grep -q 'store failed' "$ERRLOG" 2>/dev/null; then
	echo "# log: $(grep -h 'store failed' "$ERRLOG" | tail -n 1)"
fi
n503=$(awk -F'\t' '$2 == 503' "$F2/posts" | wc -l)
if [ "$n503" -gt 0 ]; then
	check_match "each 503 has a clear line in lighttpd's error log" 'store failed|DATABASE_PATH' \
	    "$(grep -h -e 'store failed' -e DATABASE_PATH "$ERRLOG" "$STDERR" 2>/dev/null | tail -n 1)"
fi
