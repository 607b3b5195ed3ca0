#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-servers.sh: the one contract suite (tests/contract.sh) against
# every deployment in tests/servers/*.sh, in sorted order.  For each: start
# it on a free port of 127.0.0.1, run tests/contract.sh against it, then
# the errors the web server answers itself (a 9 KiB request header, a 2 MiB
# body, a POST without Content-Length, the executables down: each its
# status, Content-Type: application/json and the service's JSON error body,
# next to a control the executables answer), stop it, and print one line
# "server NAME: N passed, N failed (...)" (the contract's).  Then the
# summaries (one line per request: "<check> <status> <error> <www-auth>")
# are compared across servers: every server must answer every request as
# the others do.  Before the servers, two static checks: every setting of
# .env.example is on each deployment's list of what reaches the
# executables, and the error bodies are the same bytes on every
# deployment.  Ends with "servers: N passed, N failed"; non-zero on any
# failure.  SERVERS="nginx lighttpd" runs only those (an entry with a '/'
# is the path of a start script elsewhere).
#
# The servers run from a copy of the checkout (stage_app,
# tests/http/helpers.sh) that www-data can read: the checkout itself may be
# private (a clone in root's home, or in a mktemp -d folder).
#
# ---------------------------------------------------------------------------
# The server start-script interface (tests/servers/NAME.sh)
#
# NAME is [a-z0-9-]+ and names the deployment in the results.  The file is
# bash that defines two functions; sourcing it starts nothing (it may set
# variables and source helpers).  Helpers that several scripts share go in
# tests/servers/*-common.sh, which this suite does not run as a server.
#
# server_start
#	Gets, exported by this suite:
#	  ROOT		the repository, absolute (`make all` has run); it may
#			be closed to every other user: start nothing from it
#	  APP_ROOT	a copy of what the deployment runs, readable and
#			traversable by every user (0755/0644 on a 0711
#			path): APP_ROOT/build/{login,userorders,refresh},
#			APP_ROOT/deploy (deploy/ as it is in ROOT),
#			APP_ROOT/web.  Shared by every server: change nothing
#			in it
#	  TMPDIR_SERVER	an empty private temporary directory, absolute, mode
#			0711 (traversable, not listable: a web server whose
#			workers run as www-data can reach sockets in it) on a
#			0711 path; for the substituted configuration, sockets,
#			logs, the env file and the database.  Removed after
#			server_stop.
#	  PORT		a free TCP port; listen on 127.0.0.1:$PORT only
#	  SECRET	the TOKEN_SECRET to configure (128 hex characters,
#			used as bytes); never print or log it
#	  CORS_ORIGINS	the CORS_ORIGINS to configure (two origins), in the
#			executables' ENV_FILE like every other setting
#	  JWKS_FILE	a JWK Set file, readable by every user: serve it at
#			/.well-known/jwks.json as the deployment's banner
#			says (lighttpd: a link $RUN_DIR/jwks.json to it;
#			nginx and Apache: @JWKS_FILE@)
#	Starts the deployment from the real files of deploy/, in
#	$APP_ROOT/deploy/ (paths substituted into a copy in $TMPDIR_SERVER,
#	or passed via env; never a configuration embedded in the script),
#	with an empty database in
#	$TMPDIR_SERVER, CORS_ORIGINS, and the contract's defaults for every
#	other setting (AUTH_INVALID_STATUS 403, ACCESS_TOKEN_TTL 1800s, no
#	issuer or audience, no AUTH_COOKIES).  Waits, bounded (20 s at most), until
#	http://127.0.0.1:$PORT/api/login answers over HTTP (server_wait_http
#	below does that).
#	Sets SERVER_PIDS: the PIDs of every process it started, space-separated
#	(a daemon's from its pid file; backends too when the server does not
#	stop them itself).  May set SERVER_NOTE: a few words for the result
#	line (e.g. "nginx 1.22.1 + spawn-fcgi").
#	Prints nothing on stdout unless it fails.  Returns 0 once serving;
#	otherwise non-zero, after saying why on stdout or stderr (with the tail
#	of the logs that explain it) and stopping what it started.
# server_stop_backends
#	Called once the contract has run, while the deployment serves: takes
#	the three executables down for good, the web server still running.
#	It stops them; where the web server would start them again
#	(lighttpd's bin-path, mod_fcgid, mod_cgi), it first breaks their
#	configuration (e.g. a secret too short), so that each new one exits
#	with a start-up error.  Returns 0 when done; server_stop must still
#	stop everything afterwards.
# SERVER_OWN_STATUS
#	Set by the script when sourced: the four statuses the web server
#	answers itself, in this order, for a 9 KiB request header, a 2 MiB
#	body, a POST with neither Content-Length nor Transfer-Encoding, and
#	a request whose executable is down (server_stop_backends), e.g.
#	"431 413 411 503".  The error codes are the same everywhere
#	(invalid_request, payload_too_large, length_required,
#	service_unavailable), and so is the body for each status.
# server_stop
#	Stops everything in SERVER_PIDS by PID (never by name): SIGTERM, a
#	bounded wait, SIGKILL for what is left.  Returns 0 when all stopped
#	after SIGTERM, 1 when one needed SIGKILL.  Also called after a failed
#	or interrupted server_start, so it copes with an empty SERVER_PIDS.
#
# Each script is sourced in a subshell of its own, after tests/lib.sh and
# tests/http/helpers.sh, so these are there to use:
#	pid_alive PID, wait_gone TENTHS PID..., stop_pids PID..., children
#	PID, now_ms (helpers.sh), and
#	server_wait_http TENTHS PID...: 0 once http://127.0.0.1:$PORT/api/login
#	gives any HTTP answer; 1 when a PID dies or TENTHS/10 s pass.
# No shell options are imposed (no set -e or -u); do not change them.  The
# suite runs as root in CI (servers may drop to www-data); it is only on
# loopback.  The working directory is unspecified: use absolute paths.
# ---------------------------------------------------------------------------
T_NAME=servers
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
export LC_ALL=C
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

