#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# deploy/spawn-fcgi.sh: start one of the service's FastCGI executables with
# spawn-fcgi on a unix socket, for a web server that does not spawn them
# itself (nginx, deploy/nginx.conf; Apache mod_proxy_fcgi), or the
# authorizer on a loopback TCP port for Apache mod_authnz_fcgi.
#
#	deploy/spawn-fcgi.sh [-u USER [-g GROUP]] [-G SOCKET_GROUP]
#	    [-F N -P PIDFILE] EXECUTABLE SOCKET
#
# e.g., as root, for nginx whose workers run as www-data:
#
#	ENV_FILE=/etc/jwt-auth/env DATABASE_PATH=/var/lib/jwt-auth/auth.db \
#	    deploy/spawn-fcgi.sh -u jwt-auth -G www-data \
#	    login /run/jwt-auth/login.sock
#
# EXECUTABLE is login, userorders, refresh or authorize ($APP_ROOT/build/NAME,
# where APP_ROOT is the checkout holding this script), or a path to one.
# SOCKET is the absolute path of the unix socket to create; it must be the
# path the web server's configuration names (deploy/nginx.conf:
# @RUN_DIR@/NAME.sock).  No TCP: libfcgi 2.4.2 aborts on some crafted
# records (CVE-2025-23016, only partly fixed in Debian 12), so only the web
# server may reach the socket, and spawn-fcgi's TCP default address is
# 0.0.0.0.  The one exception is the authorizer for Apache mod_authnz_fcgi,
# which speaks TCP only (deploy/apache-authnz-fcgi.conf): for authorize,
# SOCKET may be 127.0.0.1:PORT, a loopback port any local user can reach
# (so supervise it), and libfcgi is told to accept connections from
# 127.0.0.1 only (FCGI_WEB_SERVER_ADDRS).
#
# The socket is created with mode 0660 (spawn-fcgi -M 0660): its owner and
# group may connect, nobody else.  Its owner is USER (or whoever runs this
# script), its group GROUP, or SOCKET_GROUP when -G is given: make that the
# web server's group (www-data on Debian).  The socket's directory must let
# the web server's user through (x permission) and no one else write in it.
#
# The executable runs as USER:GROUP (-u, -g; GROUP defaults to USER's
# primary group), an unprivileged account of its own.  This script refuses to
# run it as root: as root, give -u; without root, it runs as the caller.
# ALLOW_ROOT=1 lifts the refusal, for tests and throwaway development only.
# USER must be able to read ENV_FILE (and TOKEN_SECRET_FILE) and to write
# DATABASE_PATH's directory (SQLite adds -wal and -shm files there, the
# service a -gen file).
#
# Environment: the executable starts from `env -` plus only these, when set
# in this script's environment: PATH, ENV_FILE, DATABASE_PATH,
# TOKEN_SECRET_FILE and the service's settings (TOKEN_SECRET,
# ACCESS_TOKEN_SECRET, ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, TOKEN_ISSUER,
# TOKEN_AUDIENCE, TOKEN_LEEWAY, AUTH_INVALID_STATUS, AUTH_COOKIES,
# AUTH_COOKIE_PATH, LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS,
# LOGIN_MAX_FAILURES_PER_NAME, LOGIN_WINDOW, TRUSTED_PROXIES,
# SIGNUP_MAX_PER_ADDRESS, PWHASH_MAX_CONCURRENT, PWHASH_WAIT, CORS_ORIGINS,
# CORS_MAX_AGE, AUTH_COOKIE_SAMESITE, TOKEN_ALG, TOKEN_VERIFY_KEYS_FILE,
# TOKEN_ACCEPT_HS256_UNTIL, TOKEN_SECRET_PREVIOUS,
# TOKEN_SECRET_PREVIOUS_UNTIL, DATABASE_URL, DATABASE_URL_FILE,
# PWHASH_LOCK_FILE, and TOKEN_SIGNING_KEY_FILE for login and refresh but
# never userorders or authorize: every one of .env.example; and libpq's
# PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE and the like), which win
# over ENV_FILE (dotenv's rule).  With asymmetric tokens, run login and
# refresh as a user that can read the private key and the verifiers as
# one that cannot (-u), and keep TOKEN_SIGNING_KEY_FILE out of a shared
# ENV_FILE.
# Prefer the secret in ENV_FILE or TOKEN_SECRET_FILE (mode 0640, root:USER)
# to TOKEN_SECRET in the environment.  Its working directory is APP_ROOT, so
# a relative ENV_FILE or DATABASE_PATH (default .env and var/auth.db) is
# relative to the checkout; use absolute paths.  Descriptors above 2 are
# closed first (spawn-fcgi would pass them on).
#
# Foreground (default): spawn-fcgi -n replaces itself with the executable,
# one process, whose PID is this script's; its start-up errors come out on
# this script's stderr.  Run it under a supervisor (systemd Restart=, runit,
# daemontools): spawn-fcgi never restarts a process that dies.
# -F N: spawn-fcgi forks N processes sharing the socket and returns; their
# PIDs go to PIDFILE (-P, required), their stderr to /dev/null, so a start-up
# error shows only as "child exited with: 1" (run once in the foreground to
# see why).  Each process serves one request at a time.
set -euo pipefail

