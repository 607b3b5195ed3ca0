#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# deploy/run.sh: serve the service in the foreground through lighttpd, as
# `make run` does after building: the API, the page at /, and the demo page
# /protected/ behind the authorizer (with AUTH_COOKIES=1 AUTH_COOKIE_PATH=/
# in the environment, the signed-in page's cookie reaches it).  Ctrl-C (or
# SIGTERM) stops lighttpd and every backend it spawned.
#
#	PORT		TCP port on 127.0.0.1 (default 8080)
#	DATABASE_PATH	SQLite file (default var/auth.db in the repository)
#	DATABASE_URL	PostgreSQL instead (here or in ENV_FILE; or
#			DATABASE_URL_FILE): DATABASE_PATH is then left unset,
#			and PWHASH_LOCK_FILE defaults to var/pwhash.lock
#	ENV_FILE	the backends' dotenv file (default .env in the
#			repository, which this script creates with a fresh
#			TOKEN_SECRET when it holds none)
#	TOKEN_ALG	EdDSA, ES256 or RS256: asymmetric tokens, with a key
#			pair made under var/ when there is none (below)
#
# Everything else the backends read (TOKEN_SECRET, ACCESS_TOKEN_TTL, ...)
# goes in ENV_FILE, or in this script's environment, which wins over the
# file: lighttpd is started from an empty environment plus an allowlist (the
# paths above and the service's own settings), and passes only those on.
# Data, sockets and logs live in var/ (mode 0700): var/run/ holds the
# sockets, var/log/ lighttpd's error and access logs.  The backends' stderr
# (a start-up error, say) comes out on this script's stderr.
#
# Running as root is fine for development: deploy/lighttpd.conf leaves
# server.username unset, so lighttpd and its backends simply stay root.
# Never do that in production (see the banner of deploy/lighttpd.conf).
set -euo pipefail

prog=deploy/run.sh
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

caller_dir=$PWD
APP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$APP_ROOT"

# Relative paths given by the caller are relative to where they ran us.
absolute() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$caller_dir" "$1" ;;
	esac
}

