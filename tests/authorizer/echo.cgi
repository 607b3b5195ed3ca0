#!/bin/sh
# SPDX-License-Identifier: ISC
# tests/authorizer/echo.cgi: the protected CGI application of
# tests/suite-authorizer.sh (lighttpd, Apache).  It answers what it was told
# about the user: AUTH_USER and REMOTE_USER, which the web server sets from
# the authorizer's verdict, and every other variable with USER in its name
# (a request header such as X-Auth-User arrives as HTTP_X_AUTH_USER), with
# '"' and '\' left out so that the answer stays JSON.  sh, not python: it
# runs for every request of the attack families.
# A CGI program reads its body: Apache fails a request whose program left
# without reading it (the write into the pipe breaks).
case ${CONTENT_LENGTH:-0} in
'' | *[!0-9]* | 0) ;;
*) head -c "$CONTENT_LENGTH" >/dev/null ;;
esac
seen=$(env | grep USER | grep -v -e '^AUTH_USER=' -e '^REMOTE_USER=' |
    tr -d '"\\' | tr '\n' ' ')
printf 'Content-Type: application/json\r\n\r\n'
printf '{"user":"%s","remote_user":"%s","method":"%s","seen":"%s"}\n' \
    "${AUTH_USER-}" "${REMOTE_USER-}" "${REQUEST_METHOD-}" "$seen"
