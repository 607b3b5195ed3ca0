#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Write the seed corpora under tests/fuzz/corpus/ (run from the repo root).

The token seeds are signed with the fuzz target's secret, so libFuzzer
starts past the signature.  Each fuzz_bearer_token input begins with a mode
byte (see fuzz_bearer_token.c): 0 header value, 1 payload JSON, 2 header
JSON; 0x80 adds issuer and audience to the configuration.
"""
import base64, hashlib, hmac, json, os

SECRET = b"fuzz-secret-0123456789abcdef-0123456789a"
NOW = 1767225600
ROOT = "tests/fuzz/corpus"


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def sign(hdr, pay, key=SECRET, alg=hashlib.sha256):
    si = b64(hdr) + b"." + b64(pay)
    return si + b"." + b64(hmac.new(key, si, alg).digest())


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


H = b'{"alg":"HS256","typ":"JWT"}'
C = (b'{"aud":"jwt-auth-api","exp":%d,"iat":%d,"iss":"jwt-auth",'
     b'"sub":"alice","username":"alice"}' % (NOW + 900, NOW))
T = "fuzz_bearer_token"
put(T, "valid_header", b"\x00Bearer " + sign(H, C))
put(T, "valid_header_iss", b"\x80bearer\t" + sign(H, C) + b"  ")
put(T, "valid_raw", b"\x00" + sign(H, C))
put(T, "two_bearers", b"\x00Bearer " + sign(H, C) + b", Bearer " + sign(H, C))
put(T, "alg_none", b"\x00Bearer " + b64(b'{"alg":"none"}') + b"." + b64(C) + b".")
put(T, "alg_hs512", b"\x00Bearer " + sign(b'{"alg":"HS512","typ":"JWT"}', C,
                                          alg=hashlib.sha512))
put(T, "alg_lower", b"\x00Bearer " + sign(b'{"alg":"hs256"}', C))
put(T, "empty_segments", b"\x00Bearer .e30.")
put(T, "empty_payload", b"\x00Bearer " + b64(H) + b"..sig")
put(T, "padding", b"\x00Bearer " + sign(H, C) + b"==")
put(T, "crit", b"\x00Bearer " + sign(b'{"alg":"HS256","crit":["x"]}', C))
put(T, "pay_valid", b"\x01" + C)
put(T, "pay_valid_iss", b"\x81" + C)
put(T, "pay_aud_array", b"\x81" + C.replace(b'"jwt-auth-api"',
                                           b'["x","jwt-auth-api"]'))
put(T, "pay_exp_huge", b"\x01" + b'{"exp":9223372036854775806,"sub":"bob"}')
put(T, "pay_exp_overflow", b"\x01" + b'{"exp":99999999999999999999,"sub":"bob"}')
put(T, "pay_exp_float", b"\x01" + b'{"exp":1e400,"sub":"bob","nbf":-5}')
put(T, "pay_exp_string", b"\x01" + b'{"exp":"1767226500","sub":"bob"}')
put(T, "pay_nul_sub", b"\x01" + b'{"exp":1767226500,"sub":"admin\\u0000x"}')
put(T, "pay_sub_mismatch", b"\x01" + b'{"exp":1767226500,"sub":"a","username":"b"}')
put(T, "pay_dup", b"\x01" + b'{"exp":1767226500,"sub":"alice","sub":"admin"}')
put(T, "pay_nbf_iat", b"\x01" + b'{"exp":1767226500,"nbf":1767225630,'
    b'"iat":1767225631,"username":"x.y@z-1_"}')
put(T, "pay_array", b"\x01[1,2]")
put(T, "pay_trailing_nul", b'\x01{"exp":1767226500,"sub":"a"}\x00xx')
put(T, "hdr_valid", b"\x02" + H)
put(T, "hdr_typ_num", b'\x02{"alg":"HS256","typ":1}')
put(T, "hdr_overlong", b'\x02{"alg":"HS256","typ":"J\xc0\xafT"}')
# json-c cuts a member name at an escaped NUL: "alg\u0000" read as alg.
put(T, "hdr_nul_name", b'\x02{"alg\\u0000":"HS256","typ":"JWT"}')
put(T, "hdr_nul_name_dup", b'\x02{"alg":"HS256","alg\\u0000":"none"}')
put(T, "pay_nul_name", b'\x01{"exp":1767226500,"username\\u0000x":"bob"}')

J = "fuzz_json_body"
put(J, "login", b'{"username":"alice","password":"correct horse"}\n')
put(J, "order", b'{"item":"widget","quantity":3}')
put(J, "refresh", b'{"refresh_token":"abc-DEF_123"}')
put(J, "nul_escape", b'{"username":"admin\\u0000x","password":"p"}')
put(J, "raw_nul", b'{"username":"a"}\x00{"b":1}')
put(J, "overlong", b'{"username":"\xc0\xaf"}')
put(J, "surrogate", b'{"item":"\xed\xa0\x80","x":"\\ud800\\udc00\\udfff"}')
put(J, "huge_int", b'{"quantity":99999999999999999999,"item":1e400}')
put(J, "types", b'{"quantity":"12abc","item":true,"username":null,"password":[1]}')
put(J, "single_quote", b"{'username':\"a\",\"quantity\":NaN}")
put(J, "deep", b'{"a":' + b'[' * 9 + b']' * 9 + b'}')
put(J, "dup_keys", b'{"username":"a","username":"b","quantity":-1}')
put(J, "nul_name", b'{"username\\u0000x":"bob","password":"correct-horse"}')
put(J, "nul_name_dup", b'{"username":"a","username\\u0000":"b"}')

D = "fuzz_dotenv"
put(D, "basic", b"TOKEN_SECRET=abc\nexport ACCESS_TOKEN_TTL=15m\n# comment\n")
put(D, "crlf", b"A=1\r\nB = two words # c\r\nC=\r\n\rD=x")
put(D, "quotes", b"A='single'\nB=\"dbl\\nline\"\nC=`back`\nD=\"multi\nline\"\n")
put(D, "escaped_quote", b'A="x\\"y\nB="no close\nC=\'a\\\'b\n')
put(D, "colon", b"KEY: value\nK2:nospace\n.dot-key_1=v\n=nokey\n")
put(D, "dup", b"A=1\nA=2\nexport\tA=3\n")

L = "fuzz_content_length"
B = b'{"username":"alice","password":"pw"}'
put(L, "ok", b"%d\n" % len(B) + B)
put(L, "ok_charset", b"0%d\n" % len(B) + B + b"\n")
put(L, "ok_nocl", b'{"username":"alice","password":"pw"}')
put(L, "short", b'100\n{"a":1}')
put(L, "empty_cl", b'\n{"a":1}')
put(L, "zero", b'0\n')
put(L, "huge", b'99999999999999999999999\n{}')
put(L, "neg", b'-1\n{}')
put(L, "toobig", b'16385\n{}')
put(L, "ws", b' 7\n{"a":1}')
put(L, "longer_body", b'8\n{"a":12}garbage')

P = "fuzz_request_path"
put(P, "uri_dots", b"\x01/api/./x/../login?x=1#f")
put(P, "uri_escapes", b"\x01/api/%6Cogin/%2e%2E/%2F/%zz/%")
put(P, "uri_above_root", b"\x01/a/b/../../../..")
put(P, "script_info", b"\x00/cgi-bin/login\n//extra/./..//")
put(P, "info_only", b"\x00/userorders/../refresh/.")
put(P, "relative", b"\x01a/../b/./c//")
