#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-pgfailover.sh: a primary and a synchronous streaming standby
# (tests/pg/lib.sh), DATABASE_URL naming both hosts with
# target_session_attrs=read-write, the service through lighttpd under a
# steady load of order writes.  The primary is killed (`pg_ctl stop -m
# immediate`), the standby promoted (its synchronous_standby_names cleared
# first): the writes answer 503 during the switch and 201 again after it,
# the workers having found the new primary by themselves; no request
# hangs, and every order that got a 201 is on the new primary.  The old
# primary is fenced with a standby.signal, so a restart brings it back
# read-only.  Ends with "pgfailover: N passed, N failed".
T_NAME=pgfailover
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/pg/suite.sh
. "$ROOT/tests/pg/suite.sh"
pg_suite curl jq lighttpd "$PG_BIN/initdb" "$PG_BIN/pg_basebackup"
pg_start_or_fail
if ! pgs_start; then
	t_fail "a synchronous standby starts" "$(tail -n 5 "$PGS_DIR"/*.log 2>/dev/null)"
	t_done
	exit 1
fi
t_ok "a primary and a synchronous streaming standby (sync_state sync)"

pg_service_env
BOTH="postgresql:///jwtauth?host=$PG_DIR,$PGS_DIR&user=postgres&target_session_attrs=read-write"
if ! DATABASE_PATH='' DATABASE_URL=$BOTH PWHASH_LOCK_FILE=$T_TMP/pwhash.lock start_lighttpd; then
	t_fail "lighttpd starts with DATABASE_URL naming both hosts" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
	t_done
	exit 1
fi
body=$(curl -sS --max-time 20 -H 'Content-Type: application/json' \
    -d '{"username":"steady","password":"correct horse battery"}' "$URL/api/createNewUser")
ACCESS=$(jq -r .access_token <<<"$body")
check_match "sign-up on the primary → a token" '^eyJ' "$ACCESS"

writers_start 4
wait_for 200 more_than 201 20 || t_fail "the writers get 201s before the failover"
# Fenced before it dies: restarted, it would come back a standby.
as_pg touch "$PG_DIR/data/standby.signal"
pg_stop immediate
t_ok "the primary killed (pg_ctl stop -m immediate) under write load"
wait_for 300 more_than 503 20
check_match "while there is no primary the writes answer 503" '^[1-9]' "$(count 503)"
if pgs_promote; then
	t_ok "the standby promoted, its synchronous_standby_names cleared"
else
	t_fail "the standby is promoted" "$(tail -n 5 "$PGS_DIR/server.log")"
fi
at=$(count 201)
if wait_for 300 more_than 201 $((at + 20)); then
	t_ok "the writes answer 201 again: the workers found the new primary by themselves"
else
	t_fail "the writes answer 201 again after the promotion" "$(cat "$T_TMP"/w.* | cut -f1 | sort | uniq -c)"
fi
writers_stop
check_eq "every answer was a 201 or a 503 (no hung request: curl's 15 s never ran out)" "" \
    "$(cat "$T_TMP"/w.* | cut -f1 | grep -vxE '201|503' | sort | uniq -c)"
check_acked_listed "on the new primary"
check_eq "… which is the old standby, out of recovery" f "$(psql_at "$PGS_DIR" 'SELECT pg_is_in_recovery()')"
pg_restart_server >/dev/null 2>&1
check_eq "the old primary, started again, is fenced: read-only (in recovery)" t \
    "$(psql_at "$PG_DIR" 'SELECT pg_is_in_recovery()' 2>/dev/null)"
check_eq "… and the service still writes to the new one" 201 \
    "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $ACCESS" \
    -H 'Content-Type: application/json' -d '{"item":"after","quantity":1}' "$URL/api/userOrders")"

t_done