CONTRACT=$ROOT/tests/contract.sh
CONTRACT_TIMEOUT=${CONTRACT_TIMEOUT:-120}	# seconds per server
t_require curl jq openssl timeout "$CONTRACT"

# ---------------------------------------------------------------------------
# Static: every setting reaches the executables on every deployment.  Each
# deployment passes them a list of variables (the rest of its environment
# stays out); a setting missing from one list is silently ignored there,
# unless it is in ENV_FILE.

# settings FILE: the variables a .env.example names ("#NAME=..." lines).
settings() { sed -n 's/^#\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$1" | sort -u; }

# passed DEPLOY-DIR KIND: the variables a deployment passes on, one a line:
# lighttpd (deploy/lighttpd.conf: var.copy_env, var.backend_env and
# var.sign_env, the signers' own),
# spawn-fcgi (deploy/spawn-fcgi.sh's allowlist: nginx and Apache
# mod_proxy_fcgi), run (deploy/run.sh's, for `make run`), fcgid
# (deploy/apache-fcgid.conf's FcgidInitialEnv lines, commented ones too).
passed() {
	local d=$1
	case $2 in
	lighttpd)
		awk '/^var\.(copy_env|backend_env|sign_env)[[:space:]]*=/ { f = 1 }
		    f { print } f && /\)/ { f = 0 }' "$d/lighttpd.conf" |
		    grep -oE '"[A-Z][A-Z0-9_]*"' | tr -d '"' ;;
	spawn-fcgi)
		awk '/^for v in / { f = 1 } f { print } f && /; do$/ { f = 0 }' \
		    "$d/spawn-fcgi.sh" | grep -oE '\<[A-Z][A-Z0-9_]+\>' ;;
	run)
		{
			awk '/^for v in / { f = 1 } f { print } f && /; do$/ { f = 0 }' \
			    "$d/run.sh"
			grep -E '^[[:space:]]*keep=' "$d/run.sh"
		} | grep -oE '\<[A-Z][A-Z0-9_]+\>' ;;
	fcgid)
		sed -n 's/^[[:space:]]*#\{0,1\}FcgidInitialEnv[[:space:]]\{1,\}\([A-Z][A-Z0-9_]*\).*/\1/p' \
		    "$d/apache-fcgid.conf" ;;
	esac | sort -u
}

