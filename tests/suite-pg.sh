#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-pg.sh: the service on PostgreSQL 15 (tests/pg/lib.sh starts a
# throwaway server), through lighttpd from the real deploy/lighttpd.conf
# with DATABASE_URL instead of DATABASE_PATH.  The contract suite, its
# summary compared line for line with the same suite on SQLite (the same
# answers on both stores), and the attack suite; the rows in PostgreSQL;
# then what many processes do at once: parallel sign-ups of one name, 200
# parallel order writes, an 8-way refresh race, and throttling counted
# across the login processes; the order list a named statement on a
# direct connection and unnamed behind pgbouncer.  Start-up errors (a malformed URL, a refused
# login, DATABASE_PATH beside it) are in tests/suite-pgrestart.sh with the
# database going away.  Ends with "pg: N passed, N failed".
#
# With PG_BOUNCER=1 (tests/suite-pgbouncer.sh) the service reaches the
# database through pgbouncer in transaction pooling mode, with fewer
# server connections than workers, and the checks that do not depend on
# the store's connection (SQLite's run, the attack suite) are left out.
T_NAME=${PG_BOUNCER:+pgbouncer}
T_NAME=${T_NAME:-pg}
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/pg/suite.sh
. "$ROOT/tests/pg/suite.sh"
pg_suite curl jq openssl lighttpd "$PG_BIN/initdb" "$PG_BIN/psql"
pg_start_or_fail
t_ok "PostgreSQL 15 starts in a temporary folder, on a unix socket only"
DB_URL=$PG_URL
if [ -n "${PG_BOUNCER:-}" ]; then
	if ! pgb_start; then
		t_fail "pgbouncer starts" "$(tail -n 5 "$PG_DIR/bouncer/pgbouncer.log" 2>/dev/null)"
		t_done
		exit 1
	fi
	DB_URL=$PGB_URL
	check_eq "pgbouncer runs in transaction pooling mode, 4 server connections for 6 workers" \
	    "default_pool_size=4 pool_mode=transaction" \
	    "$(pgb_show CONFIG | awk -F'|' '$1 == "pool_mode" || $1 == "default_pool_size" { print $1 "=" $2 }' | sort | paste -sd' ')"
fi

# Many sign-ups from 127.0.0.1 here: the per-address sign-up limit
# (tests/suite-throttle.sh tests it) would stop them.
pg_service_env SIGNUP_MAX_PER_ADDRESS=0

# serve_sqlite / serve_pg: lighttpd on one store or the other.
serve_sqlite() {
	DATABASE_PATH=$T_TMP/auth.db DATABASE_URL='' PWHASH_LOCK_FILE='' start_lighttpd
}
serve_pg() {
	DATABASE_PATH='' DATABASE_URL=$DB_URL PWHASH_LOCK_FILE=$T_TMP/pwhash.lock start_lighttpd
}