prog=deploy/spawn-fcgi.sh
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
usage() {
	printf 'usage: %s [-u USER [-g GROUP]] [-G SOCKET_GROUP] [-F N -P PIDFILE] EXECUTABLE SOCKET\n' "$prog" >&2
	exit 2
}

APP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

user='' group='' sock_group='' children='' pidfile=''
while getopts 'u:g:G:F:P:h' opt; do
	case $opt in
	u) user=$OPTARG ;;
	g) group=$OPTARG ;;
	G) sock_group=$OPTARG ;;
	F) children=$OPTARG ;;
	P) pidfile=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
exe=$1
socket=$2

case $exe in
*/*) ;;
login | userorders | refresh | authorize) exe=$APP_ROOT/build/$exe ;;
*) die "EXECUTABLE is login, userorders, refresh, authorize or a path, not '$exe'" ;;
esac
if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then
	die "$exe is not an executable: run 'make all' first"
fi
port=''
case $socket in
/*) [ -d "${socket%/*}/" ] || die "the socket's directory ${socket%/*}/ does not exist" ;;
127.0.0.1:*)
	[ "${exe##*/}" = authorize ] ||
		die "only the authorizer listens on TCP (for Apache mod_authnz_fcgi); give $exe a unix socket"
	port=${socket#127.0.0.1:}
	if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$port" -gt 65535 ]; then
		die "the port in '$socket' must be a number from 1 to 65535"
	fi
	;;
*) die "SOCKET must be an absolute path to a unix socket (or 127.0.0.1:PORT for authorize), not '$socket'" ;;
esac
if [ -n "$children" ]; then
	[[ $children =~ ^[1-9][0-9]?$ ]] || die "-F takes a number of processes from 1 to 99, not '$children'"
	[ -n "$pidfile" ] || die "-F needs -P PIDFILE (to stop the processes later)"
elif [ -n "$pidfile" ]; then
	die "-P goes with -F (in the foreground, the PID is this script's)"
fi
[ -z "$group" ] || [ -n "$user" ] || die "-g goes with -u"
[ -z "$port" ] || [ -z "$sock_group" ] || die "-G sets a unix socket's group: not for a TCP port"
spawn=$(PATH=$PATH:/usr/bin:/usr/sbin:/bin command -v spawn-fcgi) ||
	die "spawn-fcgi is not installed (apt-get install spawn-fcgi)"

if [ -n "$port" ]; then
	args=(-a 127.0.0.1 -p "$port" -d "$APP_ROOT")
else
	args=(-s "$socket" -M 0660 -d "$APP_ROOT")