# unpassed ENV-EXAMPLE DEPLOY-DIR KIND: the settings that KIND does not
# pass on, space-separated.  The secrets never go in FcgidInitialEnv,
# which cuts values at 127 bytes: mod_fcgid's executables take them from
# TOKEN_SECRET_FILE (or ENV_FILE), and DATABASE_URL, which may hold a
# password, from DATABASE_URL_FILE.
unpassed() {
	local skip=
	[ "$3" = fcgid ] && skip='^(TOKEN_SECRET|ACCESS_TOKEN_SECRET|TOKEN_SECRET_PREVIOUS|DATABASE_URL)$'
	comm -23 <(settings "$1" | grep -vE "${skip:-^$}") <(passed "$2" "$3") |
	    paste -sd' '
}

check_allowlists() {
	local kind planted=$T_TMP/planted
	# The control: a setting added to .env.example alone is reported.
	mkdir -p "$planted"
	{ cat "$ROOT/.env.example"; echo '#PLANTED_SETTING=1'; } >"$planted/env.example"
	for kind in lighttpd spawn-fcgi run fcgid; do
		check_match "control: a setting only in .env.example is reported missing from $kind's list" \
		    '(^| )PLANTED_SETTING( |$)' \
		    "$(unpassed "$planted/env.example" "$ROOT/deploy" "$kind")"
	done
	check_eq "every setting of .env.example is in deploy/lighttpd.conf's var.copy_env (or var.backend_env)" \
	    "" "$(unpassed "$ROOT/.env.example" "$ROOT/deploy" lighttpd)"
	check_eq "... in deploy/spawn-fcgi.sh's allowlist (nginx, Apache mod_proxy_fcgi)" \
	    "" "$(unpassed "$ROOT/.env.example" "$ROOT/deploy" spawn-fcgi)"
	check_eq "... in deploy/run.sh's list (make run)" \
	    "" "$(unpassed "$ROOT/.env.example" "$ROOT/deploy" run)"
	check_eq "... in deploy/apache-fcgid.conf's FcgidInitialEnv lines (but the secrets)" \
	    "" "$(unpassed "$ROOT/.env.example" "$ROOT/deploy" fcgid)"
	check_eq "no secret in a FcgidInitialEnv line (mod_fcgid cuts values at 127 bytes)" "" \
	    "$(grep -nE '^[[:space:]]*FcgidInitialEnv[[:space:]]+(TOKEN_SECRET|ACCESS_TOKEN_SECRET|TOKEN_SECRET_PREVIOUS)[[:space:]]' \
	    "$ROOT/deploy/apache-fcgid.conf")"
	# mod_cgi and systemd pass no list: a whole file.
	check_match "deploy/lighttpd-cgi.conf gives the programs ENV_FILE, which holds every setting" \
	    '"ENV_FILE"[[:space:]]*=>[[:space:]]*env\.ENV_FILE' \
	    "$(grep -F '"ENV_FILE"' "$ROOT/deploy/lighttpd-cgi.conf")"
	check_match "deploy/systemd/jwt-auth@.service passes every line of its EnvironmentFile" \
	    '^EnvironmentFile=-?/' \
	    "$(grep '^EnvironmentFile=' "$ROOT/deploy/systemd/jwt-auth@.service")"
}

# ---------------------------------------------------------------------------
# Static: the error bodies the web servers send themselves are the same
# bytes for the same status on every deployment: deploy/errors/NNN.html
# (lighttpd's), nginx.conf's map $jwt_auth_error, each Apache conf's
# ErrorDocument strings.  The one status that differs is 500: the
# service_unavailable of lighttpd and mod_fcgid (their 500 means that an
# executable gave no answer), server_error elsewhere.