# contract NAME: tests/contract.sh against URL, its summary in
# $T_TMP/NAME.summary; one check for its verdict.
contract() {
	local out=$T_TMP/$1.out summary p f
	CONTRACT_SECRET=$SECRET CONTRACT_SUMMARY=$T_TMP/$1.summary \
	    bash "$ROOT/tests/contract.sh" "$URL" >"$out" 2>&1
	summary=$(grep -E '^contract: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n1)
	p=$(sed -E 's/^contract: ([0-9]+) passed.*/\1/' <<<"$summary")
	f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$summary")
	if [ -n "$summary" ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
		t_ok "tests/contract.sh on $1: $p passed"
	else
		t_fail "tests/contract.sh on $1" "$(grep -A3 '^not ok' "$out" | head -n 20)" "${summary:-no summary}"
	fi
}

# ---------------------------------------------------------------------
# The contract, on SQLite and then on PostgreSQL: the same answers
# ---------------------------------------------------------------------
if [ -n "${PG_BOUNCER:-}" ]; then
	:
elif serve_sqlite; then
	contract sqlite
	stop_lighttpd >/dev/null
else
	t_fail "lighttpd starts on SQLite" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
fi
: >"$STDERR"
if ! serve_pg; then
	t_fail "lighttpd starts with DATABASE_URL" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
	t_done
	exit 1
fi
t_ok "lighttpd starts from deploy/lighttpd.conf with DATABASE_URL (no DATABASE_PATH)"
n=0
for e in login userorders refresh authorize; do n=$((n + $(conf_procs "$e"))); done
check_eq "it spawned max-procs processes of each executable ($n)" "$n" "${#BACKENDS[@]}"
contract postgresql
if [ -n "${PG_BOUNCER:-}" ]; then
	:
elif [ -s "$T_TMP/sqlite.summary" ] && [ -s "$T_TMP/postgresql.summary" ]; then
	check_eq "the contract's answers on PostgreSQL are those on SQLite, request for request" "" \
	    "$(diff "$T_TMP/sqlite.summary" "$T_TMP/postgresql.summary" | head -n 10)"
else
	t_fail "both contract runs wrote their summary"
fi
check_eq "the schema is at version 3" 3 "$(pg_sql 'SELECT version FROM jwt_auth_schema')"
check_match "the contract's users and orders are rows in PostgreSQL" '^[1-9][0-9]* [1-9][0-9]*$' \
    "$(pg_sql "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM orders)")"
check_eq "no SQLite file was made" "" "$(ls "$ROOT"/build/var 2>/dev/null)"

# ---------------------------------------------------------------------
# The attack suite
# ---------------------------------------------------------------------
attack() {
	ATTACK_SECRET=$SECRET ATTACK_INVALID_STATUS=403 ATTACK_HEADER_LIMIT_STATUS=431 \
	    bash "$ROOT/tests/attack.sh" "$URL" >"$T_TMP/attack.out" 2>&1
	summary=$(grep -E '^attack: [0-9]+ passed, [0-9]+ failed$' "$T_TMP/attack.out" | tail -n1)
	if [[ $summary =~ ^attack:\ ([0-9]+)\ passed,\ 0\ failed$ ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
		t_ok "tests/attack.sh on PostgreSQL: ${BASH_REMATCH[1]} passed"
	else
		t_fail "tests/attack.sh on PostgreSQL" "$(grep -A3 '^not ok' "$T_TMP/attack.out" | head -n 20)" "${summary:-no summary}"
	fi
}
[ -n "${PG_BOUNCER:-}" ] || attack

# ---------------------------------------------------------------------
# Many at once
# ---------------------------------------------------------------------
PW='correct horse battery'

name=race$RANDOM
burst 12 "$T_TMP/signup" /api/createNewUser "{\"username\":\"$name\",\"password\":\"$PW\"}"
check_eq "12 sign-ups of one name at once: one 201, eleven 409" "201×1 409×11" "$(codes "$T_TMP/signup")"
check_eq "… one row in PostgreSQL" 1 "$(pg_sql "SELECT count(*) FROM users WHERE username = '$name'")"
ACCESS=$(grep '^201' "$T_TMP/signup" | cut -f2 | jq -r .access_token)
RTOK=$(grep '^201' "$T_TMP/signup" | cut -f2 | jq -r .refresh_token)

for i in $(seq 200); do
	bg "$T_TMP/orders" /api/userOrders "{\"item\":\"o$i\",\"quantity\":1}" \
	    -H "Authorization: Bearer $ACCESS" &
	JOBS+=($!)
	[ $((i % 50)) -eq 0 ] && wait_jobs
done
wait_jobs
check_eq "200 order writes at once: 200 × 201" "201×200" "$(codes "$T_TMP/orders")"
got=$(curl -sS --max-time 20 -H "Authorization: Bearer $ACCESS" "$URL/api/userOrders?limit=1000" |
    jq -r '.orders[].id' | sort -n | paste -sd' ')
want=$(cut -f2 "$T_TMP/orders" | jq -r .id | sort -n | paste -sd' ')
check_eq "… every acknowledged order is listed, by the id it was given" "$want" "$got"
check_eq "… and every one is distinct" 200 "$(wc -w <<<"$got")"

burst 8 "$T_TMP/refresh" /api/token "{\"refresh_token\":\"$RTOK\"}"
check_eq "one refresh token used 8 times at once: exactly one 200, the others 403" "200×1 403×7" \
    "$(codes "$T_TMP/refresh")"
NEXT=$(grep '^200' "$T_TMP/refresh" | cut -f2 | jq -r .refresh_token)
check_eq "… the winner's successor is revoked too (the losers were reuses)" 403 \
    "$(post /api/token "{\"refresh_token\":\"$NEXT\"}" | cut -d' ' -f1)"
r=$(post /api/login "{\"username\":\"$name\",\"password\":\"$PW\"}")
check_eq "positive control: a fresh login's refresh token rotates" 200 \
    "$(post /api/token "{\"refresh_token\":\"$(jq -r .refresh_token <<<"${r#* }")\"}" | cut -d' ' -f1)"

# LOGIN_MAX_FAILURES (5) for one name from one address, counted by both
# login processes in the one table.
victim=thr$RANDOM
post /api/createNewUser "{\"username\":\"$victim\",\"password\":\"$PW\"}" >/dev/null
burst 12 "$T_TMP/throttle" /api/login "{\"username\":\"$victim\",\"password\":\"wrong password\"}"
check_eq "12 wrong passwords at once across the login processes: 5 × 401, then 429" "401×5 429×7" \
    "$(codes "$T_TMP/throttle")"
check_eq "… the right password from that address is throttled too, for now" 429 \
    "$(post /api/login "{\"username\":\"$victim\",\"password\":\"$PW\"}" | cut -d' ' -f1)"
check_eq "positive control: the right password of another user → 200" 200 \
    "$(post /api/login "{\"username\":\"$name\",\"password\":\"$PW\"}" | cut -d' ' -f1)"

# ---------------------------------------------------------------------
# Idempotency-Key, on PostgreSQL and then on SQLite
# ---------------------------------------------------------------------
# idem STORE: the Idempotency-Key checks against the server at URL.
idem() {
	local u1=ik$RANDOM a1 a2 first h n k
	post /api/createNewUser "{\"username\":\"$u1\",\"password\":\"$PW\"}" >"$T_TMP/u1"
	a1=$(cut -d' ' -f2- "$T_TMP/u1" | jq -r .access_token)
	post /api/createNewUser "{\"username\":\"${u1}b\",\"password\":\"$PW\"}" >"$T_TMP/u2"
	a2=$(cut -d' ' -f2- "$T_TMP/u2" | jq -r .access_token)
	first=$(post /api/userOrders '{"item":"once","quantity":2}' -H "Authorization: Bearer $a1" \
	    -H 'Idempotency-Key: 5f0c-key-1' -D "$T_TMP/ih")
	check_match "$1: POST userOrders with an Idempotency-Key → 201" '^201 \{"id":[0-9]+,"item":"once","quantity":2,' "$first"
	check_eq "$1: … no Idempotent-Replayed header on the first" "" "$(grep -i '^Idempotent-Replayed' "$T_TMP/ih")"
	h=$(post /api/userOrders '{"item":"once","quantity":2}' -H "Authorization: Bearer $a1" \
	    -H 'Idempotency-Key: 5f0c-key-1' -D "$T_TMP/ih")
	check_eq "$1: the same key again → 201 with the same order, byte for byte" "$first" "$h"
	check_eq "$1: … marked Idempotent-Replayed: true" "Idempotent-Replayed: true" \
	    "$(grep -i '^Idempotent-Replayed' "$T_TMP/ih" | tr -d '\r')"
	n=$(curl -sS --max-time 20 -H "Authorization: Bearer $a1" "$URL/api/userOrders" | jq '[.orders[] | select(.item == "once")] | length')
	check_eq "$1: … one order listed, not two" 1 "$n"
	check_eq "$1: the same key for another quantity → 409 idempotency_key_reused" "409 idempotency_key_reused" \
	    "$(post /api/userOrders '{"item":"once","quantity":3}' -H "Authorization: Bearer $a1" \
	    -H 'Idempotency-Key: 5f0c-key-1' | sed -E 's/^([0-9]+) (.*)/\1 \2/' | { read -r c b; printf '%s %s' "$c" "$(jq -r .error <<<"$b")"; })"
	h=$(post /api/userOrders '{"item":"once","quantity":2}' -H "Authorization: Bearer $a1" -H 'Idempotency-Key: 5f0c-key-2')
	check_match "$1: positive control: another key → 201, a new order" '^201 ' "$h"
	check_eq "$1: … with another id" no "$( [ "$(jq -r .id <<<"${h#* }")" = "$(jq -r .id <<<"${first#* }")" ] && echo yes || echo no)"
	h=$(post /api/userOrders '{"item":"once","quantity":2}' -H "Authorization: Bearer $a2" -H 'Idempotency-Key: 5f0c-key-1')
	check_eq "$1: the same key from another user → 201, that user's own new order" "201 no" \
	    "${h%% *} $( [ "$(jq -r .id <<<"${h#* }")" = "$(jq -r .id <<<"${first#* }")" ] && echo yes || echo no)"
	# (An empty header is none: lighttpd passes no empty header on.)
	for k in "$(head -c 256 /dev/zero | tr '\0' k)" 'two words' "$(printf 'tab\tkey')"; do
		h=$(post /api/userOrders '{"item":"bad","quantity":1}' -H "Authorization: Bearer $a1" -H "Idempotency-Key: $k")
		check_eq "$1: Idempotency-Key '${k:0:12}' (${#k} bytes) → 400 invalid_request" "400 invalid_request" \
		    "${h%% *} $(jq -r .error <<<"${h#* }")"
	done
	: >"$T_TMP/idem.$1"
	burst 8 "$T_TMP/idem.$1" /api/userOrders '{"item":"race","quantity":1}' \
	    -H "Authorization: Bearer $a2" -H 'Idempotency-Key: race-1'
	check_eq "$1: 8 POSTs with one key at once: 8 × 201, all the same order" "201×8 1" \
	    "$(codes "$T_TMP/idem.$1") $(cut -f2 "$T_TMP/idem.$1" | jq -r .id | sort -u | wc -l)"
	n=$(curl -sS --max-time 20 -H "Authorization: Bearer $a2" "$URL/api/userOrders" | jq '[.orders[] | select(.item == "race")] | length')
	check_eq "$1: … one order made" 1 "$n"
}
idem postgresql
stop_lighttpd >/dev/null
if [ -n "${PG_BOUNCER:-}" ]; then
	:
elif serve_sqlite; then
	idem sqlite
else
	t_fail "lighttpd starts on SQLite again" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
fi

# ---------------------------------------------------------------------------
# The PostgreSQL module (jwt-auth-pg.so): loaded only with DATABASE_URL,
# looked for beside the program, refused when of another build.  Each
# program runs once as CGI (env -i), LD_DEBUG=files naming what it loads.

# start_err EXE NAME=value...: EXE's stderr (LD_DEBUG's lines included),
# then "rc=N".
start_err() {
	local exe=$1
	shift
	{ env -i TOKEN_SECRET="$SECRET" REQUEST_METHOD=GET \
	    REQUEST_URI=/api/health "$@" "$exe" >/dev/null; } 2>&1
	echo "rc=$?"
}
loaded() { grep -oE 'file=[^ ]*(libpq\.so|jwt-auth-pg\.so)[^ ]*' | sed 's|.*[/=]||' | sort -u | paste -sd' '; }
check_eq "on SQLite, login loads neither libpq nor the PostgreSQL module" "" \
    "$(start_err "$BUILD/login" LD_DEBUG=files DATABASE_PATH="$T_TMP/mod.db" | loaded)"
check_eq "on PostgreSQL, login loads the module and libpq (control)" \
    "jwt-auth-pg.so libpq.so.5" \
    "$(start_err "$BUILD/login" LD_DEBUG=files DATABASE_URL="$DB_URL" \
        PWHASH_LOCK_FILE="$T_TMP/pwhash.lock" | loaded)"
mkdir -p "$T_TMP/mod/bin"
cp "$BUILD/login" "$T_TMP/mod/bin/"
cp "$(ldd "$BUILD/login" | awk '$1 ~ /^libsodium/ { print $3 }')" "$T_TMP/mod/bin/jwt-auth-pg.so"
check_eq "a module of another build beside login: one line naming DATABASE_URL, exit 1" \
    "login: DATABASE_URL: the PostgreSQL module jwt-auth-pg.so found is of another build than the program; install both together
rc=1" "$(start_err "$T_TMP/mod/bin/login" DATABASE_URL="$DB_URL" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock")"
cp "$BUILD/jwt-auth-pg.so" "$T_TMP/mod/bin/jwt-auth-pg.so"
check_eq "the module of its build beside it: login answers (control)" "rc=0" \
    "$(start_err "$T_TMP/mod/bin/login" DATABASE_URL="$DB_URL" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock")"
rm "$T_TMP/mod/bin/jwt-auth-pg.so"
if [ -e /usr/local/lib/jwt-auth/jwt-auth-pg.so ]; then
	check_eq "no module beside login: the installed one in /usr/local/lib/jwt-auth serves" "rc=0" \
	    "$(start_err "$T_TMP/mod/bin/login" DATABASE_URL="$DB_URL" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock")"
else
	check_eq "no module anywhere: one line naming DATABASE_URL and where it looked, exit 1" \
	    "login: DATABASE_URL: the PostgreSQL module jwt-auth-pg.so is neither beside $T_TMP/mod/bin nor in /usr/local/lib/jwt-auth
rc=1" "$(start_err "$T_TMP/mod/bin/login" DATABASE_URL="$DB_URL" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock")"
fi

# ---------------------------------------------------------------------
# The order list, the hot read, is a named statement where the server
# keeps it (a direct connection), and unnamed behind a pooler that does
# not: pgbouncer's 4 server connections already hold it from the
# workers, so a new client's PREPARE meets "already exists" (42P05)
# there by the fifth run at the latest, and that run must still answer.
# Each run is userorders once as CGI: a new connection (the service
# serves SQLite by now).
# ---------------------------------------------------------------------
cgi_list() {
	env -i TOKEN_SECRET="$SECRET" REQUEST_METHOD=GET \
	    REQUEST_URI='/api/userOrders?limit=3' QUERY_STRING=limit=3 \
	    HTTP_AUTHORIZATION="Bearer $ACCESS" DATABASE_URL="$DB_URL" \
	    "$BUILD/userorders" 2>/dev/null | tail -n 1 | jq -r '[.orders[].id] | join(" ")'
}
pg_sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
pg_sql "SELECT pg_reload_conf()" >/dev/null
mark=$(wc -l <"$PG_DIR/server.log")
want=$(pg_sql "SELECT string_agg(id::text, ' ' ORDER BY id) FROM (SELECT id FROM orders WHERE username = '$name' ORDER BY id LIMIT 3) o")
runs=1
[ -z "${PG_BOUNCER:-}" ] || runs=5
got=
for _ in $(seq "$runs"); do got="$got$(cgi_list);"; done
body='{"item":"logged","quantity":1}'
printf '%s' "$body" | env -i TOKEN_SECRET="$SECRET" REQUEST_METHOD=POST \
    REQUEST_URI=/api/userOrders CONTENT_TYPE=application/json \
    CONTENT_LENGTH=${#body} HTTP_AUTHORIZATION="Bearer $ACCESS" \
    DATABASE_URL="$DB_URL" "$BUILD/userorders" >/dev/null 2>&1
check_eq "$runs GET(s) as CGI, each a new connection: the first 3 orders each time" \
    "$(printf "$want;%.0s" $(seq "$runs"))" "$got"
log=$(tail -n +"$((mark + 1))" "$PG_DIR/server.log")
list='SELECT id, item, quantity, created_at FROM jwt_auth_orders_page'
if [ -z "${PG_BOUNCER:-}" ]; then
	check_match "… made as a named statement and run by its name" \
	    "execute jwt_auth_[0-9a-f]{16}: $list" "$log"
	check_match "positive control: an order written meanwhile is an unnamed statement" \
	    'execute <unnamed>: INSERT INTO orders ' "$log"
else
	check_match "… a PREPARE through pgbouncer met the name already there (42P05)" \
	    'prepared statement "jwt_auth_[0-9a-f]{16}" already exists' "$log"
	check_match "… and that run listed its orders as an unnamed statement" \
	    "execute <unnamed>: $list" "$log"
fi
pg_sql "ALTER SYSTEM RESET log_statement" >/dev/null
pg_sql "SELECT pg_reload_conf()" >/dev/null

check_eq "nothing the backends wrote to stderr names the secret" "" \
    "$(grep -F "$SECRET" "$STDERR" "$ERRLOG" 2>/dev/null)"

t_done