fi
if [ "$(id -u)" -eq 0 ]; then
	if [ -n "$user" ]; then
		uid=$(id -u "$user" 2>/dev/null) || die "no such user: $user"
		[ "$uid" -ne 0 ] || die "-u $user is root: give an unprivileged user"
		args+=(-u "$user")
		[ -z "$group" ] || args+=(-g "$group")
		# spawn-fcgi would bind the socket and then fail silently
		# (the web server answering 503): say so now when USER cannot
		# enter APP_ROOT or run the executable (a checkout in a
		# private home folder, say).
		if command -v setpriv >/dev/null; then
			for p in "$APP_ROOT" "$exe"; do
				setpriv --reuid="$uid" \
				    --regid="${group:-$(id -g "$user")}" \
				    --init-groups -- test -x "$p" ||
				    die "$user cannot reach $p (every folder above it must let $user through)"
			done
		fi
	elif [ "${ALLOW_ROOT:-}" != 1 ]; then
		die "refusing to run $exe as root: give -u USER (and -G the web server's group), or set ALLOW_ROOT=1 for tests"
	fi
	[ -z "$sock_group" ] || args+=(-G "$sock_group")
else
	[ -z "$user" ] || die "-u needs root; without it the executable runs as $(id -un)"
	# Without root, the caller must belong to SOCKET_GROUP (chgrp rules).
	[ -z "$sock_group" ] || args+=(-G "$sock_group")
fi
if [ -n "$children" ]; then
	args+=(-F "$children" -P "$pidfile")
else
	args+=(-n)
fi

# The allowlist.
envs=()
for v in PATH ENV_FILE DATABASE_PATH TOKEN_SECRET_FILE TOKEN_SECRET \
	ACCESS_TOKEN_SECRET ACCESS_TOKEN_TTL REFRESH_TOKEN_TTL TOKEN_ISSUER \
	TOKEN_AUDIENCE TOKEN_LEEWAY AUTH_INVALID_STATUS AUTH_COOKIES \
	AUTH_COOKIE_PATH LOGIN_MAX_FAILURES LOGIN_MAX_FAILURES_PER_ADDRESS \
	LOGIN_MAX_FAILURES_PER_NAME LOGIN_WINDOW TRUSTED_PROXIES \
	SIGNUP_MAX_PER_ADDRESS PWHASH_MAX_CONCURRENT PWHASH_WAIT CORS_ORIGINS \
	CORS_MAX_AGE AUTH_COOKIE_SAMESITE TOKEN_ALG TOKEN_VERIFY_KEYS_FILE \
	TOKEN_ACCEPT_HS256_UNTIL TOKEN_SECRET_PREVIOUS \
	TOKEN_SECRET_PREVIOUS_UNTIL TOKEN_SIGNING_KEY_FILE \
	DATABASE_URL DATABASE_URL_FILE PWHASH_LOCK_FILE PGHOST PGHOSTADDR PGPORT \
	PGDATABASE PGUSER PGPASSWORD PGPASSFILE PGSERVICE PGSERVICEFILE \
	PGSSLMODE PGSSLROOTCERT PGSSLCERT PGSSLKEY PGCONNECT_TIMEOUT \
	PGTARGETSESSIONATTRS; do
	# The private key is the signers' alone (README, "Asymmetric
	# tokens"): userorders and authorize, which only verify, never get
	# its path.
	case $v:${exe##*/} in
	TOKEN_SIGNING_KEY_FILE:userorders | TOKEN_SIGNING_KEY_FILE:authorize)
		continue ;;
	esac
	[ -n "${!v+set}" ] && envs+=("$v=${!v}")
done
# On TCP, libfcgi takes connections from these addresses only.
[ -z "$port" ] || envs+=(FCGI_WEB_SERVER_ADDRS=127.0.0.1)

# Close inherited descriptors above 2 (a glob of /proc/self/fd would list
# the one it reads through, and this shell's own 255 is closed by exec).
for fd in "/proc/$$/fd/"*; do
	fd=${fd##*/}
	[ "$fd" -gt 2 ] && [ "$fd" -ne 255 ] && eval "exec $fd>&-"
done

exec env - "${envs[@]}" "$spawn" "${args[@]}" -- "$exe"