# error_bodies DEPLOY-DIR KIND: "STATUS<TAB>BODY" lines, the body without
# its final newline, or with "(no final newline)" instead.
error_bodies() {
	local d=$1 f body
	case $2 in
	lighttpd)
		for f in "$d"/errors/*.html; do
			[ -e "$f" ] || continue
			body=$(cat "$f"; echo x)
			body=${body%x}
			if [ "${body: -1}" = $'\n' ]; then
				body=${body%$'\n'}
			else
				body="$body(no final newline)"
			fi
			printf '%s\t%s\n' "$(basename "$f" .html)" "$body"
		done ;;
	nginx)
		awk '/map \$status \$jwt_auth_error/ { f = 1; next } f && /^[[:space:]]*}/ { f = 0 }
		    f && $1 ~ /^[0-9]+$/ { s = $1; sub(/^[^\047]*\047/, ""); sub(/\047;[[:space:]]*$/, "")
			if (sub(/\\n$/, "") == 0) $0 = $0 "(no final newline)"
			print s "\t" $0 }' "$d/nginx.conf" ;;
	apache-*)
		sed -n 's/^[[:space:]]*ErrorDocument \([0-9]*\) "\(.*\)"$/\1\t\2/p' "$d/$2.conf" |
		    sed -e 's/\\"/"/g' -e 's/\\n$//;t' -e 's/$/(no final newline)/' ;;
	esac
}

# body_problems DEPLOY-DIR: what differs from deploy/errors (500 aside), or
# is not a JSON object of exactly "error" and "message" with a final
# newline; one line each, none when all is well.
body_problems() {
	local d=$1 kind st body want
	local -A ref=()
	while IFS=$'\t' read -r st body; do
		ref[$st]=$body
	done < <(error_bodies "$d" lighttpd)
	for kind in lighttpd nginx apache-proxy-fcgi apache-fcgid; do
		while IFS=$'\t' read -r st body; do
			if ! jq -e 'type == "object" and (keys == ["error", "message"])
			    and (.error | type == "string") and (.message | type == "string")' \
			    >/dev/null 2>&1 <<<"$body"; then
				echo "$kind $st: not {\"error\",\"message\"} with a final newline: $body"
				continue
			fi
			want=${ref[$st]:-}
			if [ "$st" = 500 ]; then
				case $kind in
				nginx | apache-proxy-fcgi) want=server_error ;;
				*) want=service_unavailable ;;
				esac
				[ "$(jq -r .error <<<"$body")" = "$want" ] ||
				    echo "$kind 500: not $want: $body"
			elif [ -z "$want" ]; then
				echo "$kind $st: no deploy/errors/$st.html to compare with"
			elif [ "$body" != "$want" ]; then
				echo "$kind $st: $body, but deploy/errors/$st.html: $want"
			fi
		done < <(error_bodies "$d" "$kind")
	done
}

check_error_bodies() {
	local planted=$T_TMP/planted-deploy n
	mkdir -p "$planted"
	cp -R "$ROOT/deploy/." "$planted/"
	sed -i 's/"No such endpoint"/"No such thing"/' "$planted/nginx.conf"
	printf '{"error":"not_found"}\n' >"$planted/errors/404.html"
	check_eq "control: a body that differs, or lacks its message, is reported" \
	    "lighttpd 404:|nginx 404:|apache-proxy-fcgi 404:|apache-fcgid 404:" \
	    "$(body_problems "$planted" | cut -d' ' -f1,2 | paste -sd'|')"
	for n in lighttpd nginx apache-proxy-fcgi apache-fcgid; do
		[ "$(error_bodies "$ROOT/deploy" "$n" | wc -l)" -ge 12 ] ||
		    t_fail "deploy has at least 12 error bodies for $n" \
		    "$(error_bodies "$ROOT/deploy" "$n")"
	done
	check_eq "the error bodies are the same bytes for each status on every deployment (500: see above)" \
	    "" "$(body_problems "$ROOT/deploy")"
}

scripts=()
if [ -n "${SERVERS:-}" ]; then
	for s in $SERVERS; do
		case $s in
		*/*) scripts+=("$s") ;;
		*) scripts+=("$ROOT/tests/servers/$s.sh") ;;
		esac
	done
