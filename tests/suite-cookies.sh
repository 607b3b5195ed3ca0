#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Cookie mode (AUTH_COOKIES=1, docs/api.md "Cookie mode"), as plain
# CGI: the Set-Cookie attributes, the cookie as credentials when there is
# no Authorization header, refresh and logout through the cookie, and the
# controls: cookies ignored when the mode is off, the header winning.
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/lib.sh"
T_NAME=cookies	# read by t_done
export T_NAME
t_tmpdir

SECRET=cookie-suite-secret-0123456789abcdef0123456789
BASE_ENV=(TOKEN_SECRET="$SECRET" DATABASE_PATH="$T_TMP/auth.db" ENV_FILE=/dev/null)
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1:8080)

set_cookie() { printf '%s\n' "$HEADERS" | tr -d '\r' | grep -i "^Set-Cookie: $1=" | sed 's/^[^:]*: //'; }

cgi login POST /api/createNewUser '{"username":"carol","password":"correct horse battery"}'
check_eq "sign-up in cookie mode: 201" 201 "$STATUS"
AT=$(json .access_token); RT=$(json .refresh_token)
check_eq "access cookie: value, narrowest path, TTL, HttpOnly, SameSite=Strict, no Secure on loopback http" \
	"access_token=$AT; Path=/api/userOrders; Max-Age=1800; HttpOnly; SameSite=Strict" "$(set_cookie access_token)"
check_eq "refresh cookie: value, /api (token and logout), TTL, HttpOnly, SameSite=Strict" \
	"refresh_token=$RT; Path=/api; Max-Age=604800; HttpOnly; SameSite=Strict" "$(set_cookie refresh_token)"
check_eq "the token body is still sent" Bearer "$(json .token_type)"
check_eq "a sign-up in cookie mode says Auth-Mode: cookie (the page cannot read Set-Cookie)" cookie "$(header Auth-Mode)"
CGI_ENV=("${BASE_ENV[@]}" HTTP_HOST=127.0.0.1:8080)
cgi login POST /api/login '{"username":"carol","password":"correct horse battery"}'
check_eq "control: a login in bearer mode: 200, no Set-Cookie, no Auth-Mode" "200 0 " \
	"$STATUS $(printf '%s\n' "$HEADERS" | grep -ci '^Set-Cookie:') $(header Auth-Mode)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1:8080)
cgi login POST /api/login '{"username":"carol","password":"correct horse battery"}'
check_eq "a login in cookie mode: 200, Auth-Mode: cookie" "200 cookie" "$STATUS $(header Auth-Mode)"

CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=auth.example.org REMOTE_ADDR=127.0.0.1)
cgi login POST /api/login '{"username":"carol","password":"correct horse battery"}'
check_match "plain http to a non-loopback host (a TLS proxy on this machine) gets Secure" '; Secure$' "$(set_cookie access_token)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1.evil.example)
cgi login POST /api/login '{"username":"carol","password":"correct horse battery"}'
check_match "a host that only starts like 127. gets Secure" '; Secure$' "$(set_cookie access_token)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=localhost:8080)
cgi login POST /api/login '{"username":"carol","password":"correct horse battery"}'
check_match "control: plain http to localhost:8080 gets no Secure" 'SameSite=Strict$' "$(set_cookie access_token)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1:8080 HTTPS=on)
cgi login POST /api/login '{"username":"carol","password":"correct horse battery"}'
check_match "over https the cookies are Secure even on loopback" '; Secure$' "$(set_cookie refresh_token)"

# The access cookie as credentials.
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_COOKIE="theme=dark; access_token=$AT; x=1")
cgi userorders GET /api/userOrders
check_eq "GET userOrders with only the access cookie: 200 for its user" "200 carol" "$STATUS $(json .username)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_COOKIE="access_token=${AT%?}x")
cgi userorders GET /api/userOrders
check_eq "a tampered access cookie: 403 invalid_token" "403 invalid_token" "$STATUS $(json .error)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_COOKIE="access_token=$AT" HTTP_AUTHORIZATION="Bearer x.y.z")
cgi userorders GET /api/userOrders
check_eq "an Authorization header wins over the cookie (its bad token: 403)" 403 "$STATUS"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_COOKIE="access_token=")
cgi userorders GET /api/userOrders
check_eq "an empty access cookie is no credential: 401 missing_token" "401 missing_token" "$STATUS $(json .error)"
CGI_ENV=("${BASE_ENV[@]}" HTTP_COOKIE="access_token=$AT")
cgi userorders GET /api/userOrders
check_eq "control: with AUTH_COOKIES unset the cookie is ignored: 401" 401 "$STATUS"
CGI_ENV=("${BASE_ENV[@]}" HTTP_COOKIE="access_token=$AT" HTTP_AUTHORIZATION="Bearer $AT")
cgi userorders GET /api/userOrders
check_eq "control: the same token as a header: 200" 200 "$STATUS"

# Refresh and logout through the refresh cookie, with a body of {}.
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1:8080 HTTP_COOKIE="refresh_token=$RT")
cgi refresh POST /api/token '{}'
check_eq "refresh with {} and the refresh cookie: 200" 200 "$STATUS"
RT2=$(json .refresh_token)
check_eq "the refresh answer sets the new refresh cookie" \
	"refresh_token=$RT2; Path=/api; Max-Age=604800; HttpOnly; SameSite=Strict" "$(set_cookie refresh_token)"
check_eq "the refresh answer says Auth-Mode: cookie" cookie "$(header Auth-Mode)"
cgi refresh POST /api/token '{}'
check_eq "the spent refresh cookie again: 403 invalid_token" "403 invalid_token" "$STATUS $(json .error)"
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1:8080)
cgi refresh POST /api/token '{}'
check_eq "refresh with {} and no cookie: 403 invalid_token" "403 invalid_token" "$STATUS $(json .error)"
CGI_ENV=("${BASE_ENV[@]}" HTTP_COOKIE="refresh_token=$RT2")
cgi refresh POST /api/token '{}'
check_eq "control: cookie mode off, {} is a missing field: 400" "400 invalid_request" "$STATUS $(json .error)"

CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1:8080)
cgi login POST /api/login '{"username":"carol","password":"correct horse battery"}'
RT3=$(json .refresh_token)
CGI_ENV=("${BASE_ENV[@]}" AUTH_COOKIES=1 HTTP_HOST=127.0.0.1:8080 HTTP_COOKIE="refresh_token=$RT3")
cgi refresh POST /api/logout '{}'
check_eq "logout through the cookie: 204" 204 "$STATUS"
check_eq "logout clears the access cookie" \
	"access_token=; Path=/api/userOrders; Max-Age=0; HttpOnly; SameSite=Strict" "$(set_cookie access_token)"
check_eq "logout clears the refresh cookie" \
	"refresh_token=; Path=/api; Max-Age=0; HttpOnly; SameSite=Strict" "$(set_cookie refresh_token)"
CGI_ENV=("${BASE_ENV[@]}")
cgi refresh POST /api/token "{\"refresh_token\":\"$RT3\"}"
check_eq "after the cookie logout that family is revoked: 403" 403 "$STATUS"
t_done
