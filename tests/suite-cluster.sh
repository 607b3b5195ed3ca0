#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-cluster.sh: deploy/cluster/cluster.sh on free ports: haproxy
# in front of two nodes (lighttpd from deploy/lighttpd.conf each) on one
# PostgreSQL.  Through haproxy: parallel sign-ups of one name, 200
# parallel order writes, an 8-way refresh race spread over both nodes,
# failed logins counted across nodes, per-address limits told apart for
# two loopback addresses (haproxy's X-Forwarded-For, TRUSTED_PROXIES),
# a node stopped (the other serves), both stopped (haproxy's 503 is the
# contract's JSON), and stop leaving nothing running.
# Ends with "cluster: N passed, N failed".
T_NAME=cluster
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/pg/suite.sh
. "$ROOT/tests/pg/suite.sh"
pg_suite curl jq haproxy lighttpd "$PG_BIN/initdb"
chmod 0711 "$T_TMP"	# so the database's folder is in there, removed with it
APP=$(checkout_app_root) || { t_fail "the checkout's build folder"; t_done; exit 1; }
export CLUSTER_DIR=$T_TMP/cluster
# Below the ephemeral range (32768 up), where client sockets take theirs.
base=$((20000 + RANDOM % 12700))
export PORT=$base NODE_PORTS="$((base + 1)) $((base + 2))"
URL=http://127.0.0.1:$PORT
# The cluster's script started it all: its stop stops it all.
cleanup() {
	"$APP/deploy/cluster/cluster.sh" stop >/dev/null 2>&1
	t_cleanup
}

if ! out=$("$APP/deploy/cluster/cluster.sh" start 2>&1); then
	t_fail "deploy/cluster/cluster.sh start" "$out"
	t_done
	exit 1
fi
check_match "cluster.sh start: haproxy and two nodes on one PostgreSQL" "^serving $URL" "$out"
PW='correct horse battery'

# hdr NAME: that header of $T_TMP/h (haproxy writes names in lower case).
hdr() { tr -d '\r' <"$T_TMP/h" | sed -n "s/^$1: //Ip" | head -n 1; }

name=c$RANDOM
burst 12 "$T_TMP/signup" /api/createNewUser "{\"username\":\"$name\",\"password\":\"$PW\"}"
check_eq "12 sign-ups of one name through haproxy: one 201, eleven 409" "201×1 409×11" "$(codes "$T_TMP/signup")"
ACCESS=$(grep '^201' "$T_TMP/signup" | cut -f2 | jq -r .access_token)
RTOK=$(grep '^201' "$T_TMP/signup" | cut -f2 | jq -r .refresh_token)

for i in $(seq 4); do
	burst 50 "$T_TMP/orders" /api/userOrders "{\"item\":\"o$i\",\"quantity\":1}" -H "Authorization: Bearer $ACCESS"
done
check_eq "200 order writes through haproxy: 200 × 201" "201×200" "$(codes "$T_TMP/orders")"
got=$(curl -sS --max-time 20 -H "Authorization: Bearer $ACCESS" "$URL/api/userOrders?limit=1000" |
    jq -r '.orders[].id' | sort -n | paste -sd' ')
want=$(cut -f2 "$T_TMP/orders" | jq -r .id | sort -n | paste -sd' ')
check_eq "… every acknowledged order is listed, whichever node took it" "$want" "$got"

burst 8 "$T_TMP/refresh" /api/token "{\"refresh_token\":\"$RTOK\"}"
check_eq "one refresh token used 8 times at once across the nodes: exactly one 200" "200×1 403×7" \
    "$(codes "$T_TMP/refresh")"

victim=v$RANDOM
post /api/createNewUser "{\"username\":\"$victim\",\"password\":\"$PW\"}" >/dev/null
burst 12 "$T_TMP/fail" /api/login "{\"username\":\"$victim\",\"password\":\"wrong password\"}" --interface 127.0.0.2
check_eq "12 wrong passwords from 127.0.0.2 over both nodes: 5 × 401, then 429 (one count)" "401×5 429×7" \
    "$(codes "$T_TMP/fail")"
check_eq "the same name from 127.0.0.3 is another client (haproxy's X-Forwarded-For): 401, not 429" 401 \
    "$(post /api/login "{\"username\":\"$victim\",\"password\":\"wrong password\"}" --interface 127.0.0.3 | cut -d' ' -f1)"
check_eq "… and a forged X-Forwarded-For from 127.0.0.3 naming 127.0.0.9 is replaced: 401 again" 401 \
    "$(post /api/login "{\"username\":\"$victim\",\"password\":\"wrong password\"}" --interface 127.0.0.3 \
    -H 'X-Forwarded-For: 127.0.0.9' | cut -d' ' -f1)"
check_eq "… while 127.0.0.2 stays throttled: 429" 429 \
    "$(post /api/login "{\"username\":\"$victim\",\"password\":\"$PW\"}" --interface 127.0.0.2 | cut -d' ' -f1)"

# One node down: haproxy's check takes it out; the other serves.
kill -TERM "$(cat "$CLUSTER_DIR/node1/lighttpd.pid")"
ok=0
for _ in $(seq 20); do
	s=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $ACCESS" "$URL/api/userOrders" 2>/dev/null)
	[ "$s" = 200 ] && ok=$((ok + 1))
done
check_eq "node 1 stopped: 20 requests through haproxy, 20 × 200 (retried on node 2)" 20 "$ok"
kill -TERM "$(cat "$CLUSTER_DIR/node2/lighttpd.pid")"
for _ in $(seq 50); do
	s=$(curl -sS -o "$T_TMP/b" -D "$T_TMP/h" -w '%{http_code}' --max-time 10 "$URL/api/health" 2>/dev/null)
	[ "$s" = 503 ] && break
	sleep 0.1
done
check_eq "both nodes stopped: haproxy answers 503 service_unavailable, the contract's JSON, with Retry-After" \
    "503 service_unavailable application/json; charset=utf-8 1" \
    "$s $(jq -r .error "$T_TMP/b") $(hdr Content-Type) $(hdr Retry-After)"
# tokens N: how many POST /api/token node N logged (lighttpd writes its
# access log out as it stops).
tokens() { grep -c 'POST /api/token' "$CLUSTER_DIR/node$1/log/lighttpd-access.log" 2>/dev/null; }
for _ in $(seq 50); do
	[ "$(tokens 1)" -gt 0 ] 2>/dev/null && [ "$(tokens 2)" -gt 0 ] 2>/dev/null && break
	sleep 0.1
done
check_match "the token race reached both nodes" '^[1-9][0-9]* [1-9][0-9]*$' "$(tokens 1) $(tokens 2)"

pids=$(cat "$CLUSTER_DIR/haproxy.pid" "$CLUSTER_DIR"/node*/backends 2>/dev/null
    head -n 1 "$CLUSTER_DIR/pg/data/postmaster.pid" 2>/dev/null)
"$APP/deploy/cluster/cluster.sh" stop
left=
for p in $pids; do pid_alive "$p" && left="$left $p"; done
check_eq "cluster.sh stop: haproxy, the executables and PostgreSQL are gone (${pids//$'\n'/ })" "" "$left"

t_done