else
	for s in "$ROOT"/tests/servers/*.sh; do
		[[ -e $s && $s != *-common.sh ]] && scripts+=("$s")
	done
fi
if [ "${#scripts[@]}" -eq 0 ]; then
	t_fail "at least one tests/servers/*.sh"
	t_done
	exit 1
fi

t_tmpdir
chmod 0711 "$T_TMP"
# The JWK Set every deployment serves (a real one: authctl key generate).
JWKS_FILE=$T_TMP/jwks.json
mkdir -m 0700 "$T_TMP/keys"
env -i TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$T_TMP/keys/signing.pem" \
    TOKEN_VERIFY_KEYS_FILE="$JWKS_FILE" "$BUILD/authctl" key generate \
    >/dev/null || t_fail "authctl key generate makes the JWK Set to serve"
check_allowlists
check_error_bodies
# What the servers run, where www-data may read it (see above).
APP_ROOT=$T_TMP/app
if ! stage_app "$APP_ROOT" 2>"$T_TMP/stage.err"; then
	t_fail "a copy of build/, deploy/ and web/ for the servers" "$(cat "$T_TMP/stage.err")"
	t_done
	exit 1
fi
RUNNING=	# the subshell serving the current server
# stop_running: on an interrupt, the subshell stops its server itself
# (server_stop, in its EXIT trap): give it time to, then kill it.
stop_running() {
	[ -n "$RUNNING" ] || return 0
	kill -TERM "$RUNNING" 2>/dev/null
	wait_gone 300 "$RUNNING" || kill -KILL "$RUNNING" 2>/dev/null
	wait "$RUNNING" 2>/dev/null
	RUNNING=
}
trap 'stop_running; t_cleanup' EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------------------
# The errors a deployment answers itself (SERVER_OWN_STATUS, above)

# The bodies, by case and status: the same bytes on every deployment that
# answers that status, and each a JSON object ending with a newline.
declare -A OWN_BODY=(
	[header:431]='{"error":"invalid_request","message":"A request header is too large"}'
	[header:400]='{"error":"invalid_request","message":"The request is malformed, or a header in it is too large"}'
	[body:413]='{"error":"payload_too_large","message":"The body is larger than 1 MiB"}'
	[length:411]='{"error":"length_required","message":"A POST needs a Content-Length header (or a chunked body)"}'
	[down:500]='{"error":"service_unavailable","message":"The service is not reachable; try again shortly"}'
	[down:503]='{"error":"service_unavailable","message":"The service is not reachable; try again shortly"}'
)
PAD4K=$(head -c 4096 /dev/zero | tr '\0' a)
PAD9K=$(head -c 9216 /dev/zero | tr '\0' a)

# own_req CURL-ARGS...: one request; sets O_STATUS, O_TYPE (the last
# response's Content-Type, "-" when none), O_BODY (exactly, with any final
# newline) and O_CODE (its "error", or "-").
own_req() {
	local h=$OWN_TMP/h b=$OWN_TMP/b
	: >"$h"
	: >"$b"
	O_STATUS=$(curl -sS --max-time 20 -D "$h" -o "$b" -w '%{http_code}' "$@" \
	    2>>"$OWN_TMP/curl.err")
	O_TYPE=$(tr -d '\r' <"$h" | awk '/^HTTP\// { t = "-" }
	    tolower($0) ~ /^content-type:/ { sub(/^[^:]*:[ \t]*/, ""); t = $0 }
	    END { print t }')
	O_BODY=$(cat "$b"; echo x)
	O_BODY=${O_BODY%x}
	O_CODE=$(jq -r 'if type == "object" then .error // "-" else "-" end' \
	    <"$b" 2>/dev/null) || O_CODE='(not JSON)'
}

# own_got / own_body: the last answer, for a failure's details.
own_got() { printf 'got: %s, Content-Type: %s' "$O_STATUS" "$O_TYPE"; }
own_body() { printf 'body: %s' "$(printf '%s' "$O_BODY" | head -c 300 | tr '\n' '|')"; }

# expect_exe NAME STATUS CODE: the last request reached an executable,
# which answered STATUS with its JSON error CODE.
expect_exe() {
	if [ "$O_STATUS" = "$2" ] && [ "$O_CODE" = "$3" ] &&
	    [[ $O_TYPE == application/json* ]]; then
		t_ok "$1 → $2 $3 (the executable)"
	else
		t_fail "$1 → $2 $3 (the executable)" "$(own_got)" "$(own_body)"
	fi
}

# expect_own NAME CASE STATUS: the web server itself answered STATUS,
# Content-Type: application/json, and OWN_BODY[CASE:STATUS] plus a newline.
expect_own() {
	local want=${OWN_BODY[$2:$3]:-} code
	code=$(jq -r .error <<<"${want:-null}" 2>/dev/null)
	if [ -z "$want" ]; then
		t_fail "$1 → $3: a status this suite knows for it" \
		    "known: $(printf '%s\n' "${!OWN_BODY[@]}" | grep "^$2:" | sort | paste -sd' ')"
	elif [ "$O_STATUS" = "$3" ] && [ "$O_TYPE" = application/json ] &&
	    [ "$O_CODE" = "$code" ] && [ "$O_BODY" = "$want"$'\n' ]; then
		t_ok "$1 → $3 $code, application/json, the service's error body"
	else
		t_fail "$1 → $3 $code, application/json, the service's error body" \
		    "$(own_got)" "$(own_body)" "want: $want (and a newline)"
	fi
}

