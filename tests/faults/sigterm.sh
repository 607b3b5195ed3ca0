# shellcheck shell=bash disable=SC2034,SC2153
# SPDX-License-Identifier: ISC
# (sourced: the variables set here are read by the suite, and the
# suite's by these)
# Fault 5 (sourced by tests/suite-faults.sh): clients that go away in the
# middle of a big response, and SIGTERM to the userorders workers during
# slow requests through lighttpd.
#  (a) curl --max-time tiny, and a rate-limited curl cut off mid-body,
#      against a GET of 1000 orders (the most a page holds): the same workers serve the next GET.
#  (b) a client sending its body slowly (raw HTTP over /dev/tcp), SIGTERM
#      to the workers while it does: lighttpd buffers request bodies
#      (deploy/lighttpd.conf leaves server.stream-request-body at 0), so
#      the workers are idle and leave at once; the request still completes.
#  (c) a request really inside a worker (waiting for the write lock another
#      process holds), SIGTERM to every userorders worker: it completes with 201 and
#      its row is stored (SIGTERM is blocked while serving, docs/security.md);
#      the workers leave after, and lighttpd starts new ones that serve.

F5=$T_TMP/f5
mkdir -p "$F5"
mapfile -t UO < <(workers userorders)

# (a) clients that go away mid-response
{
	echo 'BEGIN;'
	for i in $(seq 1000); do
		printf "INSERT INTO orders (username, item, quantity, created_at) VALUES ('big', 'bulk-%04d-%s', 1, %s);\n" \
		    "$i" "$(printf 'x%.0s' $(seq 120))" "$(date +%s)"
	done
	echo 'COMMIT;'
} >"$F5/bulk.sql"
chmod 0644 "$F5/bulk.sql"
chmod 0755 "$F5"
db_query "$DB" ".read $F5/bulk.sql" >/dev/null
req GET "/api/userOrders?limit=1000" "" -H "Authorization: Bearer ${TOK[big]}"
check_eq "set-up: GET of 1000 orders (?limit=1000) → 200 ($(wc -c <<<"$BODY") bytes, $MS ms)" "200 1000" "$STATUS $(json '.orders | length')"
: >"$F5/cut"
for _ in 1 2 3 4 5; do
	curl -s -o /dev/null --max-time 0.01 -w '%{http_code} %{size_download}\n' \
	    -H "Authorization: Bearer ${TOK[big]}" "$URL/api/userOrders?limit=1000" >>"$F5/cut"
done
# Three that read 4 kB of the answer and hang up (a rate-limited curl may
# find the whole answer in its socket buffer already).
for _ in 1 2 3; do
	python3 - "${URL#http://}" "${TOK[big]}" >>"$F5/cut" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(("GET /api/userOrders?limit=1000 HTTP/1.1\r\nHost: %s\r\n"
           "Authorization: Bearer %s\r\nConnection: close\r\n\r\n"
           % (sys.argv[1], sys.argv[2])).encode())
got = b""
while len(got) < 4096:
    chunk = s.recv(4096 - len(got))
    if not chunk:
        break
    got += chunk
s.close()
status = got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/") else "000"
body = got.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in got else b""
print(status, len(body))
PY
done
echo "# cut-off clients (status, bytes received): $(paste -sd, "$F5/cut")"
full=$(awk -v n="$(wc -c <<<"$BODY")" '$2 >= n - 1' "$F5/cut" | wc -l)
cutoff=$(awk -v n="$(wc -c <<<"$BODY")" '$2 < n - 1' "$F5/cut" | wc -l)
mid=$(awk -v n="$(wc -c <<<"$BODY")" '$2 > 0 && $2 < n - 1' "$F5/cut" | wc -l)
check_eq "8 clients that go away early (curl --max-time 0.01, or after 4 kB): at least 3 left before the end, 1 mid-response" \
    "yes" "$([ "$cutoff" -ge 3 ] && [ "$mid" -ge 1 ] && echo yes || echo "$cutoff cut ($mid mid-response), $full complete")"
