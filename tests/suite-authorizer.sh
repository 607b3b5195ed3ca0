#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-authorizer.sh: the authorizer (cgi-bin/authorize.c) in front
# of a static file and an application, on every server, from the real files
# of deploy/:
#	lighttpd	deploy/lighttpd-authorizer.conf (which includes
#			deploy/lighttpd.conf): "mode" => "authorizer", the
#			static files of web/protected/ and a CGI application
#	apache		deploy/apache-authnz-fcgi.conf beside
#			deploy/apache-proxy-fcgi.conf: mod_authnz_fcgi, a
#			static folder and a CGI application (mod_cgid)
#	nginx		deploy/nginx-auth-request.conf beside deploy/nginx.conf
#			(tests/servers/nginx.sh): auth_request, static files
#			and an HTTP application
# The applications (tests/authorizer/) answer the user name they were
# given.  For each server: a public file (the control), the guarded file
# and application with no token, a valid, an expired and a forged one;
# the headers a client could send to pass for a user (with no token and
# with another user's token); URL tricks; then tests/attack.sh's token
# families with ATTACK_PROTECTED set, every attack getting at the
# application the verdict it gets at /api/userOrders.  Then the authorizer
# again in cookie mode (AUTH_COOKIES=1, AUTH_COOKIE_PATH=/): the cookie
# counts for GET and HEAD and for requests of the site's own origin only,
# a bearer header for every method.  Every refusal has its control beside
# it.  Ends with "authorizer: N passed, N failed".  AUTHORIZER_SERVERS=
# "nginx" runs only those.
#
# Each server runs in a subshell of its own, as root with workers and
# executables as www-data (tests/suite-servers.sh's rules: a staged copy
# of the checkout, a 0711 temporary folder, everything stopped by PID).
T_NAME=authorizer
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
export LC_ALL=C
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
CONF=$ROOT/deploy/lighttpd-authorizer.conf
t_require curl jq openssl python3 spawn-fcgi nginx lighttpd

t_tmpdir
chmod 0711 "$T_TMP"
APP_ROOT=$T_TMP/app
if ! stage_app "$APP_ROOT" 2>"$T_TMP/stage.err"; then
	t_fail "a copy of build/, deploy/ and web/ for the servers" "$(cat "$T_TMP/stage.err")"
	t_done
	exit 1
fi
# The protected applications, where www-data may run them.
install -d -m 0755 "$T_TMP/cgi"
install -m 0755 "$ROOT/tests/authorizer/echo.cgi" "$T_TMP/cgi/echo.cgi"
SECRET=$(openssl rand -hex 64)
# The servers' start-up scripts (tests/servers/) also serve a JWK Set and
# pass CORS_ORIGINS: a real set (authctl key generate), no origin.
JWKS_FILE=$T_TMP/jwks.json
CORS_ORIGINS=
mkdir -m 0700 "$T_TMP/keys"
env -i TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$T_TMP/keys/signing.pem" \
    TOKEN_VERIFY_KEYS_FILE="$JWKS_FILE" "$BUILD/authctl" key generate \
    >/dev/null || t_fail "authctl key generate makes the JWK Set the servers serve"
chmod 0644 "$JWKS_FILE"
export ROOT APP_ROOT SECRET JWKS_FILE CORS_ORIGINS

FILE=/protected/index.html	# web/protected/index.html
FILE_TEXT='Reached /protected/'
NO_TOKEN='{"error":"missing_token","message":"An Authorization: Bearer token is required"}'
NO_TOKEN_WWW='Bearer realm="api"'
COOKIE_REFUSED='{"error":"missing_token","message":"The access_token cookie is not accepted on a cross-site request; send an Authorization: Bearer token"}'