# jwks_served URL: GET /.well-known/jwks.json answers JWKS_FILE's bytes as
# application/jwk-set+json with Cache-Control: public, max-age=300.
jwks_served() {
	own_req "$1/.well-known/jwks.json"
	check_eq "GET /.well-known/jwks.json: the JWK Set file, its type, cached 300 s" \
	    "200 application/jwk-set+json public, max-age=300 the file" \
	    "$O_STATUS $O_TYPE $(tr -d '\r' <"$OWN_TMP/h" | awk 'tolower($0) ~ /^cache-control:/ {
	    sub(/^[^:]*:[ \t]*/, ""); print }') $([ "$O_BODY" = "$(cat "$JWKS_FILE")"$'\n' ] &&
	    echo the file || echo other bytes)"
}

# own_errors URL: each case next to its control, then the executables down
# (server_stop_backends) and one request for each.  Prints ok/not ok lines.
own_errors() {
	local url=$1 route m p cs cc deadline
	local -a st
	read -r -a st <<<"${SERVER_OWN_STATUS:-}"
	if [ "${#st[@]}" -ne 4 ] || ! declare -F server_stop_backends >/dev/null; then
		t_fail "the script sets SERVER_OWN_STATUS (4 statuses) and defines server_stop_backends" \
		    "SERVER_OWN_STATUS='${SERVER_OWN_STATUS:-}'"
		return
	fi
	jwks_served "$url"
	own_req -H "X-Padding: $PAD4K" "$url/api/userOrders"
	expect_exe "control: a 4 KiB request header" 401 missing_token
	own_req -H "X-Padding: $PAD9K" "$url/api/userOrders"
	expect_own "a 9 KiB request header" header "${st[0]}"

	own_req -H 'Content-Type: application/json' --data-binary "@$OWN_512K" \
	    "$url/api/login"
	expect_exe "control: a 512 KiB body" 413 payload_too_large
	own_req -H 'Content-Type: application/json' --data-binary "@$OWN_2M" \
	    "$url/api/login"
	expect_own "a 2 MiB body" body "${st[1]}"

	own_req -X POST -H 'Content-Type: application/json' -H 'Content-Length: 0' \
	    "$url/api/login"
	expect_exe "control: a POST with Content-Length: 0" 400 invalid_request
	# From a page on a listed origin: the web server's own answer carries
	# no CORS header (deploy/*.conf), only the executables' do.
	own_req -X POST -H 'Content-Type: application/json' \
	    -H "Origin: ${CORS_ORIGINS%% *}" "$url/api/login"
	expect_own "a POST with neither Content-Length nor Transfer-Encoding" \
	    length "${st[2]}"
	check_eq "… from a listed origin, and with no CORS header: the web server adds none" \
	    "" "$(tr -d '\r' <"$OWN_TMP/h" | grep -iE '^(access-control-|vary:)')"

	# One route of each executable: method, path, its answer while up.
	local -a routes=("GET /api/nope 404 not_found"
	    "GET /api/userOrders 401 missing_token"
	    "GET /api/token 405 method_not_allowed")
	for route in "${routes[@]}"; do
		read -r m p cs cc <<<"$route"
		own_req -X "$m" "$url$p"
		expect_exe "control: $m $p, its executable up" "$cs" "$cc"
	done
	if ! server_stop_backends >"$OWN_TMP/stop_backends" 2>&1; then
		t_fail "server_stop_backends" "$(tail -n 5 "$OWN_TMP/stop_backends")"
		return
	fi
	for route in "${routes[@]}"; do
		read -r m p cs cc <<<"$route"
		# The web server may take a moment to notice: wait for the
		# answer to become the down status (15 s at most), then judge
		# it.  On the way it may pass through another (lighttpd
		# answers 500 while a respawned backend is still exiting).
		deadline=$((SECONDS + 15))
		while :; do
			own_req -X "$m" "$url$p"
			[ "$O_STATUS" = "${st[3]}" ] || [ "$SECONDS" -ge "$deadline" ] && break
			sleep 0.1
		done
		expect_own "$m $p, its executable down" down "${st[3]}"
	done
}

