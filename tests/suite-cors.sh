#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Pages on other origins (docs/api.md, "Pages on other origins"), as plain
# CGI: the preflight and the actual request for a listed origin, an
# unlisted one, `null`, a listed origin with another port or scheme, the
# default of no list at all, cookie mode with credentials and each
# AUTH_COOKIE_SAMESITE, the JSON-only body rule under CORS, and start-up
# refusals.  Every refusal sits next to its positive control.  The same
# preflight and answers over HTTP, through every deployment, are in
# tests/contract.sh (run by tests/suite-servers.sh).
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/lib.sh"
T_NAME=cors	# read by t_done
export T_NAME
t_require jq
t_tmpdir

SECRET=cors-suite-secret-0123456789abcdef0123456789
APP=http://localhost:3000		# a dev server's page
PROD=https://app.example.com		# a production page
BASE_ENV=(TOKEN_SECRET="$SECRET" DATABASE_PATH="$T_TMP/auth.db"
    ENV_FILE=/dev/null HTTP_HOST=localhost:8080 REMOTE_ADDR=127.0.0.1
    SIGNUP_MAX_PER_ADDRESS=0)
LISTED=(CORS_ORIGINS="$APP, $PROD")
PW='correct horse battery'

# cors_hdrs: the CORS and Vary header lines of the last answer, sorted,
# joined by "|" ("" when there are none).
cors_hdrs() {
	printf '%s\n' "$HEADERS" | tr -d '\r' |
	    grep -iE '^(Access-Control-[A-Za-z-]*|Vary):' | sort | paste -sd'|'
}
# sorted LINE...: the lines sorted and joined as cors_hdrs does.
sorted() { printf '%s\n' "$@" | sort | paste -sd'|'; }
# common_hdrs ORIGIN [CRED]: what every answer to a listed origin carries;
# with CRED (cookie mode) Allow-Credentials too.
common_hdrs() {
	sorted "Access-Control-Allow-Origin: $1" \
	    "Access-Control-Expose-Headers: Retry-After, WWW-Authenticate, Auth-Mode" \
	    "Vary: Origin" ${2:+"Access-Control-Allow-Credentials: true"}
}
# preflight_hdrs ORIGIN METHODS [AGE [CRED]]: a preflight's answer, the
# common lines plus the methods, the request headers and the age.
preflight_hdrs() {
	sorted "$(common_hdrs "$1" "${4:-}" | tr '|' '\n')" \
	    "Access-Control-Allow-Methods: $2" \
	    "Access-Control-Allow-Headers: Authorization, Content-Type" \
	    "Access-Control-Max-Age: ${3:-600}"
}
# preflight EXE URI ORIGIN [METHOD]: OPTIONS as a browser sends it before a
# JSON POST (or METHOD) with a bearer token.
preflight() {
	local -a save=("${CGI_ENV[@]}")
	CGI_ENV+=(HTTP_ORIGIN="$3" HTTP_ACCESS_CONTROL_REQUEST_METHOD="${4:-POST}"
	    HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type")
	cgi "$1" OPTIONS "$2"
	CGI_ENV=("${save[@]}")
}
# from ORIGIN EXE METHOD URI [BODY]: the actual request, from ORIGIN.
from() {
	local -a save=("${CGI_ENV[@]}")
	CGI_ENV+=(HTTP_ORIGIN="$1")
	shift
	cgi "$@"
	CGI_ENV=("${save[@]}")
}
cred() { printf '{"username":"%s","password":"%s"}' "$1" "$PW"; }
set_cookie() { printf '%s\n' "$HEADERS" | tr -d '\r' | grep -i "^Set-Cookie: $1=" | sed 's/^[^:]*: //'; }

# ---------------------------------------------------------------------------
# A listed origin: preflight 204 with the route's methods, then the answer

CGI_ENV=("${BASE_ENV[@]}" "${LISTED[@]}")
preflight login /api/createNewUser "$APP"
check_eq "preflight of POST /api/createNewUser from a listed origin → 204, no body" "204 " "$STATUS $BODY"
check_eq "… Allow-Origin that origin, Allow-Methods POST, Allow-Headers Authorization, Content-Type, Max-Age 600, Vary: Origin, no credentials (bearer mode)" \
    "$(preflight_hdrs "$APP" POST)" "$(cors_hdrs)"
preflight userorders /api/userOrders "$APP" GET
check_eq "preflight of /api/userOrders → 204 with the route's methods: GET, HEAD, POST" \
    "204 $(preflight_hdrs "$APP" 'GET, HEAD, POST')" "$STATUS $(cors_hdrs)"
preflight refresh /api/token "$APP"
check_eq "preflight of /api/token (refresh) → 204, POST" "204 $(preflight_hdrs "$APP" POST)" "$STATUS $(cors_hdrs)"
preflight refresh /api/logout/ "$APP"
check_eq "preflight of /api/logout/ (the final slash routes as /api/logout) → 204" "204" "$STATUS"

from "$APP" login POST /api/createNewUser "$(cred alice)"
check_eq "sign-up from the listed origin → 201 with Allow-Origin, Expose-Headers, Vary" \
    "201 $(common_hdrs "$APP")" "$STATUS $(cors_hdrs)"
AT=$(json .access_token)
CGI_ENV+=(HTTP_AUTHORIZATION="Bearer $AT")
from "$APP" userorders POST /api/userOrders '{"item":"book","quantity":2}'
check_eq "adding an order from the listed origin → 201 with the CORS headers" \
    "201 $(common_hdrs "$APP")" "$STATUS $(cors_hdrs)"
from "$APP" userorders GET /api/userOrders
check_eq "listing orders from the listed origin → 200, the order, the CORS headers" \
    "200 book $(common_hdrs "$APP")" "$STATUS $(json '.orders[0].item') $(cors_hdrs)"
CGI_ENV=("${BASE_ENV[@]}" "${LISTED[@]}")
from "$APP" userorders GET /api/userOrders
check_eq "an error answer (401) carries them too, so the page can read it and its WWW-Authenticate" \
    "401 missing_token $(common_hdrs "$APP")" "$STATUS $(json .error) $(cors_hdrs)"
from "$PROD:443" login POST /api/login '{"username":"alice","password":"wrong password"}'
check_eq "the other listed origin, with its default port written out (normalised) → Allow-Origin without it" \
    "401 $(common_hdrs "$PROD")" "$STATUS $(cors_hdrs)"
CGI_ENV+=(HTTP_ACCESS_CONTROL_REQUEST_METHOD=POST)
from "$APP" login OPTIONS /api/nope
check_eq "a preflight of a path no route serves → 404 not_found (the browser then refuses)" \
    "404 not_found" "$STATUS $(json .error)"
CGI_ENV=("${BASE_ENV[@]}" "${LISTED[@]}")
from "$APP" login OPTIONS /api/login
check_eq "OPTIONS without Access-Control-Request-Method is no preflight → 405, Allow: POST, with the CORS headers" \
    "405 POST $(common_hdrs "$APP")" "$STATUS $(header Allow) $(cors_hdrs)"

# ---------------------------------------------------------------------------
# Not listed: no CORS header at all, and a preflight answers 403

for o in http://evil.example null "http://localhost:3001" "https://localhost:3000" \
    "http://app.example.com" "http://localhost:3000/" "http://localhost" "*"; do
	preflight login /api/createNewUser "$o"
	check_eq "preflight from $o (not listed) → 403 origin_not_allowed, no CORS header" \
	    "403 origin_not_allowed " "$STATUS $(json .error) $(cors_hdrs)"
done
check_eq "… the 403 is the usual JSON error body, ending with a newline" \
    '{"error":"origin_not_allowed","message":"This origin may not call the API from a browser"}'$'\n' "$BODY"
preflight login /api/createNewUser "$APP"
check_eq "control: the same preflight from $APP → 204 with its CORS headers" \
    "204 $(preflight_hdrs "$APP" POST)" "$STATUS $(cors_hdrs)"
for o in http://evil.example null "http://localhost:3001" "https://localhost:3000"; do
	from "$o" login POST /api/login "$(cred alice)"
	check_eq "login from $o (not listed): answered (200), but with no CORS header, so its page cannot read it" \
	    "200 " "$STATUS $(cors_hdrs)"
done
from "$APP" login POST /api/login "$(cred alice)"
check_eq "control: the same login from $APP → 200 with the CORS headers" \
    "200 $(common_hdrs "$APP")" "$STATUS $(cors_hdrs)"
cgi login POST /api/login "$(cred alice)"
check_eq "no Origin at all (curl, a same-origin GET): no CORS header" "200 " "$STATUS $(cors_hdrs)"

# ---------------------------------------------------------------------------
# No CORS_ORIGINS (the default): same-origin only, OPTIONS as before

CGI_ENV=("${BASE_ENV[@]}")
preflight login /api/createNewUser "$APP"
check_eq "without CORS_ORIGINS a preflight → 405 method_not_allowed, Allow: POST, no CORS header" \
    "405 method_not_allowed POST " "$STATUS $(json .error) $(header Allow) $(cors_hdrs)"
from "$APP" login POST /api/login "$(cred alice)"
check_eq "without CORS_ORIGINS a request from $APP gets no CORS header" "200 " "$STATUS $(cors_hdrs)"
CGI_ENV=("${BASE_ENV[@]}" CORS_ORIGINS=)
preflight userorders /api/userOrders "$APP" GET
check_eq "CORS_ORIGINS empty is the same → 405, Allow: GET, HEAD, POST" \
    "405 GET, HEAD, POST " "$STATUS $(header Allow) $(cors_hdrs)"
CGI_ENV=("${BASE_ENV[@]}" "${LISTED[@]}" CORS_MAX_AGE=0)
preflight login /api/login "$APP"
check_eq "CORS_MAX_AGE=0: Access-Control-Max-Age: 0 (the browser asks every time)" \
    "204 0" "$STATUS $(header Access-Control-Max-Age)"

# ---------------------------------------------------------------------------
# Cookie mode: credentials, SameSite, and the JSON-only body rule

CGI_ENV=("${BASE_ENV[@]}" "${LISTED[@]}" AUTH_COOKIES=1)
preflight refresh /api/token "$APP"
check_eq "cookie mode: the preflight also says Allow-Credentials: true" \
    "204 $(preflight_hdrs "$APP" POST 600 1)" "$STATUS $(cors_hdrs)"
from "$APP" login POST /api/login "$(cred alice)"
check_eq "cookie mode: login from the listed origin → 200 with Allow-Credentials: true" \
    "200 $(common_hdrs "$APP" 1)" "$STATUS $(cors_hdrs)"
check_eq "… and its cookies stay SameSite=Strict (localhost:3000 → localhost:8080 is same-site)" \
    "access_token=$(json .access_token); Path=/api/userOrders; Max-Age=1800; HttpOnly; SameSite=Strict" \
    "$(set_cookie access_token)"
RT=$(json .refresh_token)
CGI_ENV+=(HTTP_COOKIE="refresh_token=$RT")
from "$APP" refresh POST /api/token '{}'
check_eq "cookie mode: a refresh with {} and the cookie, from the listed origin → 200, credentials allowed" \
    "200 $(common_hdrs "$APP" 1)" "$STATUS $(cors_hdrs)"
RT=$(json .refresh_token)
preflight refresh /api/token http://evil.example
check_eq "cookie mode: a preflight from an unlisted origin → 403, no credentials header" \
    "403 " "$STATUS $(cors_hdrs)"
CGI_ENV=("${BASE_ENV[@]}" "${LISTED[@]}")
from "$APP" login POST /api/login "$(cred alice)"
check_eq "control: bearer mode sends no Allow-Credentials (the page sends no cookie)" \
    "" "$(cors_hdrs | tr '|' '\n' | grep -i credentials)"

CGI_ENV=("${BASE_ENV[@]}" "${LISTED[@]}" AUTH_COOKIES=1 AUTH_COOKIE_SAMESITE=None)
from "$APP" login POST /api/login "$(cred alice)"
check_eq "AUTH_COOKIE_SAMESITE=None: SameSite=None and Secure, even over http to localhost" \
    "refresh_token=$(json .refresh_token); Path=/api; Max-Age=604800; HttpOnly; SameSite=None; Secure" \
    "$(set_cookie refresh_token)"
RT2=$(json .refresh_token)
# A cross-site form or text/plain POST needs no preflight, and a SameSite=None
# cookie rides along: the JSON-only body rule is what refuses it.
CGI_ENV+=(HTTP_COOKIE="refresh_token=$RT2")
CGI_CT=text/plain from http://evil.example refresh POST /api/logout '{}'
check_eq "SameSite=None: another site's text/plain POST to /api/logout with the cookie → 415, no CORS header" \
    "415 unsupported_media_type " "$STATUS $(json .error) $(cors_hdrs)"
CGI_CT=application/x-www-form-urlencoded from http://evil.example refresh POST /api/token 'a=b'
check_eq "… and its form POST to /api/token → 415" "415" "$STATUS"
from "$APP" refresh POST /api/token '{}'
check_eq "control: the session survived; the listed page's JSON refresh with the cookie → 200" "200" "$STATUS"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 AUTH_COOKIE_SAMESITE=None HTTP_COOKIE="refresh_token=$(json .refresh_token)")
cgi refresh POST /api/logout '{}'
check_eq "AUTH_COOKIE_SAMESITE=None: logout clears the cookies with the same attributes" \
    "204 refresh_token=; Path=/api; Max-Age=0; HttpOnly; SameSite=None; Secure" "$STATUS $(set_cookie refresh_token)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 AUTH_COOKIE_SAMESITE=lax)
