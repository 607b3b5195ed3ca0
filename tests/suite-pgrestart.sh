#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-pgrestart.sh: PostgreSQL going away and coming back.  First
# the start-up rules of DATABASE_URL, with the executables run as plain
# CGI: a malformed URL, a refused login and DATABASE_PATH beside it stop
# the program with one line that never holds the password; a database
# that is down does not (each request answers 503 JSON with Retry-After);
# GET /api/health.  Then, through lighttpd under a steady load of order
# writes, the server is stopped with `pg_ctl stop -m immediate` and started
# again: the writes answer 503 while it is down and 201 again after it, by
# themselves, no request hangs, and every order that got a 201 is there.
# The long run of the PostgreSQL suites: SUITES without pgrestart leaves
# it out.  Ends with "pgrestart: N passed, N failed".
T_NAME=pgrestart
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/pg/suite.sh
. "$ROOT/tests/pg/suite.sh"
pg_suite curl jq lighttpd "$PG_BIN/initdb" "$PG_BIN/psql"
pg_start_or_fail
pg_service_env
PASSWORD=Pw9sEcReT4

# ---------------------------------------------------------------------
# Start-up, as plain CGI
# ---------------------------------------------------------------------
# run_cgi EXE VAR=VALUE...: one GET /api/health (login) or /api/userOrders
# as CGI with only ENV_FILE and the variables given; sets OUT (stdout),
# ERR (stderr) and RC.
run_cgi() {
	local exe=$1 uri=/api/health
	shift
	[ "$exe" = userorders ] && uri=/api/userOrders
	OUT=$(cd "$T_TMP" && env - PATH="$PATH" ENV_FILE="$ENV_FILE" "$@" \
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET REQUEST_URI=$uri \
	    SCRIPT_NAME=$uri timeout 20 "$BUILD/$exe" 2>"$T_TMP/err")
	RC=$?
	ERR=$(cat "$T_TMP/err")
}
# status_of TEXT: the CGI Status line's code.
status_of() { sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$1" | head -n 1; }

run_cgi login DATABASE_URL="$PG_URL" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock"
check_eq "positive control: GET /api/health with PostgreSQL up → 200 {\"status\":\"ok\"}" \
    '200 {"status":"ok"}' "$(status_of "$OUT") $(tail -n 1 <<<"$OUT")"

# A database of schema version 2 (before the order list's function) is
# brought to 3 by the first process that reaches it, once.
pg_sql "DROP FUNCTION jwt_auth_orders_page(text, bigint, integer); UPDATE jwt_auth_schema SET version = 2"
check_eq "positive control: the schema set back to version 2, without the function" "2 0" \
    "$(pg_sql "SELECT version || ' ' || (SELECT count(*) FROM pg_proc WHERE proname = 'jwt_auth_orders_page') FROM jwt_auth_schema")"
run_cgi login DATABASE_URL="$PG_URL" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock"
run_cgi login DATABASE_URL="$PG_URL" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock"
check_eq "a version-2 schema: migrated to 3 by the next process, once; the function is there" \
    "200 3 1 1" "$(status_of "$OUT") $(pg_sql "SELECT version || ' ' || count(*) over () || ' ' || (SELECT count(*) FROM pg_proc WHERE proname = 'jwt_auth_orders_page') FROM jwt_auth_schema")"

run_cgi login DATABASE_URL="postgresql://auth:$PASSWORD@[::1/auth" PWHASH_LOCK_FILE="$T_TMP/l"
check_eq "a malformed URL: exit 1, one line naming DATABASE_URL, no answer" \
    "1 1 login: DATABASE_URL: not a valid connection string (a postgresql:// URI or libpq key=value words)" \
    "$RC $(wc -l <<<"$ERR") $ERR"
run_cgi login DATABASE_URL="host=$PG_DIR dbname=jwtauth password=$PASSWORD x" PWHASH_LOCK_FILE="$T_TMP/l"
check_eq "key=value words that do not parse (a word without =): refused, the password not echoed" \
    "1 no" "$RC $(grep -qF "$PASSWORD" <<<"$ERR" && echo yes || echo no)"
run_cgi login DATABASE_URL="mysql://auth:$PASSWORD@db/auth" PWHASH_LOCK_FILE="$T_TMP/l"
check_eq "another scheme (mysql://): exit 1, named, the password not echoed" \
    "1 login: DATABASE_URL: not a postgresql:// URI or libpq key=value words" "$RC $ERR"
run_cgi login DATABASE_URL="postgresql://nobody:$PASSWORD@/jwtauth?host=$PG_DIR" PWHASH_LOCK_FILE="$T_TMP/l"
check_match "a login the server refuses (no such role): exit 1, one line saying why" \
    '^1 1 login: DATABASE_URL: cannot connect: .*FATAL: +role "nobody" does not exist$' \
    "$RC $(wc -l <<<"$ERR") $ERR"
check_eq "… without the password" "" "$(grep -F "$PASSWORD" <<<"$ERR")"
run_cgi login DATABASE_URL="$PG_URL" DATABASE_PATH="$T_TMP/auth.db" PWHASH_LOCK_FILE="$T_TMP/l"
check_eq "DATABASE_URL beside DATABASE_PATH: exit 1, naming both" \
    "1 login: DATABASE_URL: set together with DATABASE_PATH; set only one of them" "$RC $ERR"
run_cgi login DATABASE_URL="$PG_URL"
check_match "login without PWHASH_LOCK_FILE on PostgreSQL: exit 1, naming it" \
    '^1 login: PWHASH_LOCK_FILE: not set' "$RC $ERR"
run_cgi userorders DATABASE_URL="$PG_URL"
check_eq "… the other executables need none: userorders starts (401 without a token)" \
    401 "$(status_of "$OUT")"

down="postgresql:///jwtauth?host=$T_TMP/nowhere&user=postgres"
mkdir "$T_TMP/nowhere"
run_cgi login DATABASE_URL="$down" PWHASH_LOCK_FILE="$T_TMP/pwhash.lock"
check_eq "a database that is down is no start-up error: GET /api/health → 503 service_unavailable" \
    "0 503 service_unavailable" "$RC $(status_of "$OUT") $(tail -n 1 <<<"$OUT" | jq -r .error)"
check_eq "… with Retry-After: 1" "Retry-After: 1" "$(grep -m1 '^Retry-After:' <<<"$OUT" | tr -d '\r')"

# ---------------------------------------------------------------------
# Stopped and started again under load
# ---------------------------------------------------------------------
if ! DATABASE_PATH='' DATABASE_URL=$PG_URL PWHASH_LOCK_FILE=$T_TMP/pwhash.lock start_lighttpd; then
	t_fail "lighttpd starts with DATABASE_URL" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
	t_done
	exit 1
fi
body=$(curl -sS --max-time 20 -H 'Content-Type: application/json' \
    -d '{"username":"steady","password":"correct horse battery"}' "$URL/api/createNewUser")
ACCESS=$(jq -r .access_token <<<"$body")

writers_start 4

wait_for 200 more_than 201 20 || t_fail "the writers get 201s before the stop"
pg_stop immediate
t_ok "PostgreSQL stopped with pg_ctl stop -m immediate under load"
ok_before=$(count 201)
wait_for 300 more_than 503 20
check_match "while it is down the writes answer 503" '^[1-9]' "$(count 503)"
h=$(curl -sS --max-time 20 -D "$T_TMP/hh" -o "$T_TMP/hb" -w '%{http_code}' "$URL/api/health")
check_eq "… and GET /api/health 503 service_unavailable, with Retry-After" \
    "503 service_unavailable Retry-After: 1" \
    "$h $(jq -r .error "$T_TMP/hb") $(grep -m1 '^Retry-After:' "$T_TMP/hh" | tr -d '\r')"
down503=$(count 503)
pg_restart_server || t_fail "PostgreSQL starts again" "$(tail -n 5 "$PG_DIR/server.log")"
ok_at_restart=$(count 201)
if wait_for 300 more_than 201 $((ok_at_restart + 20)); then
	t_ok "after the restart the writes answer 201 again, the workers reconnected by themselves"
else
	t_fail "after the restart the writes answer 201 again" "$(cat "$T_TMP"/w.* | cut -f1 | sort | uniq -c)"
fi
writers_stop
check_eq "every answer was a 201 or a 503 (no hung request: curl's 15 s never ran out)" "" \
    "$(cat "$T_TMP"/w.* | cut -f1 | grep -vxE '201|503' | sort | uniq -c)"
check_match "… 201s before the stop ($ok_before), 503s while down ($down503)" '^[1-9][0-9]* [1-9]' \
    "$ok_before $down503"
check_acked_listed "in PostgreSQL after the restart"
h=$(curl -sS --max-time 20 -o "$T_TMP/hb" -w '%{http_code}' "$URL/api/health")
check_eq "GET /api/health → 200 again" "200 ok" "$h $(jq -r .status "$T_TMP/hb")"
check_match "the workers' log says why they answered 503: the database, not a lock" \
    'store failed: (DATABASE_URL: cannot connect|database)' "$(grep -h 'store failed' "$ERRLOG" | tail -n 1)"
check_eq "… never \"still locked\" (SQLite's reason)" 0 "$(grep -c 'still locked' "$ERRLOG")"
check_eq "no backend left a line with the secret" "" "$(grep -F "$SECRET" "$STDERR" "$ERRLOG" 2>/dev/null)"

t_done