# run_server SCRIPT OUTDIR: start, contract, the errors the server answers
# itself, stop; run it in the background (&: a subshell of its own, whose
# PID gets the signals).  Writes OUTDIR/{start,contract,own,stop,summary,
# note,times}.
run_server() {
	local script=$1 out=$2 t0 t1 t2 t3 rc cpid
	unset -f server_start server_stop server_stop_backends
	# shellcheck disable=SC2034 # set and read by the sourced script
	SERVER_PIDS=
	SERVER_NOTE=
	SERVER_OWN_STATUS=
	# shellcheck source=/dev/null
	. "$script"
	if ! declare -F server_start >/dev/null || ! declare -F server_stop >/dev/null; then
		echo "$script does not define server_start and server_stop" >"$out/start"
		exit 1
	fi
	trap 'server_stop >>"$out/stop" 2>&1' EXIT
	trap 'exit 130' INT TERM HUP
	TMPDIR_SERVER=$out/srv
	mkdir -m 0711 "$TMPDIR_SERVER"
	PORT=$(free_port) || { echo "no free port" >"$out/start"; exit 1; }
	export ROOT APP_ROOT TMPDIR_SERVER PORT SECRET CORS_ORIGINS JWKS_FILE
	t0=$(now_ms)
	server_start >"$out/start" 2>&1
	rc=$?
	t1=$(now_ms)
	printf '%s\n' "$SERVER_NOTE" >"$out/note"
	if [ "$rc" -ne 0 ]; then
		echo "server_start returned $rc" >>"$out/start"
		exit 1
	fi
	: >"$out/started"
	# In the background, so that a signal reaches this shell's traps
	# (bash runs them only once the foreground command is done).
	CONTRACT_SECRET=$SECRET CONTRACT_SUMMARY=$out/summary \
	    CONTRACT_CORS_ORIGIN=${CORS_ORIGINS%% *} \
	    timeout -k 5 "$CONTRACT_TIMEOUT" bash "$CONTRACT" "http://127.0.0.1:$PORT" \
	    >"$out/contract" 2>&1 </dev/null &
	cpid=$!
	trap 'kill -TERM "$cpid" 2>/dev/null; exit 130' INT TERM HUP
	wait "$cpid"
	echo "contract exit status $?" >>"$out/contract.rc"
	t2=$(now_ms)
	OWN_TMP=$out/own.d
	mkdir -p "$OWN_TMP"
	own_errors "http://127.0.0.1:$PORT" >"$out/own" 2>&1 </dev/null &
	cpid=$!
	wait "$cpid"
	trap 'exit 130' INT TERM HUP
	t3=$(now_ms)
	trap - EXIT
	server_stop >>"$out/stop" 2>&1
	echo "$?" >"$out/stop.rc"
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $(($(now_ms) - t3))" >"$out/times"
	exit 0
}

# secs MS: "1.2 s".
secs() { printf '%d.%d s' "$(($1 / 1000))" "$(($1 % 1000 / 100))"; }

