#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-pgcopy.sh: `authctl db copy --to URL`, the move of an
# installation from SQLite to PostgreSQL, round trip.  Users, orders and
# sessions are made through lighttpd on SQLite; the copy is refused while
# the service has the file open, done once it is stopped, and refused
# again into a target that is no longer empty; then the service on
# PostgreSQL serves the same users with the same passwords, rotates the
# refresh tokens handed out before, lists every order under its old id,
# and still refuses the session that was logged out.
# Ends with "pgcopy: N passed, N failed".
T_NAME=pgcopy
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/pg/suite.sh
. "$ROOT/tests/pg/suite.sh"
pg_suite curl jq lighttpd "$PG_BIN/initdb" "$PG_BIN/psql" "$BUILD/authctl"
pg_start_or_fail

pg_service_env
DB=$T_TMP/auth.db
PW='correct horse battery'

# call METHOD PATH BODY [curl args...]: prints "STATUS BODY".
call() {
	local m=$1 path=$2 body=$3
	shift 3
	curl -sS --max-time 20 -X "$m" -o "$T_TMP/cb" -w '%{http_code}' \
	    -H 'Content-Type: application/json' ${body:+--data-binary "$body"} "$@" \
	    "$URL$path" 2>>"$T_TMP/curl.err"
	printf ' %s\n' "$(tr -d '\n' <"$T_TMP/cb")"
}
# ctl ARGS...: authctl on the SQLite store; sets OUT (stdout and stderr)
# and RC.
ctl() {
	OUT=$(env - PATH="$PATH" ENV_FILE="$ENV_FILE" DATABASE_PATH="$DB" \
	    "$BUILD/authctl" "$@" 2>&1 </dev/null)
	RC=$?
}

# ---------------------------------------------------------------------
# Before: the service on SQLite
# ---------------------------------------------------------------------
if ! DATABASE_PATH=$DB start_lighttpd; then
	t_fail "lighttpd starts on SQLite" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
	t_done
	exit 1
fi
r=$(call POST /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PW\"}")
A_REFRESH=$(jq -r .refresh_token <<<"${r#* }")
A_ACCESS=$(jq -r .access_token <<<"${r#* }")
for i in 1 2 3; do
	call POST /api/userOrders "{\"item\":\"book $i\",\"quantity\":$i}" -H "Authorization: Bearer $A_ACCESS" >/dev/null
done
A_ORDERS=$(call GET /api/userOrders '' -H "Authorization: Bearer $A_ACCESS")
r=$(call POST /api/createNewUser "{\"username\":\"bob\",\"password\":\"bob's password\"}")
B_REFRESH=$(jq -r .refresh_token <<<"${r#* }")
call POST /api/logout "{\"refresh_token\":\"$B_REFRESH\"}" >/dev/null
r=$(call POST /api/login "{\"username\":\"bob\",\"password\":\"bob's password\"}")
B_LIVE=$(jq -r .refresh_token <<<"${r#* }")
check_match "before: alice has 3 orders on SQLite" '^200 .*"book 3"' "$A_ORDERS"

ctl db copy --to "$PG_URL"
check_match "db copy while the service has the SQLite file open: refused, naming a process" \
    '^1 authctl: DATABASE_PATH: .* is in use by process [0-9]+: stop the service before copying$' "$RC $OUT"
check_eq "… nothing was written to PostgreSQL" "" "$(pg_sql "SELECT to_regclass('users')")"
stop_lighttpd >/dev/null

ctl db copy "$PG_URL"
check_eq "db copy without --to: a usage error (exit 2)" 2 "$RC"
ctl db copy --to 'postgresql://auth:Pw9sEcReT@[::1/x'
check_eq "db copy to a malformed URL: exit 1, one line, no password" \
    "1 authctl: DATABASE_URL: not a valid connection string (a postgresql:// URI or libpq key=value words)" "$RC $OUT"

# ---------------------------------------------------------------------
# The copy
# ---------------------------------------------------------------------
ctl db copy --to "$PG_URL"
check_eq "db copy with the service stopped: exit 0, the counts" \
    "0 copied 2 users, 3 orders, 2 sessions (2 refresh tokens) and 0 deleted names from $DB" "$RC $OUT"
check_eq "… the rows are in PostgreSQL" "2 3" \
    "$(pg_sql "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM orders)")"
OUT=$(printf '%s\n' "$PG_URL" | env - PATH="$PATH" ENV_FILE="$ENV_FILE" DATABASE_PATH="$DB" \
    "$BUILD/authctl" db copy --to - 2>&1)
RC=$?
check_eq "a second copy (the URL on standard input): refused, the target is not empty" \
    "1 authctl: db copy: the target is not empty (users holds 2 rows): copy only into a new database" "$RC $OUT"
check_eq "… and it changed nothing" 2 "$(pg_sql 'SELECT count(*) FROM users')"

# ---------------------------------------------------------------------
# After: the service on PostgreSQL
# ---------------------------------------------------------------------
: >"$STDERR"
if ! DATABASE_PATH='' DATABASE_URL=$PG_URL PWHASH_LOCK_FILE=$T_TMP/pwhash.lock start_lighttpd; then
	t_fail "lighttpd starts on PostgreSQL" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
	t_done
	exit 1
fi
r=$(call POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}")
check_eq "alice logs in on PostgreSQL with the same password → 200" 200 "${r%% *}"
check_eq "positive control: a wrong password → 401" 401 \
    "$(call POST /api/login '{"username":"alice","password":"not her password"}' | cut -d' ' -f1)"
ACCESS=$(jq -r .access_token <<<"${r#* }")
check_eq "every order is listed, with its old id, byte for byte" "$A_ORDERS" \
    "$(call GET /api/userOrders '' -H "Authorization: Bearer $ACCESS")"
r=$(call POST /api/token "{\"refresh_token\":\"$A_REFRESH\"}")
check_eq "a refresh token handed out on SQLite rotates on PostgreSQL → 200" 200 "${r%% *}"
check_eq "… and, spent, it is refused after" 403 \
    "$(call POST /api/token "{\"refresh_token\":\"$A_REFRESH\"}" | cut -d' ' -f1)"
check_eq "bob's live session rotates too" 200 \
    "$(call POST /api/token "{\"refresh_token\":\"$B_LIVE\"}" | cut -d' ' -f1)"
check_eq "bob's logged-out session stays refused" 403 \
    "$(call POST /api/token "{\"refresh_token\":\"$B_REFRESH\"}" | cut -d' ' -f1)"
r=$(call POST /api/userOrders '{"item":"after","quantity":1}' -H "Authorization: Bearer $ACCESS")
check_eq "a new order gets the next id after the copied ones" "201 4" "${r%% *} $(jq -r .id <<<"${r#* }")"

t_done
