# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# tests/servers/lighttpd-cgi.sh: lighttpd mod_cgi from deploy/lighttpd-cgi.conf:
# the three executables as plain CGI, one process per request (each reads
# ENV_FILE and opens the store anew).  The conf reads its paths from the
# environment, so nothing is substituted; the settings go in ENV_FILE, since
# mod_cgi passes the programs none of lighttpd's environment.  Sourced by
# tests/suite-servers.sh (the interface is described there).

# What lighttpd answers itself (deploy/lighttpd-cgi.conf's banner): 431 for
# a 9 KiB header, 413, 411, and 500 for a program that exits unanswered.
# shellcheck disable=SC2034 # read by tests/suite-servers.sh
SERVER_OWN_STATUS="431 413 411 500"

server_start() {
	local lighttpd
	lighttpd=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd) || {
		echo "lighttpd is not installed (deploy/deps.sh test)"
		return 1
	}
	CGI_ERR=$TMPDIR_SERVER/lighttpd.stderr
	CGI_LOG=$TMPDIR_SERVER/log/lighttpd-error.log
	mkdir -m 0700 "$TMPDIR_SERVER/run" "$TMPDIR_SERVER/log" || return 1
	# The JWK Set it serves: $RUN_DIR/jwks.json, a link (deploy/run.sh's).
	ln -s "$JWKS_FILE" "$TMPDIR_SERVER/run/jwks.json" || return 1
	(umask 0077 && printf 'TOKEN_SECRET=%s\nCORS_ORIGINS=%s\n' "$SECRET" \
	    "$CORS_ORIGINS" >"$TMPDIR_SERVER/auth.env") || return 1
	# An empty environment plus exactly what the conf's banner names.
	(
		umask 0077
		exec env - PATH="$PATH" APP_ROOT="$APP_ROOT" PORT="$PORT" \
		    RUN_DIR="$TMPDIR_SERVER/run" LOG_DIR="$TMPDIR_SERVER/log" \
		    ENV_FILE="$TMPDIR_SERVER/auth.env" \
		    DATABASE_PATH="$TMPDIR_SERVER/auth.db" \
		    "$lighttpd" -D -f "$APP_ROOT/deploy/lighttpd-cgi.conf"
	) </dev/null >"$CGI_ERR" 2>&1 &
	CGI_PID=$!
	# shellcheck disable=SC2034 # read by tests/suite-servers.sh
	SERVER_PIDS=$CGI_PID
	# shellcheck disable=SC2034 # read by tests/suite-servers.sh
	SERVER_NOTE="$("$lighttpd" -v 2>/dev/null | sed -n 's/^\(lighttpd\/[0-9.]*\).*/\1/p') mod_cgi"
	if ! server_wait_http 200 "$CGI_PID"; then
		echo "lighttpd (mod_cgi) did not answer on 127.0.0.1:$PORT"
		tail -n 10 "$CGI_ERR" "$CGI_LOG" 2>/dev/null
		server_stop
		return 1
	fi
	return 0
}

# Down for good: each program reads ENV_FILE as it starts, and now refuses
# it (a short secret), so every run exits without an answer.
server_stop_backends() {
	printf 'TOKEN_SECRET=too-short\n' >"$TMPDIR_SERVER/auth.env"
}

# A CGI program still running (a request in flight) is lighttpd's child:
# take them along.
server_stop() {
	local rc=0 left
	[ -n "${CGI_PID:-}" ] || return 0
	left=$(children "$CGI_PID" | tr '\n' ' ')
	stop_pids "$CGI_PID" || rc=1
	# shellcheck disable=SC2086 # one PID per word
	if ! wait_gone 30 $left; then
		echo "CGI programs still running 3 s after lighttpd stopped: $left"
		stop_pids $left
		rc=1
	fi
	CGI_PID=
	return "$rc"
}