SECRET=$(openssl rand -hex 64)
# A dev server's page and a production one (docs/api.md, CORS).
CORS_ORIGINS="http://localhost:3000 https://app.example.com"
OWN_512K=$T_TMP/body.512k
OWN_2M=$T_TMP/body.2m
head -c 524288 /dev/zero | tr '\0' ' ' >"$OWN_512K"
head -c 2097152 /dev/zero | tr '\0' ' ' >"$OWN_2M"
names=()
t_all=$(now_ms)
for script in "${scripts[@]}"; do
	name=$(basename "$script" .sh)
	out=$T_TMP/$name
	mkdir -p "$out"
	if [ ! -f "$script" ]; then
		t_fail "$name: $script exists"
		continue
	fi
	run_server "$script" "$out" &
	RUNNING=$!
	wait "$RUNNING"
	RUNNING=
	note=$(cat "$out/note" 2>/dev/null)
	if [ ! -e "$out/started" ]; then
		echo "server $name: 0 passed, 1 failed (did not start${note:+; $note})"
		mapfile -t detail < <(tail -n 20 "$out/start" 2>/dev/null; tail -n 5 "$out/stop" 2>/dev/null)
		t_fail "$name: starts" "${detail[@]}"
		continue
	fi
	names+=("$name")
	read -r ms_start ms_contract ms_own ms_stop <"$out/times"
	line=$(grep -E '^contract: [0-9]+ passed, [0-9]+ failed$' "$out/contract" | tail -n 1)
	counts=${line#contract: }
	echo "server $name: ${counts:-no result} (${note:+$note; }start $(secs "$ms_start"), contract $(secs "$ms_contract"), own errors $(secs "$ms_own"), stop $(secs "$ms_stop"))"
	t_ok "$name: starts from deploy/ on 127.0.0.1 ($(secs "$ms_start"))"
	if [ -n "$line" ] && [[ $counts == *" 0 failed" ]] && grep -q 'status 0$' "$out/contract.rc"; then
		t_ok "$name: the contract holds"
	else
		# Its failures, indented under ours.
		mapfile -t detail < <(grep -E '^not ok|^    |^#' "$out/contract" | head -n 60 | sed 's/^/  /')
		t_fail "$name: the contract holds" "${detail[@]}" \
		    "${line:-$(tail -n 3 "$out/contract")} ($(cat "$out/contract.rc"))"
	fi
	# The errors it answers itself: own_errors's lines, under its name.
	while IFS= read -r l; do
		case $l in
		'ok - '*) t_ok "$name: ${l#ok - }" ;;
		'not ok - '*) T_FAIL=$((T_FAIL + 1)); echo "not ok - $name: ${l#not ok - }" ;;
		*) printf '%s\n' "$l" ;;
		esac
	done < <(cat "$out/own" 2>/dev/null || echo 'not ok - its own errors were checked')
	if [ "$(cat "$out/stop.rc")" = 0 ]; then
		t_ok "$name: stops by PID after SIGTERM ($(secs "$ms_stop"))"
	else
		t_fail "$name: stops by PID after SIGTERM" "$(tail -n 10 "$out/stop")"
	fi
done

# Compare the summaries: for each request (first field), the answer every
# server gave; the most common one is the reference, and every server that
# answered otherwise (or not at all) fails, with the line it differs on.
if [ "${#names[@]}" -ge 2 ]; then
	for n in "${names[@]}"; do
		[ -s "$T_TMP/$n/summary" ] || : >"$T_TMP/$n/summary"
		awk -v s="$n" '{ k = $1; $1 = ""; print s "\t" k "\t" substr($0, 2) }' "$T_TMP/$n/summary"
	done >"$T_TMP/all.summary"
	awk -F'\t' -v servers="${names[*]}" '
	BEGIN { ns = split(servers, sv, " ") }
	{
		if (!(($2) in seen)) { seen[$2] = 1; order[++nk] = $2 }
		if ((($1) SUBSEP ($2)) in val)	# the same check twice
			val[$1, $2] = val[$1, $2] " | " $3
		else
			val[$1, $2] = $3
	}
	END {
		for (i = 1; i <= nk; i++) {
			k = order[i]
			delete cnt
			best = ""; bn = 0
			for (j = 1; j <= ns; j++) {
				v = ((sv[j], k) in val) ? val[sv[j], k] : "(no such request)"
				got[j] = v
				if (++cnt[v] > bn) { bn = cnt[v]; best = v }
			}
			for (j = 1; j <= ns; j++)
				if (got[j] != best)
					printf "%s\t%s: %s (others: %s)\n", sv[j], k, got[j], best
		}
		printf "#requests\t%d\n", nk
	}' "$T_TMP/all.summary" >"$T_TMP/diffs"
	nreq=$(awk -F'\t' '$1 == "#requests" { print $2 }' "$T_TMP/diffs")
	for n in "${names[@]}"; do
		d=$(awk -F'\t' -v s="$n" '$1 == s { print $2 }' "$T_TMP/diffs")
		if [ -z "$d" ] && [ -s "$T_TMP/$n/summary" ]; then
			t_ok "$n: answers all $nreq requests as the other servers do (status, error, WWW-Authenticate)"
		elif [ -z "$d" ]; then
			t_fail "$n: answers all requests as the other servers do" "it wrote no summary"
		else
			mapfile -t detail < <(head -n 20 <<<"$d")
			t_fail "$n: answers all $nreq requests as the other servers do" "${detail[@]}"
		fi
	done
elif [ "${#names[@]}" -eq 1 ]; then
	echo "# only ${names[0]} ran: nothing to compare it with"
fi
echo "# ${#scripts[@]} servers in $(secs "$(($(now_ms) - t_all))")"
t_done