PORT=${PORT:-8080}
if ! [[ $PORT =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
	die "PORT must be a TCP port number (1-65535), not '$PORT'"
fi
PORT=$((10#$PORT))

for bin in login userorders refresh authorize; do
	[[ -x build/$bin ]] || die "build/$bin is missing: run 'make all' first (or 'make run')"
done
[[ -f web/index.html ]] || die "web/index.html is missing"
lighttpd=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd) ||
	die "lighttpd is not installed: run 'deploy/deps.sh run' (or 'make run')"

# var/ holds the database and the sockets: private to this user.  umask 0007
# makes the sockets lighttpd creates 0770 (the x bits mean nothing on a
# socket: owner and group may connect, nobody else), and the database 0660.
umask 0007
mkdir -p var
chmod 0700 var
mkdir -p var/run var/log
RUN_DIR=$APP_ROOT/var/run
LOG_DIR=$APP_ROOT/var/log

# One instance per checkout: a second one would share the sockets.
exec 9>"$RUN_DIR/run.lock"
flock -n 9 || die "another deploy/run.sh is already serving from $APP_ROOT"

# The secret.  A line with an empty value ("TOKEN_SECRET=", as in a copy of
# .env.example) does not count; an existing secret is never touched.
has_secret() {
	grep -Eq "^[[:space:]]*(export[[:space:]]+)?(TOKEN_SECRET|ACCESS_TOKEN_SECRET|TOKEN_SECRET_FILE)[[:space:]]*=[[:space:]]*([^[:space:]#\"']|\"[^\"]|'[^'])" "$1"
}
if [[ -n ${ENV_FILE:-} ]]; then
	ENV_FILE=$(absolute "$ENV_FILE")
	[[ -r $ENV_FILE ]] || die "ENV_FILE=$ENV_FILE is not a readable file"
	has_secret "$ENV_FILE" ||
		printf '%s: warning: %s sets no TOKEN_SECRET, ACCESS_TOKEN_SECRET or TOKEN_SECRET_FILE\n' \
			"$prog" "$ENV_FILE" >&2
else
	ENV_FILE=$APP_ROOT/.env
	# A secret in our environment wins over the file: then write none, or
	# the backends would see two secrets that disagree and refuse.
	if [[ -z ${TOKEN_SECRET:-}${ACCESS_TOKEN_SECRET:-}${TOKEN_SECRET_FILE:-} ]] &&
	    { [[ ! -e $ENV_FILE ]] || ! has_secret "$ENV_FILE"; }; then
		# 64 random bytes as 128 hex digits, as Node's
		# randomBytes(64).toString('hex') in the tutorial.
		secret=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
		[[ ${#secret} -eq 128 ]] || die "could not read 64 bytes from /dev/urandom"
		(
			umask 0077
			# Append on a line of its own, even after a file
			# without a final newline.
			if [[ -s $ENV_FILE && -n $(tail -c 1 "$ENV_FILE") ]]; then
				echo >>"$ENV_FILE"
			fi
			printf '# Written by deploy/run.sh: HMAC key for the access tokens.\nTOKEN_SECRET=%s\n' \
				"$secret" >>"$ENV_FILE"
		)
		unset secret
	fi
	# The backends are told ENV_FILE, so it must exist, if only empty.
	[[ -e $ENV_FILE ]] || (umask 0077 && : >"$ENV_FILE")
	chmod 0600 "$ENV_FILE"
fi
[[ -n ${TOKEN_SECRET_FILE:-} ]] && TOKEN_SECRET_FILE=$(absolute "$TOKEN_SECRET_FILE")

# Asymmetric tokens (README): `TOKEN_ALG=EdDSA make run` (or ES256, RS256)
# signs with var/keys/signing.pem and publishes var/jwks.json, both made
# by `authctl key generate` when there is no key yet (var/keys/ 0700, the
# private keys 0600); lighttpd serves the set at /.well-known/jwks.json
# from $RUN_DIR/jwks.json, a link to it (deploy/lighttpd.conf).
rm -f "$RUN_DIR/jwks.json"
case ${TOKEN_ALG:-HS256} in
HS256) ;;
*)
	TOKEN_SIGNING_KEY_FILE=$(absolute "${TOKEN_SIGNING_KEY_FILE:-$APP_ROOT/var/keys/signing.pem}")
	TOKEN_VERIFY_KEYS_FILE=$(absolute "${TOKEN_VERIFY_KEYS_FILE:-$APP_ROOT/var/jwks.json}")
	export TOKEN_SIGNING_KEY_FILE TOKEN_VERIFY_KEYS_FILE
	if [[ ! -e $TOKEN_SIGNING_KEY_FILE ]]; then
		[[ -x build/authctl ]] || die "build/authctl is missing: run 'make all' first (or 'make run')"
		mkdir -p "$(dirname "$TOKEN_VERIFY_KEYS_FILE")"
		ENV_FILE=$ENV_FILE build/authctl key generate >/dev/null ||
			die "cannot make a $TOKEN_ALG key with authctl key generate"
		printf '%s: made a %s key: %s, its JWK Set %s\n' "$prog" \
			"$TOKEN_ALG" "$TOKEN_SIGNING_KEY_FILE" "$TOKEN_VERIFY_KEYS_FILE"
	fi
	ln -s "$TOKEN_VERIFY_KEYS_FILE" "$RUN_DIR/jwks.json"
	;;
esac


# file_sets NAME FILE: FILE gives NAME a non-empty value.
file_sets() {
	grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=[[:space:]]*[^[:space:]#]" "$2"
}

# PostgreSQL (DATABASE_URL here or in ENV_FILE): no DATABASE_PATH of ours,
# which the backends would refuse beside it; a DATABASE_PATH the caller set
# still goes, and they say so.
pg=
if [[ -n ${DATABASE_URL:-}${DATABASE_URL_FILE:-} ]] ||
    file_sets 'DATABASE_URL(_FILE)?' "$ENV_FILE"; then
	pg=1
fi
[[ -n ${DATABASE_URL_FILE:-} ]] && DATABASE_URL_FILE=$(absolute "$DATABASE_URL_FILE")
if [[ -n ${DATABASE_PATH:-} ]]; then
	DATABASE_PATH=$(absolute "$DATABASE_PATH")
elif [[ -z $pg ]]; then
	DATABASE_PATH=$APP_ROOT/var/auth.db
fi
if [[ -n $pg && -z ${PWHASH_LOCK_FILE:-} ]] && ! file_sets PWHASH_LOCK_FILE "$ENV_FILE"; then
	PWHASH_LOCK_FILE=$APP_ROOT/var/pwhash.lock
fi
[[ -n ${PWHASH_LOCK_FILE:-} ]] && PWHASH_LOCK_FILE=$(absolute "$PWHASH_LOCK_FILE")

# The service's own settings in our environment (every one of .env.example;
# deploy/lighttpd.conf's var.copy_env passes the same) reach the backends
# and win over ENV_FILE (dotenv's rule, docs/api.md); nothing else does.
passed=()
for v in TOKEN_SECRET ACCESS_TOKEN_SECRET TOKEN_SECRET_FILE ACCESS_TOKEN_TTL \
	REFRESH_TOKEN_TTL TOKEN_ISSUER TOKEN_AUDIENCE TOKEN_LEEWAY \
	AUTH_INVALID_STATUS AUTH_COOKIES AUTH_COOKIE_PATH LOGIN_MAX_FAILURES \
	LOGIN_MAX_FAILURES_PER_ADDRESS LOGIN_MAX_FAILURES_PER_NAME LOGIN_WINDOW \
	TRUSTED_PROXIES SIGNUP_MAX_PER_ADDRESS PWHASH_MAX_CONCURRENT \
	PWHASH_WAIT CORS_ORIGINS CORS_MAX_AGE AUTH_COOKIE_SAMESITE TOKEN_ALG \
	TOKEN_SIGNING_KEY_FILE TOKEN_VERIFY_KEYS_FILE TOKEN_ACCEPT_HS256_UNTIL \
	TOKEN_SECRET_PREVIOUS TOKEN_SECRET_PREVIOUS_UNTIL \
	DATABASE_PATH DATABASE_URL DATABASE_URL_FILE PWHASH_LOCK_FILE \
	PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGSSLMODE PGSSLROOTCERT PGSSLCERT PGSSLKEY \
	PGCONNECT_TIMEOUT PGTARGETSESSIONATTRS; do
	[[ -n ${!v+set} ]] && passed+=("$v")
done

# Is anything answering on the port already?
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}
port_in_use && die "port $PORT on 127.0.0.1 is already in use: stop what listens there, or choose another one (PORT=8081 make run)"

# An HTTP answer on the port: lighttpd is up and its backends are spawned.
answers_http() (
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
	printf 'HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 || exit 1
	line=
	IFS= read -r -t 2 line <&3 || true
	[[ $line == HTTP/* ]]
) 2>/dev/null

# The backends of this checkout: our executables listening on a socket in
# RUN_DIR (their fd 0).  Prints their PIDs.
backends() {
	local p exe ino
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		[[ $exe == "$APP_ROOT"/build/* ]] || continue
		ino=$(readlink "$p/fd/0" 2>/dev/null) || continue
		[[ $ino =~ ^socket:\[([0-9]+)\]$ ]] || continue
		ino=${BASH_REMATCH[1]}
		awk -v i="$ino" -v d="$RUN_DIR/" '$7 == i && index($8, d) == 1 { f = 1 } END { exit !f }' \
			/proc/net/unix && printf '%s\n' "${p#/proc/}"
	done
	return 0
}

errlog=$LOG_DIR/lighttpd-error.log
errlog_start=$( (stat -c %s "$errlog" 2>/dev/null || echo 0) )
show_errlog() {
	[[ -f $errlog ]] || return 0
	printf '%s: from %s:\n' "$prog" "${errlog#"$APP_ROOT"/}" >&2
	tail -c +"$((errlog_start + 1))" "$errlog" | tail -n 20 >&2
}

pid=
stopping=
stop() {
	stopping=1
	[[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
	return 0
}
trap stop INT TERM HUP

# An empty environment plus an allowlist (what lighttpd.conf reads), made
# by unsetting the rest in a subshell rather than by `env - NAME=value`,
# which would put a secret on a command line for a moment (/proc/*/cmdline
# is world-readable).  The lock stays with this script.
(
	export APP_ROOT PORT RUN_DIR LOG_DIR ENV_FILE
	keep=" PATH TZ APP_ROOT PORT RUN_DIR LOG_DIR ENV_FILE ${passed[*]} "
	while IFS= read -r v; do
		[[ $keep == *" $v "* ]] || unset "$v" 2>/dev/null
	done < <(compgen -e)
	for v in "${passed[@]}"; do export "${v?}"; done
	exec 9>&- "$lighttpd" -D -f "$APP_ROOT/deploy/lighttpd.conf"
) &
pid=$!

# Wait until it answers, or died.
ready=
for _ in $(seq 300); do
	[[ -n $stopping ]] && break
	kill -0 "$pid" 2>/dev/null || break
	if answers_http; then
		ready=1
		break
	fi
	sleep 0.1
done
if [[ -n $ready ]]; then
	printf 'serving http://127.0.0.1:%s (Ctrl-C stops)\n' "$PORT"
elif [[ -z $stopping ]]; then
	kill -0 "$pid" 2>/dev/null && stop
fi

# wait returns early when a trapped signal arrives: wait again.
# (A zombie still passes kill -0, so the last round reaps it.)
while :; do
	wait "$pid" && rc=0 || rc=$?
	kill -0 "$pid" 2>/dev/null || break
done

# lighttpd SIGTERMs its backends as it stops; make sure none is left.
# lighttpd does not wait for them: give them 2 s to exit.
for _ in $(seq 20); do
	left=$(backends)
	[[ -z $left ]] && break
	sleep 0.1
done
if [[ -n $left ]]; then
	printf '%s: backends still running after lighttpd stopped, terminating: %s\n' \
		"$prog" "${left//$'\n'/ }" >&2
	# shellcheck disable=SC2086 # one PID per word
	kill -TERM $left 2>/dev/null || true
	for _ in $(seq 20); do
		left=$(backends)
		[[ -z $left ]] && break
		sleep 0.1
	done
	if [[ -n $left ]]; then
		printf '%s: killing: %s\n' "$prog" "${left//$'\n'/ }" >&2
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null || true
	fi
	rc=1
fi

if [[ -z $ready ]]; then
	[[ -n $stopping ]] && exit 130
	printf '%s: lighttpd did not start (exit status %s)\n' "$prog" "$rc" >&2
	show_errlog
	exit 1
fi
# lighttpd exits 0 only when a signal stopped it (a Ctrl-C reaches the
# whole process group, so it may well have been told before this script).
if [[ -z $stopping && $rc -ne 0 ]]; then
	printf '%s: lighttpd exited by itself (exit status %s)\n' "$prog" "$rc" >&2
	show_errlog
	exit 1
fi
exit "$rc"