# wait_http URL: 0 once URL gives any HTTP answer (10 s at most).
wait_http() {
	local code
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")
		[ "$code" != 000 ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_socket PATH PID: 0 once the unix socket PATH exists (10 s at most,
# while PID lives).
wait_socket() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		pid_alive "$2" || return 1
		sleep 0.1
	done
	return 1
}

# wait_port PORT PID: 0 once 127.0.0.1:PORT takes connections (10 s at
# most, while PID lives).
wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		pid_alive "$2" || return 1
		sleep 0.1
	done
	return 1
}

# fetch [CURL-ARGS...] URL: one request; sets STATUS, HEADERS, BODY and
# TYPE.  The URL goes as written (--path-as-is).
fetch() {
	local out=$T_TMP/fetch.$BASHPID
	: >"$out.h"
	: >"$out.b"
	STATUS=$(curl -sS --path-as-is --max-time 20 -D "$out.h" -o "$out.b" \
	    -w '%{http_code}' "$@" 2>"$out.e")
	[ "$STATUS" != 000 ] || STATUS="000 ($(head -n 1 "$out.e"))"
	HEADERS=$(tr -d '\r' <"$out.h")
	BODY=$(cat "$out.b"; echo x)
	BODY=${BODY%x}
	TYPE=$(header Content-Type)
}

# token USER [EXP-OFFSET [SECRET]]: an HS256 token for USER, expiring
# EXP-OFFSET seconds from now (default 600), signed with SECRET (default
# the deployment's).
token() {
	local now
	now=$(date +%s)
	mint_hs256 "${3:-$SECRET}" '{"alg":"HS256","typ":"JWT"}' \
	    "{\"sub\":\"$1\",\"username\":\"$1\",\"iat\":$now,\"exp\":$((now + ${2:-600}))}"
}

# refused NAME STATUS BODY WWW: the last answer is the authorizer's
# refusal: STATUS, application/json, BODY and a newline, WWW-Authenticate.
refused() {
	local www
	www=$(header WWW-Authenticate)
	if [ "$STATUS" = "$2" ] && [[ $TYPE == application/json* ]] &&
	    [ "$BODY" = "$3"$'\n' ] && [ "$www" = "$4" ]; then
		t_ok "$1 → $2, the JSON body and WWW-Authenticate of userorders"
	else
		t_fail "$1 → $2, the JSON body and WWW-Authenticate of userorders" \
		    "got: $STATUS, Content-Type: $TYPE, WWW-Authenticate: $www" \
		    "body: $(printf '%s' "$BODY" | head -c 300)" "want: $3"
	fi
}

# invalid NAME MESSAGE: refused as an invalid token, with MESSAGE.
invalid() {
	refused "$1" 403 "{\"error\":\"invalid_token\",\"message\":\"$2\"}" \
	    "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"$2\""
}

# served NAME USER: the last answer is the application's, for USER; nothing
# in it comes from a spoofed header.
served() {
	local got
	got=$(jq -r '"\(.user) \(.remote_user)"' <<<"$BODY" 2>/dev/null)
	if [ "$STATUS" = 200 ] && [ "${got%% *}" = "$2" ] &&
	    { [ "$APP_REMOTE_USER" = no ] || [ "${got#* }" = "$2" ]; } &&
	    [[ $BODY != *mallory* ]]; then
		t_ok "$1 → 200, the application is told $2"
	else
		t_fail "$1 → 200, the application is told $2" "got: $STATUS" \
		    "body: $(printf '%s' "$BODY" | head -c 300)"
	fi
}

# page NAME: the last answer is the protected file.
page() {
	if [ "$STATUS" = 200 ] && [[ $BODY == *"$FILE_TEXT"* ]]; then
		t_ok "$1 → 200, the file"
	else
		t_fail "$1 → 200, the file" "got: $STATUS" "body: $(printf '%s' "$BODY" | head -c 200)"
	fi
}

# site_checks: the checks every server passes.  SITE is the base URL of
# the guarded site, APP the application's path, API the service's base URL.
site_checks() {
	local alice bob expired forged h p
	alice=$(token alice)
	bob=$(token bob)
	expired=$(token alice -60)
	forged=$(token alice 600 "not-the-secret-$RANDOM")

	fetch "$SITE/index.html"
	check_eq "control: a file outside /protected/, no token → 200" 200 "$STATUS"
	fetch "$SITE$FILE"
	refused "the protected file, no token" 401 "$NO_TOKEN" "$NO_TOKEN_WWW"
	fetch -H "Authorization: Bearer $alice" "$SITE$FILE"
	page "control: the protected file, a valid token"
	fetch -H "Authorization: Bearer $expired" "$SITE$FILE"
	invalid "the protected file, an expired token" "The token expired"
	fetch -H "Authorization: Bearer $forged" "$SITE$FILE"
	invalid "the protected file, a forged token" "The token signature is invalid"
	fetch -I -H "Authorization: Bearer $alice" "$SITE$FILE"
	check_eq "control: HEAD of the protected file, a valid token → 200" 200 "$STATUS"
	fetch -I "$SITE$FILE"
	check_eq "HEAD of the protected file, no token → 401" 401 "$STATUS"

	fetch -H "Authorization: Bearer $alice" "$SITE$APP"
	served "control: the application, a valid token" alice
	fetch "$SITE$APP"
	refused "the application, no token" 401 "$NO_TOKEN" "$NO_TOKEN_WWW"
	fetch -X POST -d 'a=b' -H "Authorization: Bearer $expired" "$SITE$APP"
	invalid "a POST to the application, an expired token" "The token expired"
	fetch -X POST -d 'a=b' -H "Authorization: Bearer $forged" "$SITE$APP"
	invalid "a POST to the application, a forged token" "The token signature is invalid"
	fetch -X POST -d 'a=b' -H "Authorization: Bearer $alice" "$SITE$APP"
	served "control: a POST to the application, a valid token" alice
	fetch -H "Authorization: Bearer $(token "alice'--")" "$SITE$APP"
	invalid "the application, a token naming a user outside the alphabet" \
	    "The token names no valid user"

	# Spoofing: each header a client could send to pass for someone.
	fetch -H "Authorization: Bearer $bob" "$SITE$APP"
	served "control: the application, bob's token" bob
	for h in X-Auth-User X_Auth_User Auth-User Remote-User Variable-AUTH_USER; do
		fetch -H "$h: mallory" "$SITE$APP"
		refused "$h: mallory, no token" 401 "$NO_TOKEN" "$NO_TOKEN_WWW"
		fetch -H "$h: mallory" -H "Authorization: Bearer $bob" "$SITE$APP"
		served "$h: mallory with bob's token (mallory nowhere in what the application got)" bob
	done

	# URL tricks: each reaches the file (or the application) only
	# through the authorizer.
	for p in "//protected/index.html" "/x/%2e%2e/protected/index.html" \
	    "/%70rotected/index.html" "/protected/%2e%2e/protected/index.html" \
	    "/protected/./index.html"; do
		fetch "$SITE$p"
		refused "$p, no token" 401 "$NO_TOKEN" "$NO_TOKEN_WWW"
		fetch -H "Authorization: Bearer $alice" "$SITE$p"
		page "control: $p, a valid token"
	done
	fetch "$SITE/protected/index.html;"
	if [ "$STATUS" != 200 ] && [[ $BODY != *"$FILE_TEXT"* ]]; then
		t_ok "/protected/index.html; (a trailing ';'), no token → $STATUS, not the file"
	else
		t_fail "/protected/index.html; (a trailing ';'), no token → not the file" "got: $STATUS"
	fi
	p="/${APP#/}"
	fetch "$SITE/$p"
	refused "/$p (a doubled slash), no token" 401 "$NO_TOKEN" "$NO_TOKEN_WWW"
	fetch -H "Authorization: Bearer $alice" "$SITE/$p"
	served "control: /$p, a valid token" alice
}

# attack_checks HEADER-LIMIT: tests/attack.sh's token families, each
# attack made at the application too (ATTACK_PROTECTED).  In the
# background, so that a signal reaches this shell's traps at once.
attack_checks() {
	local out=$TMPDIR_SERVER/attack.out
	ATTACK_SECRET=$SECRET ATTACK_INVALID_STATUS=403 \
	    ATTACK_HEADER_LIMIT_STATUS=$API_HEADER_LIMIT \
	    ATTACK_PROTECTED_HEADER_LIMIT_STATUS=$1 \
	    ATTACK_PROTECTED="$SITE$APP" \
	    bash "$ROOT/tests/attack.sh" "$API" >"$out" 2>&1 </dev/null &
	wait "$!"
	grep -vE '^attack: [0-9]+ passed, [0-9]+ failed$' "$out"
}

# cookie_checks: the authorizer in cookie mode (AUTH_COOKIES=1).
cookie_checks() {
	local alice own forged
	alice=$(token alice)
	forged=$(token alice 600 "not-the-secret-$RANDOM")
	own=${SITE%/}
	local -a c=(-H "Cookie: access_token=$alice")

	fetch "${c[@]}" "$SITE$APP"
	served "cookie mode, control: GET with the cookie" alice
	fetch -I "${c[@]}" "$SITE$FILE"
	check_eq "cookie mode, control: HEAD of the file with the cookie → 200" 200 "$STATUS"
	fetch "${c[@]}" -H 'Origin: http://evil.example' -H 'Sec-Fetch-Site: cross-site' "$SITE$FILE"
	page "cookie mode, control: a cross-site GET with the cookie (a safe method)"
	# Refused: nothing says the request comes from the site itself.
	for h in "X-None: neither Origin nor Sec-Fetch-Site" \
	    "Origin: http://evil.example" "Origin: null" \
	    "Sec-Fetch-Site: cross-site" "Sec-Fetch-Site: same-site" \
	    "Origin: $own.evil.example"; do
		fetch -X POST -d 'a=b' "${c[@]}" -H "$h" "$SITE$APP"
		refused "cookie mode: a POST with the cookie, $h" 401 \
		    "$COOKIE_REFUSED" "$NO_TOKEN_WWW"
	done
	fetch -X DELETE "${c[@]}" -H 'Sec-Fetch-Site: cross-site' "$SITE$APP"
	refused "cookie mode: a cross-site DELETE with the cookie" 401 \
	    "$COOKIE_REFUSED" "$NO_TOKEN_WWW"
	fetch -X POST -d 'a=b' "${c[@]}" -H 'Sec-Fetch-Site: same-origin' "$SITE$APP"
	served "cookie mode, control: a POST with the cookie, Sec-Fetch-Site: same-origin" alice
	fetch -X POST -d 'a=b' "${c[@]}" -H "Origin: $own" "$SITE$APP"
	served "cookie mode, control: a POST with the cookie from the site's own Origin $own" alice
	fetch -X POST -d 'a=b' -H "Authorization: Bearer $alice" \
	    -H 'Origin: http://evil.example' -H 'Sec-Fetch-Site: cross-site' "$SITE$APP"
	served "cookie mode: a cross-site POST with a bearer header (any method)" alice
	fetch -X POST -d 'a=b' -H "Cookie: access_token=$forged" \
	    -H 'Sec-Fetch-Site: same-origin' "$SITE$APP"
	invalid "cookie mode: a same-origin POST with a forged cookie" "The token signature is invalid"
}

# ---------------------------------------------------------------------------
# lighttpd: deploy/lighttpd-authorizer.conf, lighttpd spawning everything.

# lighttpd_start [NAME=VALUE...]: lighttpd from an empty environment plus
# what the conf's banner names (and the settings given).  Sets LPID.
lighttpd_start() {
	local t=$TMPDIR_SERVER
	rm -rf "$t/run"
	mkdir -m 0700 "$t/run"
	(
		umask 0007
		exec env - PATH="$PATH" APP_ROOT="$APP_ROOT" PORT="$PORT" \
		    RUN_DIR="$t/run" LOG_DIR="$t/log" ENV_FILE="$t/auth.env" \
		    DATABASE_PATH="$t/auth.db" PROTECTED_APP_DIR="$T_TMP/cgi" \
		    "$@" "$LIGHTTPD" -D -f "$APP_ROOT/deploy/lighttpd-authorizer.conf"
	) </dev/null >>"$t/lighttpd.stderr" 2>&1 &
	LPID=$!
	wait_http "$API/api/login" && return 0
	tail -n 5 "$t/lighttpd.stderr" "$t/log/lighttpd-error.log"
	return 1
}

lighttpd_stop() {
	local backends
	[ -n "${LPID:-}" ] || return 0
	backends=$(children "$LPID" | tr '\n' ' ')
	stop_pids "$LPID"
	# shellcheck disable=SC2086 # one PID per word
	wait_gone 30 $backends || stop_pids $backends
	LPID=
}

# cgi_site HEADER-LIMIT: the API and the guarded CGI application on one
# free port, the API's server answering HEADER-LIMIT for a header too large.
cgi_site() {
	PORT=$(free_port)
	API=http://127.0.0.1:$PORT
	SITE=$API
	APP=/protected/app/echo.cgi
	APP_REMOTE_USER=yes
	API_HEADER_LIMIT=$1
}

part_lighttpd() {
	TMPDIR_SERVER=$T_TMP/lighttpd
	mkdir -m 0711 "$TMPDIR_SERVER" && mkdir -m 0700 "$TMPDIR_SERVER/log" || return 1
	(umask 0077 && printf 'TOKEN_SECRET=%s\n' "$SECRET" >"$TMPDIR_SERVER/auth.env")
	cgi_site 431
	trap lighttpd_stop EXIT
	if ! lighttpd_start; then
		t_fail "lighttpd starts from deploy/lighttpd-authorizer.conf"
		return
	fi
	t_ok "lighttpd starts from deploy/lighttpd-authorizer.conf on 127.0.0.1:$PORT"
	site_checks
	attack_checks 431
	lighttpd_stop
	# Cookie mode, with the cookie's Path widened to reach /protected/.
	if ! lighttpd_start AUTH_COOKIES=1 AUTH_COOKIE_PATH=/; then
		t_fail "lighttpd starts again with AUTH_COOKIES=1 AUTH_COOKIE_PATH=/"
		return
	fi
	fetch -H 'Content-Type: application/json' \
	    -d '{"username":"carol","password":"correct horse battery"}' "$API/api/createNewUser"
	check_match "cookie mode: a sign-up sets the access cookie on Path=/ (AUTH_COOKIE_PATH)" \
	    '^Set-Cookie: access_token=[A-Za-z0-9._-]+; Path=/; Max-Age=1800; HttpOnly; SameSite=Strict$' \
	    "$(grep -i '^Set-Cookie: access_token=[^;]' <<<"$HEADERS")"
	check_eq "cookie mode: ... and clears the one a narrower AUTH_COOKIE_PATH set" \
	    'Set-Cookie: access_token=; Path=/api/userOrders; Max-Age=0; HttpOnly; SameSite=Strict' \
	    "$(grep -i '^Set-Cookie: access_token=;' <<<"$HEADERS")"
	fetch -H "Cookie: access_token=$(jq -r .access_token <<<"$BODY")" "$SITE$APP"
	served "cookie mode: the sign-up's cookie reaches the application" carol
	cookie_checks
}

# ---------------------------------------------------------------------------
# The authorizer under deploy/spawn-fcgi.sh, for Apache and nginx.

# authorizer_start SOCKET ENV-FILE: start it (as www-data when root), its
# database beside the API's.  Sets AUTHZ_PID.
authorizer_start() {
	local -a as=()
	[ "$(id -u)" -eq 0 ] && as=(-u www-data)
	[ "$(id -u)" -eq 0 ] && [[ $1 == /* ]] && as+=(-G www-data)
	ENV_FILE=$2 DATABASE_PATH=$TMPDIR_SERVER/authz/data/auth.db \
	    "$APP_ROOT/deploy/spawn-fcgi.sh" "${as[@]}" authorize "$1" \
	    </dev/null >>"$TMPDIR_SERVER/authz/spawn.log" 2>&1 &
	AUTHZ_PID=$!
}

# authorizer_env FILE SETTING...: an env file www-data can read.
authorizer_env() {
	local f=$1
	shift
	(umask 0027 && printf '%s\n' "TOKEN_SECRET=$SECRET" "$@" >"$f")
	[ "$(id -u)" -ne 0 ] || chgrp www-data "$f"
}

authorizer_dir() {
	mkdir -m 0750 "$TMPDIR_SERVER/authz" || return 1
	mkdir -m 0770 "$TMPDIR_SERVER/authz/data" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chgrp www-data "$TMPDIR_SERVER/authz" "$TMPDIR_SERVER/authz/data"
	fi
	authorizer_env "$TMPDIR_SERVER/authz/auth.env"
	authorizer_env "$TMPDIR_SERVER/authz/cookies.env" AUTH_COOKIES=1 \
	    AUTH_COOKIE_PATH=/
}

# ---------------------------------------------------------------------------
# Apache: deploy/apache-proxy-fcgi.conf (the API) and
# deploy/apache-authnz-fcgi.conf in one Apache, the authorizer on TCP.

part_apache() {
	local t auth_port
	# shellcheck source=tests/servers/apache-proxy-fcgi.sh
	. "$ROOT/tests/servers/apache-proxy-fcgi.sh"
	TMPDIR_SERVER=$T_TMP/apache
	t=$TMPDIR_SERVER
	mkdir -m 0711 "$t" || return 1
	cgi_site 400
	auth_port=$(free_port)
	APACHE_WHO=apache-authnz-fcgi
	PROXY_BACKENDS=
	AUTHZ_PID=
	trap 'apache_stop $APACHE_PID $PROXY_BACKENDS $AUTHZ_PID' EXIT
	if ! { apache_prepare_tmp && apache_prepare_app &&
	    mkdir -m 0750 "$t/run" && apache_chown root:"$APACHE_GROUP" "$t/run" &&
	    authorizer_dir && proxy_spawn; }; then
		t_fail "Apache's set-up and the service's executables"
		return
	fi
	authorizer_start "127.0.0.1:$auth_port" "$t/authz/auth.env"
	if ! wait_port "$auth_port" "$AUTHZ_PID" ||
	    ! apache_subst "$APP_ROOT/deploy/apache-proxy-fcgi.conf" "$t/site.conf" \
	    WEB_DIR="$APP_ROOT/web" PORT="$PORT" RUN_DIR="$t/run" LOG_DIR="$t/log" \
	    JWKS_FILE="$JWKS_FILE" ||
	    ! apache_subst "$APP_ROOT/deploy/apache-authnz-fcgi.conf" "$t/authnz.conf" \
	    AUTH_PORT="$auth_port" PROTECTED_DIR="$APP_ROOT/web/protected" \
	    APP_DIR="$T_TMP/cgi" ||
	    ! apache_main_conf "$t/apache2.conf" "$t/site.conf" authz_core \
	    alias dir headers mime proxy proxy_fcgi authnz_fcgi authn_core \
	    authz_user cgid; then
		t_fail "the authorizer on 127.0.0.1:$auth_port and deploy/apache-authnz-fcgi.conf substituted" \
		    "$(tail -n 5 "$t/authz/spawn.log" 2>/dev/null)"
		return
	fi
	printf 'Include "%s"\n' "$t/authnz.conf" >>"$t/apache2.conf"
	if ! apache_start "$t/apache2.conf" "$API"; then
		t_fail "Apache starts with deploy/apache-authnz-fcgi.conf beside deploy/apache-proxy-fcgi.conf"
		return
	fi
	t_ok "Apache starts with deploy/apache-authnz-fcgi.conf beside deploy/apache-proxy-fcgi.conf ($(apache_version))"
	site_checks
	attack_checks 400
	# Cookie mode: the authorizer alone, started again with it.
	apache_stop_pids 30 "$AUTHZ_PID"
	authorizer_start "127.0.0.1:$auth_port" "$t/authz/cookies.env"
	wait_port "$auth_port" "$AUTHZ_PID"
	cookie_checks
}

# ---------------------------------------------------------------------------
# nginx: tests/servers/nginx.sh (deploy/nginx.conf, the API) and a second
# nginx from deploy/nginx-auth-request.conf for the guarded site.

part_nginx() {
	local t conf backend
	# shellcheck source=tests/servers/nginx.sh
	. "$ROOT/tests/servers/nginx.sh"
	TMPDIR_SERVER=$T_TMP/nginx
	t=$TMPDIR_SERVER
	mkdir -m 0711 "$t" || return 1
	PORT=$(free_port)
	export TMPDIR_SERVER PORT
	API=http://127.0.0.1:$PORT
	APP=/protected/app/echo
	APP_REMOTE_USER=no
	API_HEADER_LIMIT=431
	SITE_PID=
	ECHO_PID=
	AUTHZ_PID=
	trap 'stop_pids $SITE_PID; server_stop; stop_pids $AUTHZ_PID $ECHO_PID' EXIT
	if ! server_start >"$t/api.log" 2>&1; then
		t_fail "nginx serves the API (tests/servers/nginx.sh)" "$(tail -n 5 "$t/api.log")"
		return
	fi
	authorizer_dir || return 1
	mkdir -m 0711 "$t/site" && mkdir -m 0750 "$t/site/run" &&
	    mkdir -m 0700 "$t/site/log" || return 1
	[ "$(id -u)" -ne 0 ] || chgrp www-data "$t/site/run"
	authorizer_start "$t/site/run/authorize.sock" "$t/authz/auth.env"
	backend=$(free_port)
	python3 "$ROOT/tests/authorizer/echo-http.py" "$backend" </dev/null >"$t/site/log/echo.log" 2>&1 &
	ECHO_PID=$!
	SITE=http://127.0.0.1:$(free_port)
	conf=$t/site/nginx.conf
	sed -e "s|@SITE_ROOT@|$APP_ROOT/web|g" -e "s|@RUN_DIR@|$t/site/run|g" \
	    -e "s|@LOG_DIR@|$t/site/log|g" -e "s|@PORT@|${SITE##*:}|g" \
	    -e "s|@BACKEND@|127.0.0.1:$backend|g" \
	    "$APP_ROOT/deploy/nginx-auth-request.conf" >"$conf"
	if ! wait_socket "$t/site/run/authorize.sock" "$AUTHZ_PID" ||
	    ! nginx -t -q -c "$conf" -e "$t/site/log/nginx-site-error.log"; then
		t_fail "deploy/nginx-auth-request.conf and the authorizer's socket" \
		    "$(tail -n 5 "$t/authz/spawn.log" "$t/site/log/nginx-site-error.log" 2>/dev/null)"
		return
	fi
	nginx -c "$conf" -e "$t/site/log/nginx-site-error.log" -g 'daemon off;' \
	    </dev/null >>"$t/site/log/nginx.stderr" 2>&1 &
	SITE_PID=$!
	if ! wait_http "$SITE/index.html" || ! wait_http "http://127.0.0.1:$backend/"; then
		t_fail "nginx serves deploy/nginx-auth-request.conf" "$(tail -n 5 "$t/site/log/"*)"
		return
	fi
	t_ok "nginx serves deploy/nginx-auth-request.conf on ${SITE#http://} (the API on 127.0.0.1:$PORT)"
	site_checks
	attack_checks 400
	# The authorizer down: 503 service_unavailable, not nginx's 500.
	stop_pids "$AUTHZ_PID"
	fetch "$SITE$FILE"
	check_eq "the authorizer down → 503 service_unavailable, Retry-After: 5" \
	    "503 service_unavailable 5" "$STATUS $(jq -r .error <<<"$BODY" 2>/dev/null) $(header Retry-After)"
	rm -f "$t/site/run/authorize.sock"
	authorizer_start "$t/site/run/authorize.sock" "$t/authz/cookies.env"
	wait_socket "$t/site/run/authorize.sock" "$AUTHZ_PID"
	cookie_checks
}

# ---------------------------------------------------------------------------

# deploy/spawn-fcgi.sh takes TCP for the authorizer alone, on 127.0.0.1
# alone (the Apache part is the control: it starts it on 127.0.0.1:PORT).
for a in "login 127.0.0.1:9015" "authorize 0.0.0.0:9015" "authorize 127.0.0.1:0"; do
	# shellcheck disable=SC2086 # EXECUTABLE SOCKET
	if out=$(ALLOW_ROOT=1 "$APP_ROOT/deploy/spawn-fcgi.sh" $a 2>&1 </dev/null); then
		t_fail "deploy/spawn-fcgi.sh $a is refused" "it started"
	else
		check_match "deploy/spawn-fcgi.sh $a is refused, saying why" \
		    '^deploy/spawn-fcgi.sh: .*(only the authorizer|SOCKET must be|must be a number)' "$out"
	fi
done

# The servers side by side (each on its own ports and folders), then their
# results in order.  Each part stops what it started when it ends or is
# told to (its EXIT trap); an interrupt here tells them.
servers=${AUTHORIZER_SERVERS:-lighttpd apache nginx}
PARTS=()
stop_parts() {
	local p
	for p in "${PARTS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PARTS[@]}"; do wait "$p" 2>/dev/null; done
	PARTS=()
}
trap 'stop_parts; t_cleanup' EXIT
trap 'exit 130' INT TERM HUP
t0=$(now_ms)
for s in $servers; do
	(
		trap 'exit 130' INT TERM HUP
		t1=$(now_ms)
		"part_$s"
		echo "# $s: $(($(now_ms) - t1)) ms"
	) >"$T_TMP/$s.out" 2>&1 </dev/null &
	PARTS+=("$!")
done
for p in "${PARTS[@]}"; do wait "$p"; done
PARTS=()
for s in $servers; do
	echo "# --- $s"
	while IFS= read -r l; do
		case $l in
		'ok - '*) t_ok "$s: ${l#ok - }" ;;
		'not ok - '*) T_FAIL=$((T_FAIL + 1)); echo "not ok - $s: ${l#not ok - }" ;;
		*) printf '%s\n' "$l" ;;
		esac
	done <"$T_TMP/$s.out"
	grep -q '^ok - ' "$T_TMP/$s.out" || t_fail "$s: ran"
done
echo "# run time: $(($(now_ms) - t0)) ms"
t_done
