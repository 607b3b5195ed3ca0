#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# tests/authorizer/echo.cgi: the protected CGI application of
# tests/suite-authorizer.sh (lighttpd, Apache).  It answers what it was told
# about the user: AUTH_USER and REMOTE_USER, which the web server sets from
# the authorizer's verdict, and every other variable with USER in its name
# (a request header such as X-Auth-User arrives as HTTP_X_AUTH_USER).
import json
import os

seen = {k: v for k, v in os.environ.items()
        if "USER" in k and k not in ("AUTH_USER", "REMOTE_USER")}
print("Content-Type: application/json\r\n\r\n" + json.dumps({
    "user": os.environ.get("AUTH_USER"),
    "remote_user": os.environ.get("REMOTE_USER"),
    "method": os.environ.get("REQUEST_METHOD"),
    "seen": seen,
}))
