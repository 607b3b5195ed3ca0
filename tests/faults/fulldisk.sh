# shellcheck shell=bash disable=SC2034,SC2153
# SPDX-License-Identifier: ISC
# (sourced: the variables set here are read by the suite, and the
# suite's by these)
# Fault 4 (sourced by tests/suite-faults.sh): a full disk.  A 4 MiB tmpfs
# (as root; mount(8) must be allowed) holds the database of a second
# lighttpd; a file fills the rest; orders are POSTed until the store fails.
# Asserted: every answer is 201 or a JSON 503/507; the store did fail; no
# worker crashed; no row without its 201 and no 201 without its row; after
# the file is removed writes work again and integrity_check is ok.

FULL=$T_TMP/full
mkdir -p "$FULL"
why=
if [ "$(id -u)" != 0 ]; then
	why="not root, so no tmpfs can be mounted"
elif ! command -v mount >/dev/null; then
	why="no mount(8)"
elif ! err=$(mount -t tmpfs -o "size=4m,mode=0700,uid=$APP_UID,gid=$(id -g nobody)" tmpfs "$FULL" 2>&1); then
	why="mount -t tmpfs refused: $err"
else
	MOUNTS+=("$FULL")
fi
if [ -n "$why" ]; then
	t_fail "full disk: not run: $why"
else
	FDB=$FULL/auth.db
	if ! start_lighttpd fullsrv "$FDB"; then
		t_fail "full disk: lighttpd starts with the database on the tmpfs" "$(tail -n 5 "$STDERR" 2>/dev/null)"
	else
		mapfile -t FUO < <(workers userorders)
		signup fd
		FTOK=$ACCESS
		F4=$T_TMP/f4
		mkdir -p "$F4"
		: >"$F4/posts"
		item=$(printf 'y%.0s' $(seq 190))
		# fpost LABEL: one POST by "fd", recorded as "label|status|id|shape".
		fpost() {
			req_post "$FTOK" "$1-$item"
			printf '%s|%s|%s|%s\n' "$1" "$STATUS" "$(json '.id // empty')" "$(shape)" >>"$F4/posts"
		}
		for i in 1 2 3; do fpost "pre$i"; done
		dd if=/dev/zero of="$FULL/fill" bs=64k 2>/dev/null
		dd if=/dev/zero of="$FULL/fill2" bs=1k 2>/dev/null
		echo "# tmpfs filled: $(df -k "$FULL" | awk 'NR == 2 { print $3 " KiB used, " $4 " KiB free" }')"
		fails=0
		for i in $(seq 400); do
			fpost "full$i"
			if [ "$STATUS" = 201 ]; then fails=0; else fails=$((fails + 1)); fi
			[ "$fails" -ge 5 ] && break
		done
		n_full=$(grep -c '^full' "$F4/posts")
		echo "# POSTs on the full disk: $n_full; answers: $(grep '^full' "$F4/posts" | cut -d'|' -f4 | sort | uniq -c | awk '{ $1 = $1 "×"; print }' | paste -sd ';' -)"
		check_eq "full disk: the store failed (5 failures in a row within 400 POSTs)" 5 "$fails"
		check_eq "full disk: every answer is 201 or a JSON 503/507 service_unavailable" "" \
		    "$(cut -d'|' -f4 "$F4/posts" | grep -vE '^(201 application/json|50[37] application/json service_unavailable|507 application/json [a-z_]+)$' | sort -u | head -n 3)"
		check_eq "full disk: the same userorders workers still run (no crash)" yes "$(alive_all "${FUO[@]}")"
		check_match "full disk: a clear line in lighttpd's error log" 'store failed: .*(full|disk)' \
		    "$(grep -h 'store failed' "$ERRLOG" | tail -n 1)"
		rm -f "$FULL/fill" "$FULL/fill2"
		ok=
		for _ in $(seq 20); do
			fpost after
			[ "$STATUS" = 201 ] && ok=1 && break
			sleep 0.25
		done
		check_eq "space freed: POST → 201 again" 1 "$ok"
		check_eq "integrity_check after the full disk → ok" ok "$(db_query "$FDB" 'PRAGMA integrity_check')"
		acked=$(awk -F'|' '$2 == 201 { print $3 }' "$F4/posts" | sort -n)
		req_get "$FTOK"
		listed=$(json '.orders[].id' | sort -n)
		echo "# full disk: $(grep -c . <<<"$acked") acknowledged (201), $(grep -c . <<<"$listed") stored"
		check_eq "every 201'd order is stored, and no order without its 201" "" \
		    "$(diff <(printf '%s\n' "$acked") <(printf '%s\n' "$listed") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
	fi
	stop_all_lighttpd
	umount "$FULL" && MOUNTS=()
fi
