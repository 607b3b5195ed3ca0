#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/valgrind.sh: the four FastCGI executables as long-lived workers
# under valgrind memcheck, over 1,000+ requests that take every route and
# every error, then authctl's subcommands once each.  Run by `make valgrind`
# (mk/valgrind.mk), which builds the executables into BUILD first.
#
# Each worker is `spawn-fcgi -n -s SOCKET -- valgrind ... EXECUTABLE` on a
# unix socket in a private temporary folder (spawn-fcgi execs valgrind, so
# the PID we start is the worker's); every request goes through `cgi-fcgi
# -bind -connect SOCKET`, which lets us send what no web server would
# (CONTENT_LENGTH garbage, short bodies).  At the end each worker gets
# SIGTERM, leaves its accept loop and returns from main, so memcheck's leak
# check runs; a worker that does not exit normally, or whose log has no
# summary, fails like one with findings.  A second set of three workers
# runs with the other settings (AUTH_COOKIES=1, TOKEN_ISSUER/AUDIENCE,
# AUTH_INVALID_STATUS=401, leeway, TTLs) for the cookie and iss/aud paths.
#
# Zero findings required: any memcheck error, or any definite or indirect
# leak, in any worker or authctl run fails the target (--error-exitcode=99,
# and the log's summary lines are read too).  tests/valgrind.supp, when it
# exists, holds suppressions for proven third-party noise only.
#
# Prints the request count, each process's summary lines, and ends with
# "valgrind: N passed, N failed".  The logs are copied to tests/out/valgrind/
# at the end.
#
# Environment: BUILD (the executables' folder, default build/),
# VALGRIND_ROUNDS (rounds of the cheap request mix, default 40: about 30
# requests each).
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME=valgrind
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
export LC_ALL=C		# ${#s} counts bytes
umask 0077

ROUNDS=${VALGRIND_ROUNDS:-40}
OUT=$ROOT/tests/out/valgrind
SUPP=$ROOT/tests/valgrind.supp
CGI_FCGI=$(command -v cgi-fcgi)
SPAWN_FCGI=$(PATH=$PATH:/usr/sbin:/sbin command -v spawn-fcgi)
VALGRIND=$(command -v valgrind)
missing=
for tool in valgrind cgi-fcgi spawn-fcgi jq openssl timeout python3; do
	PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null || missing="$missing $tool"
done
for exe in login userorders refresh authorize authctl; do
	[ -x "$BUILD/$exe" ] || missing="$missing $BUILD/$exe"
done
if [ -n "$missing" ]; then
	t_fail "prerequisites" "missing:$missing (make all; deploy/deps.sh test)"
	t_done
	exit 1
fi

# shellcheck disable=SC2054	# commas inside one option
VG_OPTS=(--leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --track-fds=no --num-callers=40)
[ -f "$SUPP" ] && VG_OPTS+=("--suppressions=$SUPP")

