#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# deploy/cluster/cluster.sh start|stop: the service as several machines run
# it, on this one: haproxy (deploy/cluster/haproxy.cfg) in front of two
# nodes, each a lighttpd from deploy/lighttpd.conf with the executables on
# its own port and run folder, both on one PostgreSQL.  After `make all`:
#
#	deploy/cluster/cluster.sh start	# serves http://127.0.0.1:8080
#	deploy/cluster/cluster.sh stop
#
#	CLUSTER_DIR	its folder (default var/cluster): the env file, the
#			nodes' sockets and logs, PIDs, and unless
#			DATABASE_URL is given, the database's own folder (in
#			~postgres instead when started as root and the
#			postgres user cannot reach CLUSTER_DIR)
#	PORT		haproxy's port on 127.0.0.1 (8080)
#	NODE_PORTS	the nodes' ports ("8081 8082")
#	DATABASE_URL	a PostgreSQL to use; unset: one of its own
#			(postgresql-15, initdb'd on first start, run as the
#			postgres user when started as root)
#
# The nodes share CLUSTER_DIR/env (a TOKEN_SECRET made on first start, and
# TRUSTED_PROXIES=127.0.0.1: haproxy's address, so its X-Forwarded-For is
# believed and throttling counts clients).  stop stops what start started,
# by PID; the data stays for the next start.
set -euo pipefail

prog=deploy/cluster/cluster.sh
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
[[ $# -eq 1 && ($1 == start || $1 == stop) ]] || { echo "usage: $prog start|stop" >&2; exit 2; }

# Logical, not -P: a staged copy may link deploy/ back to the checkout.
APP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER_DIR=${CLUSTER_DIR:-$APP_ROOT/var/cluster}
PORT=${PORT:-8080}
read -r -a nodes <<<"${NODE_PORTS:-8081 8082}"
((${#nodes[@]} == 2)) || die "NODE_PORTS must name two ports"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PATH=$PATH:/usr/sbin:/sbin
(umask 0077 && mkdir -p "$CLUSTER_DIR")
# Others may pass through (the postgres user, to its folder), not list.
chmod 0711 "$CLUSTER_DIR"
CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd -P)

# as_pg CMD...: the database's commands, as postgres when we are root,
# from / (it may not enter our working directory, a private home).
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The database's folder: CLUSTER_DIR/pg, or, when the postgres user
# cannot reach CLUSTER_DIR (a private folder above it, as var/ is), one
# of its own in its home, named after CLUSTER_DIR.
PG_DIR=$CLUSTER_DIR/pg
if [[ $(id -u) -eq 0 ]] && ! (cd / && runuser -u postgres -- test -x "$CLUSTER_DIR"); then
	PG_DIR=~postgres/jwt-auth-cluster-$(printf '%s' "$CLUSTER_DIR" | md5sum | cut -c1-8)
fi

# stop_pid FILE: SIGTERM the PID in FILE and wait up to 5 s for it.
stop_pid() {
	local pid
	[[ -s $1 ]] || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null || { rm -f "$1"; return 0; }
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$1"
}

stop() {
	local i f
	stop_pid "$CLUSTER_DIR/haproxy.pid"
	for i in 1 2; do
		# lighttpd SIGTERMs its backends but does not wait for them.
		f=$CLUSTER_DIR/node$i/backends
		stop_pid "$CLUSTER_DIR/node$i/lighttpd.pid"
		if [[ -s $f ]]; then
			while read -r p; do
				printf '%s\n' "$p" >"$f.one"
				stop_pid "$f.one"
			done <"$f"
			rm -f "$f"
		fi
	done
	if [[ -s $PG_DIR/data/postmaster.pid ]]; then
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
	fi
}

if [[ $1 == stop ]]; then
	stop
	exit 0
fi

for bin in login userorders refresh; do
	[[ -x $APP_ROOT/build/$bin ]] || die "build/$bin is missing: run 'make all' first"
done
command -v haproxy >/dev/null || die "haproxy is not installed: run 'deploy/deps.sh test'"
command -v lighttpd >/dev/null || die "lighttpd is not installed: run 'deploy/deps.sh run'"
[[ -s $CLUSTER_DIR/haproxy.pid ]] && kill -0 "$(cat "$CLUSTER_DIR/haproxy.pid")" 2>/dev/null &&
	die "already running from $CLUSTER_DIR ($prog stop first)"
trap 'stop; exit 1' ERR INT TERM

umask 0077
mkdir -p "$CLUSTER_DIR"
if [[ ! -s $CLUSTER_DIR/env ]]; then
	secret=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
	printf 'TOKEN_SECRET=%s\nTRUSTED_PROXIES=127.0.0.1\n' "$secret" >"$CLUSTER_DIR/env"
	unset secret
fi

# The database: the one given, or our own on a unix socket in PG_DIR.
if [[ -z ${DATABASE_URL:-} ]]; then
	[[ -x $PG_BIN/initdb ]] || die "$PG_BIN/initdb is missing: run 'deploy/deps.sh test'"
	if [[ ! -d $PG_DIR/data ]]; then
		mkdir -p "$PG_DIR"
		[[ $(id -u) -eq 0 ]] && chown postgres: "$PG_DIR"
		as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 \
		    --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log"
		fresh=1
	fi
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -o "-k $PG_DIR -c listen_addresses=''" -w start >/dev/null
	if [[ -n ${fresh:-} ]]; then
		"$PG_BIN/psql" -X -q -h "$PG_DIR" -U postgres -d postgres -c 'CREATE DATABASE jwtauth'
	fi
	DATABASE_URL="postgresql:///jwtauth?host=$PG_DIR&user=postgres"
fi

# The nodes: lighttpd from deploy/lighttpd.conf, as deploy/run.sh starts it.
for i in 1 2; do
	d=$CLUSTER_DIR/node$i
	mkdir -p "$d/run" "$d/log"
	(
		umask 0007
		exec env - PATH="$PATH" APP_ROOT="$APP_ROOT" PORT="${nodes[i - 1]}" \
		    RUN_DIR="$d/run" LOG_DIR="$d/log" ENV_FILE="$CLUSTER_DIR/env" \
		    DATABASE_URL="$DATABASE_URL" PWHASH_LOCK_FILE="$d/pwhash.lock" \
		    lighttpd -D -f "$APP_ROOT/deploy/lighttpd.conf"
	) </dev/null >>"$d/log/stderr" 2>&1 &
	echo $! >"$d/lighttpd.pid"
done

CLUSTER_ERRORS=$APP_ROOT/deploy/cluster/errors CLUSTER_PORT=$PORT \
    NODE1=127.0.0.1:${nodes[0]} NODE2=127.0.0.1:${nodes[1]} \
    haproxy -D -p "$CLUSTER_DIR/haproxy.pid" -f "$APP_ROOT/deploy/cluster/haproxy.cfg"

# Up when haproxy answers /api/health through a node.
up=
for _ in $(seq 150); do
	if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/api/health") == 200 ]]; then
		up=1
		break
	fi
	sleep 0.1
done
for i in 1 2; do
	pgrep -P "$(cat "$CLUSTER_DIR/node$i/lighttpd.pid")" >"$CLUSTER_DIR/node$i/backends" || true
done
[[ -n $up ]] || { stop; die "no node answered through haproxy on 127.0.0.1:$PORT (see $CLUSTER_DIR/node*/log/)"; }
trap - ERR INT TERM
printf 'serving http://127.0.0.1:%s: haproxy, nodes on %s and %s, %s\n' "$PORT" \
    "${nodes[0]}" "${nodes[1]}" "${DATABASE_URL%%\?*}"
