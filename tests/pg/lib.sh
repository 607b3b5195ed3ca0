# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# A throwaway PostgreSQL 15 for the tests: Debian's postgresql-15 binaries,
# initdb into a temporary folder of its own, the server on a unix socket in
# that folder only (no TCP), run as the postgres user when we are root (the
# server refuses root), stopped by PID.  Source it after tests/lib.sh and
# tests/http/helpers.sh.
#
#	pg_start		sets PG_DIR, PG_URL (a database "jwtauth") and
#				PG_PID; 1 when it would not start
#	pg_start_or_fail	the same, or a failed test and exit 1
#	pg_stop [MODE]		pg_ctl stop -m MODE (fast); waits for the PID
#	pg_restart_server	start it again on the same folder
#	pg_sql SQL		psql -At on the database, one value a line
#	pgs_start		a synchronous streaming standby of it in PGS_DIR
#				(pg_basebackup -R); sets PGS_PID
#	pgs_promote		the standby made the primary: its
#				synchronous_standby_names cleared, promoted
#	pgb_start		pgbouncer (Debian's 1.18) in transaction pooling
#				mode in front of it, on a unix socket in
#				PG_DIR/bouncer; sets PGB_URL and PGB_PID
#	pg_cleanup		stop both and remove the folder
#
# And load helpers for the suites that drive the service at URL (their
# files in T_TMP; background jobs in JOBS):
#	post, bg, burst N, codes; writers_start N, writers_stop, count,
#	more_than, acked_ids, listed_ids, check_acked_listed (below; the
#	suites wait with tests/lib.sh's wait_for)

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
PGB_PID=
PGS_DIR=
PGS_PID=
# shellcheck disable=SC2034 # read by the suites
PGB_URL=
PG_DIR=
PG_PID=
# shellcheck disable=SC2034 # read by the suites
PG_URL=

# as_pg CMD...: CMD as the postgres user when we are root, from / (it may
# not enter the working directory, a checkout in a private home).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# fsync off by default: the tests check answers, not durability across a
# crash of the machine; bench/pg.sh sets PG_FSYNC=on, as in production.
pg_restart_server() {
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -o "-k $PG_DIR -c listen_addresses='' -c fsync=${PG_FSYNC:-off} -c max_connections=200" \
	    -w -t 30 start >/dev/null || return 1
	PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] || { echo "pg_start: $PG_BIN/initdb missing (deploy/deps.sh test)" >&2; return 1; }
	PG_DIR=$(mktemp -d -t authpg.XXXXXX) || return 1
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
	as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 \
	    --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || return 1
	pg_restart_server || return 1
	# shellcheck disable=SC2034
	PG_URL="postgresql:///jwtauth?host=$PG_DIR&user=postgres"
	"$PG_BIN/psql" -X -q -h "$PG_DIR" -U postgres -d postgres \
	    -c 'CREATE DATABASE jwtauth' >/dev/null
}

pg_start_or_fail() {
	if ! pg_start; then
		t_fail "PostgreSQL 15 starts in a temporary folder" "$(tail -n 5 "$PG_DIR"/*.log 2>/dev/null)"
		t_done
		exit 1
	fi
}

pg_sql() {
	"$PG_BIN/psql" -X -q -At -h "$PG_DIR" -U postgres -d jwtauth -c "$1"
}

pg_stop() {
	[ -n "$PG_PID" ] || return 0
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w stop >/dev/null 2>&1
	wait_gone 100 "$PG_PID" || { kill -KILL "$PG_PID" 2>/dev/null; wait_gone 20 "$PG_PID"; }
	PG_PID=
}

