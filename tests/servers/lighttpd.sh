# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# tests/servers/lighttpd.sh: lighttpd mod_fastcgi from deploy/lighttpd.conf,
# as `make run` serves it: lighttpd spawns the three executables itself (2
# processes each) on unix sockets in $TMPDIR_SERVER/run.  The conf reads its
# paths from the environment, so nothing is substituted.  Sourced by
# tests/suite-servers.sh (the interface is described there).

# What lighttpd answers itself (deploy/lighttpd.conf's banner): 431 for a
# 9 KiB header, 413, 411, and 503 for an executable that is down.
# shellcheck disable=SC2034 # read by tests/suite-servers.sh
SERVER_OWN_STATUS="431 413 411 503"

server_start() {
	local lighttpd
	lighttpd=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd) || {
		echo "lighttpd is not installed (deploy/deps.sh test)"
		return 1
	}
	LIGHTTPD_ERR=$TMPDIR_SERVER/lighttpd.stderr
	mkdir -m 0700 "$TMPDIR_SERVER/run" "$TMPDIR_SERVER/log" || return 1
	# The JWK Set it serves: $RUN_DIR/jwks.json, a link (deploy/run.sh's).
	ln -s "$JWKS_FILE" "$TMPDIR_SERVER/run/jwks.json" || return 1
	(umask 0077 && printf 'TOKEN_SECRET=%s\nCORS_ORIGINS=%s\n' "$SECRET" \
	    "$CORS_ORIGINS" >"$TMPDIR_SERVER/auth.env") || return 1
	# As deploy/run.sh: umask 0007 (sockets 0770, i.e. owner and group),
	# an empty environment plus exactly what the conf's banner names.
	(
		umask 0007
		exec env - PATH="$PATH" APP_ROOT="$APP_ROOT" PORT="$PORT" \
		    RUN_DIR="$TMPDIR_SERVER/run" LOG_DIR="$TMPDIR_SERVER/log" \
		    ENV_FILE="$TMPDIR_SERVER/auth.env" \
		    DATABASE_PATH="$TMPDIR_SERVER/auth.db" \
		    "$lighttpd" -D -f "$APP_ROOT/deploy/lighttpd.conf"
	) </dev/null >"$LIGHTTPD_ERR" 2>&1 &
	LIGHTTPD_PID=$!
	SERVER_PIDS=$LIGHTTPD_PID
	# shellcheck disable=SC2034 # read by tests/suite-servers.sh
	SERVER_NOTE="$("$lighttpd" -v 2>/dev/null | sed -n 's/^\(lighttpd\/[0-9.]*\).*/\1/p') mod_fastcgi"
	if ! server_wait_http 200 "$LIGHTTPD_PID"; then
		echo "lighttpd did not answer on 127.0.0.1:$PORT"
		tail -n 10 "$LIGHTTPD_ERR" "$TMPDIR_SERVER/log/lighttpd-error.log" 2>/dev/null
		server_stop
		return 1
	fi
	SERVER_PIDS="$LIGHTTPD_PID $(children "$LIGHTTPD_PID" | tr "\n" " ")"
	return 0
}

# Down for good: an ENV_FILE the executables refuse at start-up (a short
# secret), then SIGTERM to every backend; lighttpd's attempts to start them
# again fail, and it answers 503.
server_stop_backends() {
	local backends
	printf 'TOKEN_SECRET=too-short\n' >"$TMPDIR_SERVER/auth.env" || return 1
	backends=$(children "$LIGHTTPD_PID" | tr '\n' ' ')
	# shellcheck disable=SC2086 # one PID per word
	stop_pids $backends
}

# lighttpd SIGTERMs its backends as it stops but does not wait for them;
# it may also have respawned some since the start: take its children anew.
server_stop() {
	local rc=0 backends
	[ -n "${LIGHTTPD_PID:-}" ] || return 0
	backends="${SERVER_PIDS#"$LIGHTTPD_PID"} $(children "$LIGHTTPD_PID" | tr "\n" " ")"
	stop_pids "$LIGHTTPD_PID" || rc=1
	# shellcheck disable=SC2086 # one PID per word
	if ! wait_gone 30 $backends; then
		echo "backends still running 3 s after lighttpd stopped:$backends"
		stop_pids $backends
		rc=1
	fi
	LIGHTTPD_PID=
	return "$rc"
}
