# SPDX-License-Identifier: ISC
# tests/fcgi/closeprobe.py SOCK METHOD URI [NAME=value...], a body on stdin:
# one FastCGI request over the unix socket SOCK with exactly the params
# given (no CONTENT_LENGTH unless given), the body as FCGI_STDIN.  Prints
# the answer (the FCGI_STDOUT records), then reads the connection to its
# end and sends one more record, and prints a last line: "closed" when the
# worker had closed its end (the send fails: EPIPE), "open" when it had only
# shut it for writing and still reads (libfcgi's lingering close).  On a
# unix socket the peer is released before the reader sees the end, so the
# answer does not depend on timing.  PROBE_ROLE=2 asks as an authorizer;
# PROBE_STDIN=0 sends no FCGI_STDIN record at all, as Apache's
# mod_authnz_fcgi does for an authorizer.
import os
import socket
import struct
import sys


def record(rtype, content):
    return struct.pack('>BBHHBx', 1, rtype, 1, len(content), 0) + content


def pair(name, value):
    def length(x):
        if len(x) < 128:
            return bytes([len(x)])
        return struct.pack('>I', len(x) | 0x80000000)
    return length(name) + length(value) + name + value


def main():
    path, method, uri = sys.argv[1:4]
    params = [(b'REQUEST_METHOD', method.encode()),
              (b'REQUEST_URI', uri.encode()), (b'SCRIPT_NAME', uri.encode())]
    for arg in sys.argv[4:]:
        name, _, value = arg.partition('=')
        params.append((name.encode(), value.encode()))
    body = sys.stdin.buffer.read()
    p = b''.join(pair(n, v) for n, v in params)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    role = int(os.environ.get('PROBE_ROLE', '1'))
    stdin = b''
    if os.environ.get('PROBE_STDIN', '1') != '0':
        stdin = (record(5, body) if body else b'') + record(5, b'')
    s.sendall(record(1, struct.pack('>HB5x', role, 0)) + record(4, p) +
              record(4, b'') + stdin)
    data = b''
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    out = b''
    while len(data) >= 8:
        _, rtype, _, clen, plen = struct.unpack('>BBHHB', data[:7])
        if rtype == 6:
            out += data[8:8 + clen]
        data = data[8 + clen + plen:]
    sys.stdout.buffer.write(out)
    try:
        s.sendall(record(5, b''))
        print('\nopen')
    except BrokenPipeError:
        print('\nclosed')
    s.close()


main()