# pg_service_env [LINE...]: what start_lighttpd needs in T_TMP: SECRET (128
# hex digits), RUN_DIR, LOG_DIR, ERRLOG, STDERR, and ENV_FILE holding the
# secret and each LINE.
# shellcheck disable=SC2120 # the lines are optional
pg_service_env() {
	SECRET=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
	RUN_DIR=$T_TMP/run
	LOG_DIR=$T_TMP/log
	mkdir -p "$RUN_DIR" "$LOG_DIR"
	ENV_FILE=$T_TMP/auth.env
	printf 'TOKEN_SECRET=%s\n' "$SECRET" >"$ENV_FILE"
	[ $# -eq 0 ] || printf '%s\n' "$@" >>"$ENV_FILE"
	# shellcheck disable=SC2034 # read by tests/http/helpers.sh
	ERRLOG=$LOG_DIR/lighttpd-error.log
	# shellcheck disable=SC2034
	STDERR=$T_TMP/lighttpd.stderr
}

# psql_at DIR SQL: SQL on the server whose socket is in DIR.
psql_at() {
	"$PG_BIN/psql" -X -q -At -h "$1" -U postgres -d jwtauth -c "$2"
}

# The primary waits for a standby on every commit ('*': any), set before
# the base backup, so the standby has it too, as a copy of a real
# primary would: pgs_promote must clear it, or every commit on the new
# primary would wait for a standby that does not exist.
pgs_start() {
	psql_at "$PG_DIR" "ALTER SYSTEM SET synchronous_standby_names = '*'" &&
	    psql_at "$PG_DIR" "SELECT pg_reload_conf()" >/dev/null || return 1
	PGS_DIR=$(mktemp -d -t authpgs.XXXXXX) || return 1
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PGS_DIR"
	as_pg "$PG_BIN/pg_basebackup" -D "$PGS_DIR/data" -h "$PG_DIR" -U postgres \
	    -R -X stream -c fast >"$PGS_DIR/basebackup.log" 2>&1 || return 1
	as_pg "$PG_BIN/pg_ctl" -D "$PGS_DIR/data" -l "$PGS_DIR/server.log" \
	    -o "-k $PGS_DIR -c listen_addresses='' -c fsync=off -c max_connections=200" \
	    -w -t 30 start >/dev/null || return 1
	PGS_PID=$(head -n 1 "$PGS_DIR/data/postmaster.pid")
	wait_for 300 pgs_in_sync
}
pgs_in_sync() {
	[ "$(psql_at "$PG_DIR" "SELECT sync_state FROM pg_stat_replication" 2>/dev/null)" = sync ]
}
pgs_promote() {
	psql_at "$PGS_DIR" "ALTER SYSTEM RESET synchronous_standby_names" &&
	    psql_at "$PGS_DIR" "SELECT pg_reload_conf()" >/dev/null &&
	    as_pg "$PG_BIN/pg_ctl" -D "$PGS_DIR/data" -w -t 30 promote >/dev/null
}

# Transaction pooling with fewer server connections (4) than the service
# has workers, so every transaction may run on another connection than
# the one before: what keeps no named statement and no session setting.
pgb_start() {
	local d=$PG_DIR/bouncer
	as_pg mkdir -m 0700 "$d" || return 1
	as_pg sh -c "cat >'$d/pgbouncer.ini'" <<-EOF || return 1
	[databases]
	jwtauth = host=$PG_DIR dbname=jwtauth user=postgres
	[pgbouncer]
	listen_addr =
	listen_port = 6432
	unix_socket_dir = $d
	auth_type = trust
	auth_file = $d/users.txt
	admin_users = postgres
	pool_mode = transaction
	default_pool_size = 4
	max_client_conn = 400
	logfile = $d/pgbouncer.log
	pidfile = $d/pgbouncer.pid
	EOF
	as_pg sh -c "echo '\"postgres\" \"\"' >'$d/users.txt'" || return 1
	as_pg "$PGBOUNCER" -d -q "$d/pgbouncer.ini" || return 1
	for _ in $(seq 100); do
		[ -S "$d/.s.PGSQL.6432" ] && [ -s "$d/pgbouncer.pid" ] && break
		sleep 0.1
	done
	PGB_PID=$(cat "$d/pgbouncer.pid" 2>/dev/null) || return 1
	# shellcheck disable=SC2034
	PGB_URL="postgresql:///jwtauth?host=$d&port=6432&user=postgres"
}

# pgb_show WHAT: pgbouncer's admin console, SHOW WHAT.
pgb_show() {
	"$PG_BIN/psql" -X -q -At -h "$PG_DIR/bouncer" -p 6432 -U postgres -d pgbouncer -c "SHOW $1"
}

pg_cleanup() {
	if [ -n "$PGB_PID" ]; then
		kill -TERM "$PGB_PID" 2>/dev/null
		wait_gone 50 "$PGB_PID" || kill -KILL "$PGB_PID" 2>/dev/null
		PGB_PID=
	fi
	pg_stop immediate
	if [ -n "$PGS_PID" ]; then
		as_pg "$PG_BIN/pg_ctl" -D "$PGS_DIR/data" -m immediate -w stop >/dev/null 2>&1
		wait_gone 100 "$PGS_PID" || kill -KILL "$PGS_PID" 2>/dev/null
		PGS_PID=
	fi
	[ -n "$PGS_DIR" ] && rm -rf "$PGS_DIR"
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	PG_DIR=
}

# post PATH BODY [curl args...]: one request; prints "STATUS BODY".
post() {
	local path=$1 body=$2
	shift 2
	curl -sS --max-time 20 -o "$T_TMP/pb" -w '%{http_code}' \
	    -H 'Content-Type: application/json' --data-binary "$body" "$@" \
	    "$URL$path" 2>>"$T_TMP/curl.err"
	printf ' %s\n' "$(tr -d '\n' <"$T_TMP/pb")"
}
# bg OUT PATH BODY [curl args...]: the same in the background, appending
# "STATUS<TAB>BODY" to OUT in one write.
bg() {
	local out=$1 path=$2 body=$3 line
	shift 3
	line=$(curl -sS --max-time 20 -o - -w '\t%{http_code}' \
	    -H 'Content-Type: application/json' --data-binary "$body" "$@" \
	    "$URL$path" 2>>"$T_TMP/curl.err")
	body=${line%$'\t'*}
	# One line each (a body ends with a newline), in one write.
	printf '%s\t%s\n' "${line##*$'\t'}" "${body//$'\n'/}" >>"$out"
}
# wait_jobs: wait for JOBS (each bounded by curl's --max-time).
wait_jobs() {
	local j
	for j in "${JOBS[@]}"; do wait "$j"; done
	JOBS=()
}
# burst N OUT PATH BODY [curl args...]: N of bg at once, waited for.
burst() {
	local n=$1
	shift
	for _ in $(seq "$n"); do
		bg "$@" &
		JOBS+=($!)
	done
	wait_jobs
}
# codes FILE: the statuses of bg lines, counted ("201×1 409×11").
codes() { cut -f1 "$1" | sort | uniq -c | awk '{ printf "%s%s×%s", (NR > 1 ? " " : ""), $2, $1 }'; }

# writer N: order writes with ACCESS one after another until writers_stop;
# "STATUS<TAB>BODY" lines in $T_TMP/w.N (curl gives up after 15 s: 000).
WRITERS=()
writer() {
	local n=$1 i=0 line b
	while [ ! -e "$T_TMP/stop" ]; do
		i=$((i + 1))
		line=$(curl -sS --max-time 15 -o - -w '\t%{http_code}' \
		    -H "Authorization: Bearer $ACCESS" -H 'Content-Type: application/json' \
		    -d "{\"item\":\"w$n-$i\",\"quantity\":1}" "$URL/api/userOrders" 2>/dev/null)
		b=${line%$'\t'*}
		printf '%s\t%s\n' "${line##*$'\t'}" "${b//$'\n'/}" >>"$T_TMP/w.$n"
	done
}
writers_start() {
	local n
	rm -f "$T_TMP/stop"
	for n in $(seq "$1"); do
		: >"$T_TMP/w.$n"
		writer "$n" &
		WRITERS+=($!)
	done
}
writers_stop() {
	local w
	: >"$T_TMP/stop"
	for w in "${WRITERS[@]}"; do wait "$w"; done
	WRITERS=()
}
# count STATUS: the writers' answers with that status so far.
count() { cat "$T_TMP"/w.* 2>/dev/null | cut -f1 | grep -cx "$1"; }
more_than() { [ "$(count "$1")" -gt "$2" ]; }
# acked_ids, listed_ids: the ids of the orders the writers got a 201 for,
# and of ACCESS's user's orders as listed now; sorted, on one line.
acked_ids() { cat "$T_TMP"/w.* | grep '^201' | cut -f2 | jq -r .id | sort -n | paste -sd' '; }
listed_ids() {
	curl -sS --max-time 20 -H "Authorization: Bearer $ACCESS" "$URL/api/userOrders?limit=1000" |
	    jq -r '.orders[].id' | sort -n | paste -sd' '
}
# check_acked_listed WHERE: every id the writers got a 201 for is listed
# now.  Not the other way round: a commit whose answer was lost when the
# database went away (the client got a 503) may be listed too.
check_acked_listed() {
	local acked listed
	acked=$(acked_ids)
	listed=$(listed_ids)
	check_match "positive control: orders got a 201 and are listed" '^[1-9]' "$acked"
	check_eq "every order that got a 201 is $1" "" \
	    "$(comm -23 <(tr ' ' '\n' <<<"$acked" | sort) <(tr ' ' '\n' <<<"$listed" | sort) | paste -sd' ')"
}
