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
#	pgb_start		pgbouncer (Debian's 1.18) in transaction pooling
#				mode in front of it, on a unix socket in
#				PG_DIR/bouncer; sets PGB_URL and PGB_PID
#	pg_cleanup		stop both and remove the folder
#
# And load helpers for the suites that drive the service at URL (their
# files in T_TMP; background jobs in JOBS):
#	post, bg, burst N, codes (below)

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
PGB_PID=
# shellcheck disable=SC2034 # read by the suites
PGB_URL=
PG_DIR=
PG_PID=
# shellcheck disable=SC2034 # read by the suites
PG_URL=

# as_pg CMD...: CMD as the postgres user when we are root.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_restart_server() {
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -o "-k $PG_DIR -c listen_addresses='' -c fsync=off -c max_connections=200" \
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