t_tmpdir
WORKERS=()	# every worker started here, stopped by PID at exit
cleanup() {
	stop_pids "${WORKERS[@]}"
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
LOGS=$T_TMP/logs	# copied to $OUT at the end (concurrent runs)
mkdir -p "$LOGS"

SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')	# 64 bytes of hex
OTHER=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
DB=$T_TMP/auth.db
: >"$T_TMP/empty.env"
PW='correct horse battery'
START=$(now_ms)

# ---------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------

# start_worker NAME EXE [NAME=value...]: spawn-fcgi -n running valgrind
# running EXE on $T_TMP/NAME.sock, its log in $LOGS/NAME.vg; waits (at most
# 60 s: valgrind starts slowly) until it answers.  Sets WPID.
declare -A WPIDS
WNAMES=()
start_worker() {
	local name=$1 exe=$2 sock=$T_TMP/$1.sock i
	shift 2
	env -i PATH="$PATH" DATABASE_PATH="$DB" ENV_FILE="$T_TMP/empty.env" \
	    TOKEN_SECRET="$SECRET" "$@" \
	    "$SPAWN_FCGI" -n -s "$sock" -M 0600 -- "$VALGRIND" \
	    "${VG_OPTS[@]}" --log-file="$LOGS/$name.vg" "$BUILD/$exe" \
	    >>"$T_TMP/workers.log" 2>&1 &
	WPID=$!
	WORKERS+=("$WPID")
	WPIDS[$name]=$WPID
	WNAMES+=("$name")
	for i in $(seq 600); do
		[ -S "$sock" ] && break
		pid_alive "$WPID" || break
		sleep 0.1
	done
	send "$sock" GET /api/nope
	# The authorizer answers every path: 401 for one without a token.
	if [ "$exe" = authorize ]; then
		check_eq "$name worker starts under valgrind and answers 401" 401 "$STATUS"
	else
		check_eq "$name worker starts under valgrind and answers 404" 404 "$STATUS"
	fi
}

# ---------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------
NREQ=0		# requests sent
declare -A BAD	# group -> the requests whose answer was not the expected one
declare -A SEEN	# group -> how many requests it sent
GROUPS_ORDER=()
FCGI_ENV=()	# extra params for the next request (NAME=value, they win)
FCGI_CT=	# Content-Type of a body ("-": none; default JSON)
FCGI_NOCL=	# set: send the body without CONTENT_LENGTH (read to its end)

# send SOCK METHOD URI [BODY]: one request through cgi-fcgi.  Sets STATUS,
# HEADERS and BODY.
send() {
	local sock=$1 method=$2 uri=$3 body=${4-} out ct
	local -a env=(REQUEST_METHOD="$method" REQUEST_URI="$uri"
	    SCRIPT_NAME="${uri%%\?*}" GATEWAY_INTERFACE=CGI/1.1
	    SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1)
	if [ $# -ge 4 ]; then
		[ -n "$FCGI_NOCL" ] || env+=(CONTENT_LENGTH="${#body}")
		ct=${FCGI_CT:-application/json}
		[ "$ct" != - ] && env+=(CONTENT_TYPE="$ct")
	fi
	NREQ=$((NREQ + 1))
	printf '%s' "$body" | timeout 120 env -i "${env[@]}" "${FCGI_ENV[@]}" \
	    "$CGI_FCGI" -bind -connect "$sock" >"$T_TMP/resp" 2>>"$T_TMP/client.err"
	out=$(cat "$T_TMP/resp"; echo x)
	out=${out%x}
	HEADERS=${out%%$'\r\n\r\n'*}
	BODY=${out#*$'\r\n\r\n'}
	STATUS=
	[[ $HEADERS =~ ^Status:\ ([0-9]+) ]] && STATUS=${BASH_REMATCH[1]}
}

# expect GROUP WANT SOCK METHOD URI [BODY]: send, and note in GROUP when
# the status does not match the extended regex ^(WANT)$.
expect() {
	local group=$1 want=$2
	shift 2
	send "$@"
	[ -n "${SEEN[$group]+x}" ] || GROUPS_ORDER+=("$group")
	SEEN[$group]=$((${SEEN[$group]:-0} + 1))
	[[ $STATUS =~ ^($want)$ ]] ||
	    BAD[$group]="${BAD[$group]:-} [#${SEEN[$group]} $2 $3 ${4:0:60}: $STATUS want $want: ${BODY:0:80}]"
}

# report: one check per group, in the order they were first used.
report() {
	local g
	for g in "${GROUPS_ORDER[@]}"; do
		check_eq "$g (${SEEN[$g]} requests)" "" "${BAD[$g]:-}"
	done
}

cred() { printf '{"username":"%s","password":"%s"}' "$1" "$2"; }

# The raw protocol, for what cgi-fcgi cannot send (it sends CONTENT_LENGTH
# bytes of its stdin, so never a body without CONTENT_LENGTH, and it never
# goes away mid-request).  rawfcgi.py MODE SOCK METHOD URI [NAME=value...],
# the body on stdin: "full" sends the body without CONTENT_LENGTH (unless
# given) and prints the answer; "authorizer" does the same in the FastCGI
# Authorizer role (as lighttpd and Apache ask cgi-bin/authorize.c);
# "cutparams" sends half a PARAMS record, "cutbody" half the body,
# "noread" the whole request, and each then closes the connection without
# reading.
cat >"$T_TMP/rawfcgi.py" <<'PY'
import socket, struct, sys
def rec(t, content):
    return struct.pack('>BBHHBx', 1, t, 1, len(content), 0) + content
def nv(n, v):
    def ln(x):
        if len(x) < 128:
            return bytes([len(x)])
        return struct.pack('>I', len(x) | 0x80000000)
    return ln(n) + ln(v) + n + v
def stream(t, data):
    out = b''
    for i in range(0, len(data), 65535):
        out += rec(t, data[i:i + 65535])
    return out + rec(t, b'')
mode, path, method, uri = sys.argv[1:5]
body = sys.stdin.buffer.read()
params = [(b'REQUEST_METHOD', method.encode()), (b'REQUEST_URI', uri.encode()),
          (b'SCRIPT_NAME', uri.encode())]
for a in sys.argv[5:]:
    n, _, v = a.partition('=')
    params.append((n.encode(), v.encode()))
s = socket.socket(socket.AF_UNIX)
s.settimeout(120)
s.connect(path)
begin = rec(1, struct.pack('>HB5x', 2 if mode == 'authorizer' else 1, 0))
p = b''.join(nv(n, v) for n, v in params)
if mode == 'cutparams':
    s.sendall(begin + rec(4, p)[:len(p) // 2])
elif mode == 'cutbody':
    s.sendall(begin + stream(4, p) + rec(5, body[:len(body) // 2]))
elif mode == 'noread':
    s.sendall(begin + stream(4, p) + stream(5, body))
    s.shutdown(socket.SHUT_RDWR)
if mode not in ('full', 'authorizer'):
    s.close()
    sys.exit(0)
s.sendall(begin + stream(4, p) + stream(5, body))
out, buf = b'', b''
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
    while len(buf) >= 8:
        _, t, _, cl, pl = struct.unpack('>BBHHB', buf[:7])
        if len(buf) < 8 + cl + pl:
            break
        if t == 6:
            out += buf[8:8 + cl]
        buf = buf[8 + cl + pl:]
        if t == 3:
            sys.stdout.buffer.write(out)
            sys.exit(0)
sys.stdout.buffer.write(out)
PY

# raw GROUP WANT MODE SOCK METHOD URI [NAME=value...]: rawfcgi.py with
# $RAW_BODY; for "full", the status must match ^(WANT)$; for the others,
# the worker must then still answer an unknown path with 404.
raw() {
	local group=$1 want=$2 mode=$3 sock=$4 out
	shift 4
	NREQ=$((NREQ + 1))
	printf '%s' "${RAW_BODY:-}" | timeout 120 python3 "$T_TMP/rawfcgi.py" \
	    "$mode" "$sock" "$@" >"$T_TMP/resp" 2>>"$T_TMP/client.err"
	if [ "$mode" != full ] && [ "$mode" != authorizer ]; then
		expect "$group" 404 "$sock" GET /api/nope
		return
	fi
	out=$(cat "$T_TMP/resp"; echo x)
	out=${out%x}
	HEADERS=${out%%$'\r\n\r\n'*}
	BODY=${out#*$'\r\n\r\n'}
	STATUS=
	[[ $HEADERS =~ ^Status:\ ([0-9]+) ]] && STATUS=${BASH_REMATCH[1]}
	[ -n "${SEEN[$group]+x}" ] || GROUPS_ORDER+=("$group")
	SEEN[$group]=$((${SEEN[$group]:-0} + 1))
	[[ $STATUS =~ ^($want)$ ]] ||
	    BAD[$group]="${BAD[$group]:-} [#${SEEN[$group]} $mode $1 $2: $STATUS want $want: ${BODY:0:80}]"
}

start_worker login login LOGIN_MAX_FAILURES=3 LOGIN_WINDOW=15m
start_worker userorders userorders
start_worker refresh refresh
start_worker authorize authorize
L=$T_TMP/login.sock
O=$T_TMP/userorders.sock
R=$T_TMP/refresh.sock

# ---------------------------------------------------------------------
# The expensive part, kept small: Argon2id at 64 MiB under valgrind
# ---------------------------------------------------------------------
USERS=(vg.alice vg_bob vg-carol@example)
ACCESS=() RTOK=()
for u in "${USERS[@]}"; do
	expect "sign-up → 201" 201 "$L" POST /api/createNewUser "$(cred "$u" "$PW")"
	ACCESS+=("$(json .access_token)")
	RTOK+=("$(json .refresh_token)")
done
expect "sign-up of a taken name → 409" 409 "$L" POST /api/createNewUser "$(cred vg.alice "$PW")"
for u in "${USERS[@]}"; do
	expect "login → 200" 200 "$L" POST /api/login "$(cred "$u" "$PW")"
done
LOGIN_RTOK=$(json .refresh_token)
expect "login, wrong password → 401" 401 "$L" POST /api/login "$(cred vg_bob 'not the password')"
expect "login, unknown user → 401" 401 "$L" POST /api/login "$(cred nobody.here "$PW")"
expect "login, impossible user name → 401" 401 "$L" POST /api/login "$(cred 'x y;DROP TABLE users' "$PW")"
# Three failures for one name (LOGIN_MAX_FAILURES=3), then 429 is cheap.
for i in 1 2 3; do
	expect "login, wrong password → 401" 401 "$L" POST /api/login "$(cred victim "wrong $i!!")"
done
expect "login after 3 failures → 429" 429 "$L" POST /api/login "$(cred victim "$PW")"
check_match "429 carries Retry-After" '^[0-9]+$' "$(header Retry-After)"

# ---------------------------------------------------------------------
# Attack tokens (cheap: refused before any database access)
# ---------------------------------------------------------------------
now=$(date +%s)
claims() { printf '{"sub":"%s","username":"%s","iat":%s,"exp":%s}' "$1" "$1" "$2" "$3"; }
H256='{"alg":"HS256","typ":"JWT"}'
GOOD_CLAIMS=$(claims vg.alice "$now" $((now + 600)))
MINTED=$(mint_hs256 "$SECRET" "$H256" "$GOOD_CLAIMS")
hs() {	# hs DIGEST HEADER PAYLOAD: signed with our secret
	local h p
	h=$(printf '%s' "$2" | b64url)
	p=$(printf '%s' "$3" | b64url)
	printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" |
	    openssl dgst "-$1" -mac HMAC -macopt "key:$SECRET" -binary | b64url)"
}
long=$(head -c 3000 /dev/zero | tr '\0' a)
huge=$(head -c 7000 /dev/zero | tr '\0' b)
ATTACKS=(
	"$(mint_none "$GOOD_CLAIMS")"
	"$(hs sha512 '{"alg":"HS512","typ":"JWT"}' "$GOOD_CLAIMS")"
	"$(hs sha384 '{"alg":"HS384","typ":"JWT"}' "$GOOD_CLAIMS")"
	"$(hs sha256 '{"alg":"RS256","typ":"JWT"}' "$GOOD_CLAIMS")"
	"$(hs sha256 '{"alg":"hs256","typ":"JWT"}' "$GOOD_CLAIMS")"
	"$(hs sha256 '{"typ":"JWT"}' "$GOOD_CLAIMS")"
	# The last signature character changed (to A, or to E when it is A
	# already: one token in 16 ends in A).
	"${MINTED%?}$([ "${MINTED: -1}" = A ] && echo E || echo A)"
	"${MINTED%.*}."
	"$(mint_hs256 "$OTHER" "$H256" "$GOOD_CLAIMS")"
	"$(mint_hs256 "" "$H256" "$GOOD_CLAIMS")"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims vg.alice $((now - 7200)) $((now - 3600)))")"
	"$(mint_hs256 "$SECRET" "$H256" '{"sub":"vg.alice","username":"vg.alice"}')"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"vg.alice\",\"exp\":\"$((now + 600))\"}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"vg.alice\",\"exp\":$((now + 600)).5}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"vg.alice\",\"exp\":1e300}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"vg.alice\",\"exp\":null}")"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims vg.alice $((now + 7200)) $((now + 9000)))")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"vg.alice\",\"exp\":$((now + 600)),\"nbf\":$((now + 3600))}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"iat\":$now,\"exp\":$((now + 600))}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":7,\"sub\":[1],\"exp\":$((now + 600))}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"\",\"exp\":$((now + 600))}")"
	"$(mint_hs256 "$SECRET" "$H256" "[1,2,3]")"
	"$(mint_hs256 "$SECRET" "$H256" "not json")"
	"$(mint_hs256 "$SECRET" 'not json' "$GOOD_CLAIMS")"
	"$(mint_hs256 "$SECRET" '{"alg":"HS256","alg":"none"}' "$GOOD_CLAIMS")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"$long\",\"exp\":$((now + 600))}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"a\\u0000b\",\"exp\":$((now + 600))}")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"\\ud800\",\"exp\":$((now + 600))}")"
	"$(mint_hs256 "$SECRET" "$H256" "$(printf '{"username":"\xff\xfe","exp":%s}' $((now + 600)))")"
	"$(mint_hs256 "$SECRET" "$H256" "{\"username\":\"vg.alice\",\"exp\":$((now + 600)),\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}")"
	"$huge.$huge.$huge"
	"a.b"
	"a.b.c.d"
	"..."
	"a..c"
	"!!!.@@@.###"
	"eyJ.eyJ.x"
	"$(printf 'e\xffJ.e\x01J.\x7f')"
	"Zm9v.YmFy.YmF6"
	"${MINTED} trailing"
	"$MINTED,$MINTED"
)
# Tokens well formed and signed with our key whose user name is odd but
# a name: 200 (an empty list) or the invalid status, never anything else.
ODD_OK=(
	"$(mint_hs256 "$SECRET" "$H256" "$(claims "x' OR '1'='1" "$now" $((now + 600)))")"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims 'ghost' "$now" $((now + 600)))")"
)
for t in "${ODD_OK[@]}"; do
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $t")
	expect "odd but signed user name → 200 or 403" '200|403' "$O" GET /api/userOrders
done
FCGI_ENV=(HTTP_AUTHORIZATION="bearer    $MINTED")
expect "userOrders GET, minted token, lower-case scheme, spaces → 200" 200 "$O" GET /api/userOrders
FCGI_ENV=()

# Bodies that are not acceptable JSON objects, for any POST route.
deep=$(printf '%0.s[' $(seq 2000))
BAD_JSON=(
	'' '{' '}' '{"a":' '[]' '[1,2]' 'null' 'true' '"str"' '42' '{"a":1}x'
	'{"a":1}{"b":2}' "$deep" '{"a":"\u0000"}' '{"a":"\ud800"}' "{'a':1}"
	'{"a":1,}' '{"a":01}' '{"a":NaN}' '{"a":Infinity}' ' ' '{"a":"x'
	"$(printf '{"a":"\xff"}')" "$(printf '{"a":"\xc0\xaf"}')"
	"$(printf '{"a":"\xe2\x82"}')" "$(printf '{"\xed\xa0\x80":1}')"
	"$(printf '\xef\xbb\xbf{}')"
)
# Sign-up bodies that are JSON objects with a bad field: 400.
BAD_SIGNUP=(
	'{}' '{"username":"x"}' '{"password":"correct horse"}'
	'{"username":"","password":"correct horse"}'
	'{"username":"has space","password":"correct horse"}'
	"{\"username\":\"$long\",\"password\":\"correct horse\"}"
	'{"username":"ok.name","password":"short"}'
	'{"username":"ok.name","password":12345678}'
	'{"username":["a"],"password":"correct horse"}'
	'{"username":null,"password":"correct horse"}'
	"$(printf '{"username":"\xff\xfe","password":"correct horse"}')"
	"$(printf '{"username":"ok.name","password":"\xc3\x28xxxxxxxx"}')"
	'{"username":"a\u0000b","password":"correct horse"}'
	'{"username":"ok.name","password":"correct horse","username":"x y"}'
)
# Order bodies with a bad field: 400.
BAD_ORDER=(
	'{}' '{"item":"book"}' '{"quantity":1}' '{"item":"","quantity":1}'
	'{"item":"book","quantity":0}' '{"item":"book","quantity":1001}'
	'{"item":"book","quantity":-1}' '{"item":"book","quantity":"2"}'
	'{"item":"book","quantity":2.5}' '{"item":"book","quantity":1e3}'
	'{"item":"book","quantity":99999999999999999999}'
	'{"item":12,"quantity":1}' '{"item":null,"quantity":1}'
	"{\"item\":\"$long\",\"quantity\":1}"
	"$(printf '{"item":"\xff","quantity":1}')"
	"$(printf '{"item":"caf\xc3","quantity":1}')"
)
# CONTENT_LENGTH values no server should send: 400, or 413 when too large.
CL_GARBAGE=(-5 abc 1e3 ' 12' '12 ' +12 0x10 '1 2' 18446744073709551616
    99999999 16385 '-0' $'12\n')
REFRESH_BAD=(
	'{}' '{"refresh_token":12}'
	'{"refresh_token":null}' '{"refresh_token":["x"]}'
	"$(printf '{"refresh_token":"\xff\xfe"}')"
)

big=$(head -c 17000 /dev/zero | tr '\0' a)
order_body() { printf '{"item":"%s","quantity":%d}' "$1" "$2"; }

# ---------------------------------------------------------------------
# The cheap mix, ROUNDS times: every route and error, rotating variants
# ---------------------------------------------------------------------
rt=${RTOK[1]}	# vg_bob's sign-up family, rotated every round
for r in $(seq "$ROUNDS"); do
	a=${ACCESS[$((r % 3))]}
	# userOrders
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a")
	expect "userOrders POST → 201" 201 "$O" POST /api/userOrders \
	    "$(order_body "item $r \\\"quoted\\\" caf\\u00e9 <b>" $((r % 1000 + 1)))"
	expect "userOrders GET → 200" 200 "$O" GET /api/userOrders
	FCGI_ENV+=(CONTENT_LENGTH=)
	expect "userOrders GET, CONTENT_LENGTH empty → 200" 200 "$O" GET /api/userOrders
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a")
	expect "userOrders POST, bad field → 400" 400 "$O" POST /api/userOrders \
	    "${BAD_ORDER[$((r % ${#BAD_ORDER[@]}))]}"
	expect "userOrders POST, not a JSON object → 400" 400 "$O" POST /api/userOrders \
	    "${BAD_JSON[$((r % ${#BAD_JSON[@]}))]}"
	FCGI_CT=text/plain
	expect "userOrders POST, text/plain → 415" 415 "$O" POST /api/userOrders "$(order_body x 1)"
	FCGI_CT='application/json; charset=latin1'
	expect "userOrders POST, JSON in latin1 → 415" 415 "$O" POST /api/userOrders "$(order_body x 1)"
	FCGI_CT=
	FCGI_ENV+=(CONTENT_LENGTH=16385)
	expect "userOrders POST, CONTENT_LENGTH over 16 KiB → 413" 413 "$O" POST /api/userOrders "$(order_body x 1)"
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a" CONTENT_LENGTH=200)
	expect "userOrders POST, short body → 400" 400 "$O" POST /api/userOrders "$(order_body x 1)"
	cl=${CL_GARBAGE[$((r % ${#CL_GARBAGE[@]}))]}
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a" CONTENT_LENGTH="$cl")
	expect "userOrders POST, CONTENT_LENGTH garbage → 400 or 413" '400|413' "$O" POST /api/userOrders "$(order_body x 1)"
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a")
	expect "userOrders PUT/DELETE → 405" 405 "$O" "$([ $((r % 2)) = 0 ] && echo PUT || echo DELETE)" /api/userOrders
	FCGI_ENV=()
	expect "userOrders without Authorization → 401" 401 "$O" GET /api/userOrders
	case $((r % 4)) in
	0) FCGI_ENV=(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz") ;;
	1) FCGI_ENV=(HTTP_AUTHORIZATION="Bearer") ;;
	2) FCGI_ENV=(HTTP_AUTHORIZATION="Bearer ") ;;
	3) FCGI_ENV=(HTTP_AUTHORIZATION="") ;;
	esac
	expect "userOrders, Authorization not Bearer TOKEN → 401" 401 "$O" POST /api/userOrders "$(order_body x 1)"
	for k in 0 1; do
		t=${ATTACKS[$(((2 * r + k) % ${#ATTACKS[@]}))]}
		FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $t")
		want=403
		# Not "Bearer b64token" at all (RFC 6750 §2.1: a space, a
		# control byte, "!", two headers joined with a comma): 401
		# missing_token may do.
		[[ $t =~ ^[A-Za-z0-9._~+/-]+=*$ ]] || want='401|403'
		expect "userOrders, attack token → 403 (401 when not one word)" "$want" "$O" \
		    "$([ "$k" = 0 ] && echo GET || echo POST)" /api/userOrders \
		    "$(order_body x 1)"
	done
	FCGI_ENV=()
	# token and logout
	expect "token → 200 (rotation)" 200 "$R" POST /api/token "{\"refresh_token\":\"$rt\"}"
	old=$rt
	rt=$(json .refresh_token)
	expect "token, unknown refresh token → 403" 403 "$R" POST /api/token \
	    "{\"refresh_token\":\"$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')\"}"
	expect "token, bad field → 400" 400 "$R" POST /api/token \
	    "${REFRESH_BAD[$((r % ${#REFRESH_BAD[@]}))]}"
	expect "token, empty refresh token → 400 or 403" '400|403' "$R" POST /api/token '{"refresh_token":""}'
	expect "token, not a JSON object → 400" 400 "$R" POST /api/token \
	    "${BAD_JSON[$(((r + 7) % ${#BAD_JSON[@]}))]}"
	FCGI_CT=-
	expect "token, no Content-Type → 415" 415 "$R" POST /api/token "{\"refresh_token\":\"$rt\"}"
	FCGI_CT=
	FCGI_ENV=(CONTENT_LENGTH=500)
	expect "token, short body → 400" 400 "$R" POST /api/token "{\"refresh_token\":\"$rt\"}"
	FCGI_ENV=(CONTENT_LENGTH="$cl")
	expect "logout, CONTENT_LENGTH garbage → 400 or 413" '400|413' "$R" POST /api/logout "{\"refresh_token\":\"$rt\"}"
	FCGI_ENV=()
	expect "logout, unknown token → 204" 204 "$R" POST /api/logout "{\"refresh_token\":\"x$r\"}"
	expect "token, GET → 405" 405 "$R" GET /api/token
	expect "refresh worker, unknown path → 404" 404 "$R" POST /api/tokens "{\"refresh_token\":\"$rt\"}"
	# login worker, nothing that costs Argon2id
	expect "sign-up, bad field → 400" 400 "$L" POST /api/createNewUser \
	    "${BAD_SIGNUP[$((r % ${#BAD_SIGNUP[@]}))]}"
	expect "login, not a JSON object → 400" 400 "$L" POST /api/login \
	    "${BAD_JSON[$(((r + 13) % ${#BAD_JSON[@]}))]}"
	expect "login, throttled name → 429" 429 "$L" POST /api/login "$(cred victim "$PW")"
	FCGI_CT=application/x-www-form-urlencoded
	expect "sign-up, form body → 415" 415 "$L" POST /api/createNewUser "username=a&password=b"
	FCGI_CT=
	FCGI_ENV=(CONTENT_LENGTH="$cl")
	expect "login, CONTENT_LENGTH garbage → 400 or 413" '400|413' "$L" POST /api/login "$(cred vg_bob "$PW")"
	FCGI_ENV=(CONTENT_LENGTH=300)
	expect "sign-up, short body → 400" 400 "$L" POST /api/createNewUser "$(cred "short$r" "$PW")"
	FCGI_ENV=()
	expect "login, GET → 405" 405 "$L" GET /api/login
	expect "login worker, unknown path → 404" 404 "$L" GET "/api/nope?r=$r"
	expect "userorders worker, a login route → 404" 404 "$O" POST /api/login "$(cred vg_bob "$PW")"
	if [ $((r % 8)) = 0 ]; then
		# Real bodies over 16 KiB, one per worker
		expect "17 KB body → 413" 413 "$L" POST /api/createNewUser "$(cred vg_bob "$big")"
		FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a")
		expect "17 KB body → 413" 413 "$O" POST /api/userOrders "$(order_body "$big" 1)"
		FCGI_ENV=()
		expect "17 KB body → 413" 413 "$R" POST /api/token "{\"refresh_token\":\"$big\"}"
		# No CONTENT_LENGTH: cgi-fcgi then sends no body at all (it
		# reads CONTENT_LENGTH bytes of its stdin), so only the
		# empty-body path can be reached this way.
		FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a")
		FCGI_NOCL=1
		expect "userOrders POST, no CONTENT_LENGTH (no body) → 400" 400 "$O" POST /api/userOrders "$(order_body nocl 1)"
		FCGI_NOCL=
		FCGI_ENV=()
	fi
done
# Refresh-token reuse revokes the family; logout and its idempotence.
expect "token, a spent refresh token → 403" 403 "$R" POST /api/token "{\"refresh_token\":\"$old\"}"
expect "token, the family after reuse → 403" 403 "$R" POST /api/token "{\"refresh_token\":\"$rt\"}"

# ---------------------------------------------------------------------
# The raw protocol: bodies without CONTENT_LENGTH, clients that go away
# ---------------------------------------------------------------------
JSON_CT=CONTENT_TYPE=application/json
for r in $(seq 8); do
	a=${ACCESS[$((r % 3))]}
	RAW_BODY=$(order_body "raw $r" "$r")
	raw "no CONTENT_LENGTH: the body is read to its end → 201" 201 full "$O" \
	    POST /api/userOrders "$JSON_CT" HTTP_AUTHORIZATION="Bearer $a"
	RAW_BODY=$(order_body "$big" 1)
	raw "no CONTENT_LENGTH, 17 KB → 413" 413 full "$O" \
	    POST /api/userOrders "$JSON_CT" HTTP_AUTHORIZATION="Bearer $a"
	RAW_BODY=${BAD_JSON[$((r % ${#BAD_JSON[@]}))]}
	raw "no CONTENT_LENGTH, not a JSON object → 400" 400 full "$L" \
	    POST /api/login "$JSON_CT"
	RAW_BODY="{\"refresh_token\":\"$rt\"}"
	raw "no CONTENT_LENGTH, a spent family's token → 403" 403 full "$R" \
	    POST /api/token "$JSON_CT"
	RAW_BODY=
	raw "params twice: the first wins → 200" 200 full "$O" \
	    GET /api/userOrders REQUEST_METHOD=DELETE \
	    HTTP_AUTHORIZATION="Bearer $a" HTTP_AUTHORIZATION=x
	raw "a client gone mid-params, then the next request → 404" 404 \
	    cutparams "$O" GET /api/userOrders HTTP_AUTHORIZATION="Bearer $a"
	RAW_BODY=$(order_body "cut $r" 1)
	raw "a client gone mid-body, then the next request → 404" 404 \
	    cutbody "$O" POST /api/userOrders "$JSON_CT" \
	    CONTENT_LENGTH=${#RAW_BODY} HTTP_AUTHORIZATION="Bearer $a"
	raw "a client gone before the answer, then the next request → 404" 404 \
	    noread "$O" POST /api/userOrders "$JSON_CT" \
	    CONTENT_LENGTH=${#RAW_BODY} HTTP_AUTHORIZATION="Bearer $a"
	RAW_BODY="{\"refresh_token\":\"x$r\"}"
	raw "a client gone before the answer, then the next request → 404" 404 \
	    noread "$R" POST /api/logout "$JSON_CT" CONTENT_LENGTH=${#RAW_BODY}
	RAW_BODY=$(cred "gone$r" "$PW")
	raw "a client gone mid-body, then the next request → 404" 404 \
	    cutbody "$L" POST /api/createNewUser "$JSON_CT" CONTENT_LENGTH=${#RAW_BODY}
done
RAW_BODY=

expect "token → 200 (rotation)" 200 "$R" POST /api/token "{\"refresh_token\":\"${RTOK[2]}\"}"
rt=$(json .refresh_token)
expect "logout → 204" 204 "$R" POST /api/logout "{\"refresh_token\":\"$rt\"}"
expect "logout again → 204" 204 "$R" POST /api/logout "{\"refresh_token\":\"$rt\"}"
expect "token after logout → 403" 403 "$R" POST /api/token "{\"refresh_token\":\"$rt\"}"
expect "token → 200 (rotation)" 200 "$R" POST /api/token "{\"refresh_token\":\"$LOGIN_RTOK\"}"
# Every user sees only their orders.
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer ${ACCESS[0]}")
expect "userOrders GET → 200" 200 "$O" GET /api/userOrders
check_eq "the list is vg.alice's" vg.alice "$(json .username)"
FCGI_ENV=()

# The authorizer, as a Responder (nginx auth_request) and in the Authorizer
# role (lighttpd, Apache): any path, any method.
Z=$T_TMP/authorize.sock
for r in $(seq 10); do
	a=${ACCESS[$((r % 3))]}
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $a")
	expect "authorize: a valid token → 204" 204 "$Z" GET "/protected/$r"
	expect "authorize: HEAD, a valid token → 204" 204 "$Z" HEAD /protected/
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer ${ATTACKS[$((r % ${#ATTACKS[@]}))]}")
	expect "authorize: a hostile token → 403" 403 "$Z" POST "/app/$r"
	FCGI_ENV=()
	expect "authorize: no token → 401" 401 "$Z" DELETE /app/
	raw "authorize, Authorizer role: a valid token → 200" 200 authorizer "$Z" \
	    GET /protected/ "HTTP_AUTHORIZATION=Bearer $a"
	raw "authorize, Authorizer role: a hostile token → 403" 403 authorizer "$Z" \
	    GET /protected/ "HTTP_AUTHORIZATION=Bearer ${ATTACKS[$(((r + 1) % ${#ATTACKS[@]}))]}"
	raw "authorize, Authorizer role: no token → 401" 401 authorizer "$Z" GET /protected/
done

# ---------------------------------------------------------------------
# The other settings: cookie mode, issuer and audience, 401 for invalid
# tokens (a second set of workers, their own database)
# ---------------------------------------------------------------------
DB=$T_TMP/auth2.db
SET2=(AUTH_COOKIES=1 TOKEN_ISSUER=vg-issuer TOKEN_AUDIENCE=vg-audience
    AUTH_INVALID_STATUS=401 TOKEN_LEEWAY=30 ACCESS_TOKEN_TTL=15m
    REFRESH_TOKEN_TTL=1d)
start_worker login-cookies login "${SET2[@]}"
start_worker userorders-cookies userorders "${SET2[@]}"
start_worker refresh-cookies refresh "${SET2[@]}"
start_worker authorize-cookies authorize "${SET2[@]}"
L2=$T_TMP/login-cookies.sock
O2=$T_TMP/userorders-cookies.sock
R2=$T_TMP/refresh-cookies.sock
FCGI_ENV=(HTTP_HOST=127.0.0.1:8080)
expect "cookie mode: sign-up → 201" 201 "$L2" POST /api/createNewUser "$(cred vg.erin "$PW")"
A2=$(json .access_token)
R2TOK=$(json .refresh_token)
check_match "cookie mode: the sign-up sets both cookies" 'access_token=.*refresh_token=' \
    "$(printf '%s\n' "$HEADERS" | grep -i '^Set-Cookie:' | tr -d '\r\n')"
claims2() { printf '{"sub":"vg.erin","username":"vg.erin","iat":%s,"exp":%s,"iss":"%s","aud":%s}' \
    "$now" $((now + 600)) "$1" "$2"; }
GOOD2=$(mint_hs256 "$SECRET" "$H256" "$(claims2 vg-issuer '"vg-audience"')")
BAD2=(
	"$MINTED"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims2 other '"vg-audience"')")"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims2 vg-issuer '"other"')")"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims2 vg-issuer '["a","b"]')")"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims2 vg-issuer '7')")"
	"$(mint_hs256 "$SECRET" "$H256" "$(claims2 vg-issuer 'null')")"
	"$(mint_hs256 "$OTHER" "$H256" "$(claims2 vg-issuer '"vg-audience"')")"
)
COOKIES_BAD=(
	'' 'access_token=' 'access_token' ';;;' 'a=b; c=d' ' access_token = x'
	'access_token="quoted"' 'access_token=x; access_token=y'
	"access_token=$huge" "$(printf 'access_token=\x01\xff')"
	'ACCESS_TOKEN=abc' 'xaccess_token=abc'
)
for r in $(seq 12); do
	host=127.0.0.1:8080
	case $((r % 4)) in
	1) host=localhost ;;
	2) host=example.com ;;
	3) host='[::1]:8080' ;;
	esac
	FCGI_ENV=(HTTP_HOST="$host" HTTP_COOKIE="theme=dark; access_token=$A2")
	[ $((r % 3)) = 0 ] && FCGI_ENV+=(HTTPS=on)
	expect "cookie mode: userOrders GET with the cookie → 200" 200 "$O2" GET /api/userOrders
	expect "cookie mode: userOrders POST with the cookie → 201" 201 "$O2" POST /api/userOrders "$(order_body "cookie $r" "$r")"
	FCGI_ENV=(HTTP_HOST="$host" HTTP_AUTHORIZATION="Bearer $GOOD2")
	expect "iss/aud: a minted token with both → 200" 200 "$O2" GET /api/userOrders
	FCGI_ENV=(HTTP_HOST="$host" HTTP_AUTHORIZATION="Bearer ${BAD2[$((r % ${#BAD2[@]}))]}")
	expect "iss/aud: wrong or missing iss/aud, other key → 401" 401 "$O2" GET /api/userOrders
	FCGI_ENV=(HTTP_HOST="$host" HTTP_COOKIE="access_token=${BAD2[$(((r + 3) % ${#BAD2[@]}))]}")
	expect "cookie mode: an invalid token in the cookie → 401" 401 "$O2" GET /api/userOrders
	FCGI_ENV=(HTTP_HOST="$host" HTTP_COOKIE="${COOKIES_BAD[$((r % ${#COOKIES_BAD[@]}))]}")
	expect "cookie mode: a Cookie header without a usable token → 401" 401 "$O2" GET /api/userOrders
	FCGI_ENV=(HTTP_HOST="$host" HTTP_AUTHORIZATION="Bearer ${ATTACKS[$((r % ${#ATTACKS[@]}))]}" HTTP_COOKIE="access_token=$A2")
	expect "cookie mode: a bad Authorization wins over a good cookie → 401" 401 "$O2" GET /api/userOrders
	FCGI_ENV=(HTTP_HOST="$host" HTTP_COOKIE="refresh_token=$R2TOK")
	expect "cookie mode: token with {} and the cookie → 200" 200 "$R2" POST /api/token '{}'
	R2TOK=$(json .refresh_token)
	A2=$(json .access_token)
	FCGI_ENV=(HTTP_HOST="$host" HTTP_COOKIE="${COOKIES_BAD[$(((r + 5) % ${#COOKIES_BAD[@]}))]}")
	expect "cookie mode: token with {} and no usable cookie → 401" 401 "$R2" POST /api/token '{}'
	expect "cookie mode: logout with {} and no usable cookie → 204" 204 "$R2" POST /api/logout '{}'
	FCGI_ENV=(HTTP_HOST="$host")
	expect "cookie mode: sign-up, bad field → 400" 400 "$L2" POST /api/createNewUser \
	    "${BAD_SIGNUP[$((r % ${#BAD_SIGNUP[@]}))]}"
	expect "cookie mode: login, not a JSON object → 400" 400 "$L2" POST /api/login \
	    "${BAD_JSON[$((r % ${#BAD_JSON[@]}))]}"
done
Z2=$T_TMP/authorize-cookies.sock
for r in $(seq 4); do
	FCGI_ENV=(HTTP_HOST=127.0.0.1:8080 HTTP_COOKIE="access_token=$A2")
	expect "cookie mode: authorize, GET with the cookie → 204" 204 "$Z2" GET /protected/
	expect "cookie mode: authorize, a POST with the cookie from nowhere → 401" 401 "$Z2" POST /app/
	FCGI_ENV+=(HTTP_ORIGIN=http://127.0.0.1:8080)
	expect "cookie mode: authorize, a POST with the cookie from its own Origin → 204" 204 "$Z2" POST /app/
	FCGI_ENV=(HTTP_HOST=127.0.0.1 SERVER_PORT=8080 HTTP_ORIGIN=http://127.0.0.1:8080 HTTP_COOKIE="access_token=$A2")
	expect "cookie mode: authorize, its own Origin with a Host without port → 204" 204 "$Z2" PUT /app/
	FCGI_ENV=(HTTP_HOST='[::1]' SERVER_PORT=8080 HTTP_ORIGIN=http://evil.example HTTP_COOKIE="access_token=$A2")
	expect "cookie mode: authorize, a POST with the cookie from another Origin → 401" 401 "$Z2" POST /app/
	raw "cookie mode: authorize, Authorizer role, a cross-site POST with the cookie → 401" 401 authorizer "$Z2" \
	    POST /app/ "HTTP_COOKIE=access_token=$A2" HTTP_SEC_FETCH_SITE=cross-site
	raw "cookie mode: authorize, Authorizer role, a same-origin POST with the cookie → 200" 200 authorizer "$Z2" \
	    POST /app/ "HTTP_COOKIE=access_token=$A2" HTTP_SEC_FETCH_SITE=same-origin
done
FCGI_ENV=(HTTP_HOST=127.0.0.1:8080)
expect "cookie mode: login → 200" 200 "$L2" POST /api/login "$(cred vg.erin "$PW")"
FCGI_ENV=(HTTP_HOST=127.0.0.1:8080 HTTP_COOKIE="refresh_token=$R2TOK")
expect "cookie mode: logout with {} and the cookie → 204" 204 "$R2" POST /api/logout '{}'
check_match "cookie mode: logout clears the cookies" 'Max-Age=0' \
    "$(printf '%s\n' "$HEADERS" | grep -i '^Set-Cookie:' | tr -d '\r\n')"
expect "cookie mode: token after logout → 401" 401 "$R2" POST /api/token '{}'
FCGI_ENV=()

# ---------------------------------------------------------------------
# Asymmetric tokens (TOKEN_ALG=EdDSA): a third set, the keys rotated and
# retired while the workers run, so the reload path runs under memcheck
# ---------------------------------------------------------------------
DB=$T_TMP/auth3.db
KEYS=(TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$T_TMP/keys/signing.pem"
    TOKEN_VERIFY_KEYS_FILE="$T_TMP/jwks.json")
keyctl() { env -i "${KEYS[@]}" ENV_FILE="$T_TMP/empty.env" "$BUILD/authctl" key "$@" >/dev/null; }
mkdir -m 0700 "$T_TMP/keys"
keyctl generate
start_worker login-eddsa login "${KEYS[@]}"
start_worker userorders-eddsa userorders TOKEN_ALG=EdDSA \
    TOKEN_VERIFY_KEYS_FILE="$T_TMP/jwks.json"
L3=$T_TMP/login-eddsa.sock
O3=$T_TMP/userorders-eddsa.sock
expect "EdDSA: sign-up → 201" 201 "$L3" POST /api/createNewUser "$(cred vg.fay "$PW")"
A3=$(json .access_token)
BAD3=(
	"$(mint_hs256 "$SECRET" "$H256" "$(claims vg.fay "$now" $((now + 600)))")"
	"$(mint_none "$(claims vg.fay "$now" $((now + 600)))")"
	"${A3%.*}.$(printf 'A%.0s' {1..86})"
	"$(printf '{"alg":"EdDSA","kid":"%s"}' "$(printf 'k%.0s' {1..43})" | b64url).${A3#*.}"
	"$(printf '{"alg":"EdDSA","jku":"http://x/"}' | b64url).${A3#*.}"
	"$(printf '{"alg":"ES256"}' | b64url).${A3#*.}"
)
for r in $(seq 6); do
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $A3")
	expect "EdDSA: login's token → 200" 200 "$O3" GET /api/userOrders
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer ${BAD3[$((r % ${#BAD3[@]}))]}")
	expect "EdDSA: HS256, none, a bad signature, kid or header → 403" 403 "$O3" GET /api/userOrders
	FCGI_ENV=()
	if [ "$r" = 2 ] || [ "$r" = 4 ]; then
		keyctl generate
		keyctl rotate --force
		# The workers look at the files at most once a second.
		for _ in $(seq 50); do
			expect "EdDSA: login, the keys rotating → 200" 200 "$L3" POST /api/login "$(cred vg.fay "$PW")"
			[ "$(json .access_token | cut -d. -f1)" != "${A3%%.*}" ] && break
			sleep 0.1
		done
		A3=$(json .access_token)
	fi
done
keyctl retire "$(jq -r '.keys[1].kid' "$T_TMP/jwks.json")"
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $A3")
expect "EdDSA: the current key's token after a retirement → 200" 200 "$O3" GET /api/userOrders
FCGI_ENV=()

report
echo "# $NREQ requests to the FastCGI workers ($(($(now_ms) - START)) ms)"
if [ "$NREQ" -ge 1000 ]; then
	t_ok "at least 1,000 requests ($NREQ)"
else
	t_fail "at least 1,000 requests" "only $NREQ (VALGRIND_ROUNDS=$ROUNDS)"
fi

# ---------------------------------------------------------------------
# Verdicts: SIGTERM, a normal exit, and a clean log
# ---------------------------------------------------------------------

# vg_verdict NAME RC LOG: the summary lines, then a check each for a
# normal exit with a summary, no error and no definite/indirect leak.
vg_verdict() {
	local name=$1 rc=$2 log=$3 summary
	summary=$(grep -E 'ERROR SUMMARY|definitely lost:|indirectly lost:|All heap blocks were freed' "$log" 2>/dev/null |
	    sed 's/^==[0-9]*== *//')
	printf '# %s (exit %s):\n' "$name" "$rc"
	printf '%s\n' "$summary" | sed 's/^/#   /'
	if grep -q 'ERROR SUMMARY' "$log" 2>/dev/null && grep -q 'HEAP SUMMARY' "$log" &&
	    ! grep -q 'Process terminating with default action' "$log"; then
		t_ok "$name exits normally and memcheck writes its summary"
	else
		t_fail "$name exits normally and memcheck writes its summary" \
		    "exit $rc; see $OUT/${log##*/}"
	fi
	if [ "$rc" != 99 ] && grep -q 'ERROR SUMMARY: 0 errors' "$log" 2>/dev/null &&
	    ! grep -Eq '(definitely|indirectly) lost: [1-9]' "$log"; then
		t_ok "$name: no memcheck error, no definite or indirect leak"
	else
		t_fail "$name: no memcheck error, no definite or indirect leak" \
		    "exit $rc; the report ($OUT/${log##*/}):"
		sed -n '/^==[0-9]*== Command:/,$p' "$log" | sed 's/^/    /' | head -n 300
	fi
}

for name in "${WNAMES[@]}"; do
	p=${WPIDS[$name]}
	if ! pid_alive "$p"; then
		wait "$p"; rc=$?
		t_fail "$name worker ran to the end" "it died early (exit $rc)"
		vg_verdict "$name" "$rc" "$LOGS/$name.vg"
		continue
	fi
	kill -TERM "$p"
	# The leak check takes a while under valgrind; at most 60 s.
	if wait_gone 600 "$p"; then
		wait "$p"; rc=$?
	else
		kill -KILL "$p" 2>/dev/null
		wait "$p"; rc="killed"
	fi
	vg_verdict "$name" "$rc" "$LOGS/$name.vg"
done
WORKERS=()

# ---------------------------------------------------------------------
# authctl, each subcommand once under valgrind
# ---------------------------------------------------------------------
n=0
CTL_ENV=()	# more settings for the next ctl (NAME=value)
# ctl WANT_RC ARG...: authctl under valgrind with the service's settings,
# stdin from $T_TMP/in; checks its exit status and its valgrind log.
ctl() {
	local want=$1 rc log name
	shift
	n=$((n + 1))
	name="authctl $*"
	[ ${#name} -gt 60 ] && name="${name:0:57}..."
	log=$LOGS/authctl-$n-$1${2:+-$2}.vg
	(cd "$T_TMP" && env -i PATH="$PATH" DATABASE_PATH="$DB" \
	    TOKEN_SECRET="$SECRET" ENV_FILE="$T_TMP/empty.env" "${CTL_ENV[@]}" \
	    "$VALGRIND" "${VG_OPTS[@]}" --log-file="$log" "$BUILD/authctl" "$@" \
	    <"$T_TMP/in" >"$T_TMP/ctl.out" 2>"$T_TMP/ctl.err")
	rc=$?
	check_eq "$name → exit $want" "$want" "$rc"
	[ "$rc" = "$want" ] || sed 's/^/    /' "$T_TMP/ctl.err"
	vg_verdict "$name" "$rc" "$log"
}
: >"$T_TMP/in"
ctl 0 help
ctl 0 gen-secret --env-file "$T_TMP/gen.env"
ctl 1 gen-secret --env-file "$T_TMP/gen.env"
printf '%s\n' "$PW" >"$T_TMP/in"
ctl 0 user add vg.dave
ctl 0 user passwd vg.dave
: >"$T_TMP/in"
ctl 0 user list
ctl 0 token issue vg.dave
printf '%s\n' "$(head -n1 "$T_TMP/ctl.out")" >"$T_TMP/in"
ctl 0 token check -
: >"$T_TMP/in"
ctl 1 token check "${ATTACKS[0]}"
ctl 0 user revoke vg.dave
ctl 1 user revoke no.such.user
ctl 2 no-such-command
CTL_ENV=(TOKEN_ALG=ES256 TOKEN_SIGNING_KEY_FILE="$T_TMP/ctlkeys/signing.pem"
    TOKEN_VERIFY_KEYS_FILE="$T_TMP/ctl-jwks.json")
ctl 0 key generate
ctl 0 key generate
ctl 1 key rotate
ctl 0 key rotate --force
ctl 0 key list
ctl 0 key jwks
ctl 0 key retire "$(jq -r '.keys[1].kid' "$T_TMP/ctl-jwks.json")"
ctl 0 token issue vg.dave
ctl 2 key nonsense
CTL_ENV=()

rm -rf "$OUT"
mkdir -p "$OUT"
cp "$LOGS"/*.vg "$OUT"/
echo "# $NREQ requests; total $(($(now_ms) - START)) ms; logs in $OUT"
t_done
