# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# tests/fcgi/helpers.sh: talking FastCGI to a worker without a web server,
# for the suites that run workers under `spawn-fcgi -n` (fcgi, valgrind).
# The caller sets CGI_FCGI, SPAWN_FCGI, BUILD, DB, T_TMP and the arrays
# WORKERS (PIDs to stop at exit) and FCGI_ENV (extra params), and FCGI_CT.

# parse_response FILE: STATUS, HEADERS and BODY from a CGI-style response.
parse_response() {
	local out
	out=$(cat "$1"; echo x)
	out=${out%x}
	HEADERS=${out%%$'\r\n\r\n'*}
	# shellcheck disable=SC2034 # BODY is the caller's answer
	BODY=${out#*$'\r\n\r\n'}
	STATUS=$(printf '%s\n' "$HEADERS" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n1)
}

# fcgi SOCK METHOD URI [BODY]: one request through cgi-fcgi.  Extra params
# (NAME=value) in FCGI_ENV, which win over the defaults; Content-Type is JSON
# when a body is given unless FCGI_CT says otherwise ("-" for none).  Sets
# STATUS, HEADERS and BODY.
fcgi() {
	local sock=$1 method=$2 uri=$3 body=${4-} ct
	local -a env=(REQUEST_METHOD="$method" REQUEST_URI="$uri"
	    SCRIPT_NAME="${uri%%\?*}" GATEWAY_INTERFACE=CGI/1.1
	    SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1)
	if [ $# -ge 4 ]; then
		env+=(CONTENT_LENGTH="${#body}")
		ct=${FCGI_CT:-application/json}
		[ "$ct" != - ] && env+=(CONTENT_TYPE="$ct")
	fi
	printf '%s' "$body" | timeout 10 env -i "${env[@]}" "${FCGI_ENV[@]}" \
	    "$CGI_FCGI" -bind -connect "$sock" >"$T_TMP/resp" 2>"$T_TMP/resp.err"
	parse_response "$T_TMP/resp"
}

# start_worker SOCK EXE [NAME=value...]: `spawn-fcgi -n` (the worker is the
# PID we get) with only the given environment, waits until it answers an
# unknown path with 404.  Sets WPID; 1 when it never answered.
start_worker() {
	local sock=$1 exe=$2
	shift 2
	env -i PATH="$PATH" DATABASE_PATH="$DB" "$@" \
	    "$SPAWN_FCGI" -n -s "$sock" -M 0660 -- "$BUILD/$exe" \
	    >>"$T_TMP/workers.log" 2>&1 &
	WPID=$!
	WORKERS+=("$WPID")
	for _ in $(seq 50); do
		if [ -S "$sock" ]; then
			fcgi "$sock" GET /api/nope
			[ "$STATUS" = 404 ] && return 0
		fi
		pid_alive "$WPID" || return 1
		sleep 0.1
	done
	return 1
}

