#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# tests/authorizer/echo-http.py PORT: the protected HTTP application of
# tests/suite-authorizer.sh (behind nginx), on 127.0.0.1:PORT.  It answers
# what it was told about the user: the X-Auth-User header nginx sets from
# the authorizer's verdict, Remote-User, and every other header with "user"
# in its name.  Runs until killed.
import http.server
import json
import sys


class Echo(http.server.BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        seen = {k: v for k, v in self.headers.items()
                if "user" in k.lower() and k.lower() not in
                ("x-auth-user", "remote-user")}
        body = json.dumps({
            "user": self.headers.get("X-Auth-User"),
            "remote_user": self.headers.get("Remote-User"),
            "method": self.command,
            "seen": seen,
        }).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                Echo).serve_forever()