req GET "/api/userOrders?limit=1000" "" -H "Authorization: Bearer ${TOK[big]}"
check_eq "… the next GET → 200 with all 1000 orders" "200 1000" "$STATUS $(json '.orders | length')"
parallel_gets "${TOK[k1]}" 2 5 >"$F5/gets"
check_eq "… 10 more GETs (2 at once) → 200" "10 200" "$(sort "$F5/gets" | uniq -c | awk '{ print $1, $2 }')"
check_eq "… the same userorders workers serve (no crash)" yes "$(alive_all "${UO[@]}")"

# (b) SIGTERM while a client sends its body slowly
body='{"item":"slow-body","quantity":3}'
if exec 4<>"/dev/tcp/127.0.0.1/$PORT"; then
	printf 'POST /api/userOrders HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
	    "${TOK[sl]}" "${#body}" >&4
	printf '%s' "${body:0:10}" >&4
	sleep 0.5
	kill -TERM "${UO[0]}"
	sleep 0.5
	printf '%s' "${body:10}" >&4
	resp=$(timeout 15 cat <&4 | tr -d '\r')
	exec 4>&-
	check_match "a slow body, SIGTERM to a worker meanwhile: the request completes → 201" \
	    '^HTTP/1.1 201' "$(head -n 1 <<<"$resp")"
	if wait_gone 50 "${UO[0]}"; then
		t_ok "… the worker that got SIGTERM (${UO[0]}) left"
	else
		t_fail "… the worker that got SIGTERM (${UO[0]}) left" "still running after 5 s"
	fi
else
	t_fail "a slow body: cannot connect to $URL"
fi
req_get "${TOK[sl]}"
check_eq "… its order is stored" "200 slow-body" "$STATUS $(json '[.orders[].item] | join(",")')"

# (c) SIGTERM while a request waits inside a worker
mapfile -t UO < <(workers userorders)
for _ in $(seq 30); do
	[ "${#UO[@]}" -eq "$UO_PROCS" ] && break
	sleep 0.2
	mapfile -t UO < <(workers userorders)
done
rm -f "$F5/fifo"
mkfifo "$F5/fifo"
chmod 0644 "$F5/fifo"
as_app sqlite3 "$DB" <"$F5/fifo" >/dev/null 2>&1 &
LOCKER=$!
JOBS+=("$LOCKER")
exec 3>"$F5/fifo"
printf 'BEGIN IMMEDIATE;\nSELECT 1;\n' >&3
for _ in $(seq 50); do
	db_query "$DB" '.timeout 0' 'BEGIN IMMEDIATE;' 'ROLLBACK;' >/dev/null 2>&1 || break
	sleep 0.1
done
(
	exec 3>&-	# the locker's FIFO: only the suite may hold it open
	req_post "${TOK[sl]}" sigterm-inflight
	printf '%s|%s|%s\n' "$STATUS" "$MS" "$(json '.id // empty')" >"$F5/inflight"
) &
JOBS+=($!)
busy=
for _ in $(seq 40); do	# the worker that took it holds a second socket
	for p in "${UO[@]}"; do
		[ "$(find "/proc/$p/fd" -lname 'socket:*' 2>/dev/null | wc -l)" -gt 1 ] && busy=$p
	done
	[ -n "$busy" ] && break
	sleep 0.05
done
kill -TERM "${UO[@]}"
sleep 1.5
exec 3>&-
wait "${JOBS[@]}" 2>/dev/null
JOBS=()
IFS='|' read -r st ms id <"$F5/inflight"
echo "# in-flight POST (worker ${busy:-unknown} busy) answered $st after $ms ms"
check_eq "a POST waiting inside a worker, SIGTERM to every userorders worker, lock released 1.5 s later → 201" 201 "$st"
if wait_gone 50 "${UO[@]}"; then
	t_ok "… every one left after its request"
else
	t_fail "… every one left after its request" "still running: $(for p in "${UO[@]}"; do pid_alive "$p" && echo "$p"; done)"
fi
for _ in $(seq 40); do
	req_get "${TOK[sl]}"
	[ "$STATUS" = 200 ] && break
	sleep 0.25
done
check_eq "… lighttpd restarted them: GET → 200 with the in-flight order (id $id) stored" "200 $id" \
    "$STATUS $(json '.orders[] | select(.item == "sigterm-inflight") | .id')"
mapfile -t now_uo < <(workers userorders)
echo "# userorders workers now: ${now_uo[*]} (were ${UO[*]})"