cgi login POST /api/login "$(cred alice)"
check_eq "AUTH_COOKIE_SAMESITE=lax: SameSite=Lax, no Secure over http to localhost" \
    "access_token=$(json .access_token); Path=/api/userOrders; Max-Age=1800; HttpOnly; SameSite=Lax" \
    "$(set_cookie access_token)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 AUTH_COOKIE_SAMESITE=Strict)
cgi login POST /api/login "$(cred alice)"
check_match "AUTH_COOKIE_SAMESITE=Strict (the default, written out): SameSite=Strict" 'SameSite=Strict$' \
    "$(set_cookie access_token)"

# ---------------------------------------------------------------------------
# A malformed setting: one start-up line naming it, nothing served

# refused VAR VALUE: login started with VAR=VALUE exits 1, writes nothing
# to stdout and exactly one line on stderr, naming VAR.
refused() {
	local out err rc
	out=$(env "${BASE_ENV[@]}" "$1=$2" REQUEST_METHOD=POST REQUEST_URI=/api/login \
	    "$BUILD/login" </dev/null 2>"$T_TMP/err")
	rc=$?
	err=$(cat "$T_TMP/err")
	if [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$(wc -l <"$T_TMP/err")" -eq 1 ] &&
	    [[ $err == "login: $1: "* ]]; then
		t_ok "$1=$2 → refused at start-up: $err"
	else
		t_fail "$1=$2 → refused at start-up with one line naming $1" \
		    "exit $rc, stdout: ${out:0:100}" "stderr: $err"
	fi
}
refused CORS_ORIGINS '*'
refused CORS_ORIGINS 'https://*.example.com'
refused CORS_ORIGINS 'null'
refused CORS_ORIGINS "$APP/"
refused CORS_ORIGINS "$APP, app.example.com"
refused CORS_MAX_AGE 90000
refused AUTH_COOKIE_SAMESITE Relaxed
out=$(env "${BASE_ENV[@]}" "${LISTED[@]}" CORS_MAX_AGE=86400 AUTH_COOKIE_SAMESITE=None \
    REQUEST_METHOD=GET REQUEST_URI=/api/login "$BUILD/login" </dev/null 2>&1)
check_match "control: good values of all three start and serve (GET /api/login → 405)" '^Status: 405' "$out"
t_done
