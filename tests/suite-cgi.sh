#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# shellcheck source-path=SCRIPTDIR
# The HTTP contract (docs/api.md) through the three executables run as plain
# CGI: every status and error code, the bearer verification against forged
# and malformed tokens (each attack next to a positive control), start-up
# configuration failures, and the command line.
#
# Each request runs in a clean environment (env -i): only the variables a
# test names reach the executable, so nothing from the caller's shell or a
# .env in the caller's directory leaks in.  The database, the .env files and
# the working directory all live in a fresh temporary folder.
set -u
export LC_ALL=C		# ${#body} counts bytes: CONTENT_LENGTH is in bytes
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# (SC1091: plain `shellcheck` does not follow sources; `shellcheck -x` does.)
# shellcheck source=lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck source=cgi/jwt.sh disable=SC1091
. "$HERE/cgi/jwt.sh"
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME=cgi

t_require jq openssl base64

t_tmpdir
WORK=$T_TMP/cwd			# the executables' working directory: no .env
mkdir -p "$WORK"
cd "$WORK" || exit 1

SECRET="cgi-suite-$(openssl rand -hex 20)"	# 50 bytes, used as bytes
DB=$T_TMP/auth.db
CFG=(TOKEN_SECRET="$SECRET" DATABASE_PATH="$DB")
NOW=$EPOCHSECONDS
PW=correct-horse-battery

# ---------------------------------------------------------------------------
# Running a request

# call [-u NAME]... [NAME=value]... EXE METHOD URI [BODY]
# Runs build/EXE as plain CGI under env -i with: CFG, REQUEST_METHOD,
# REQUEST_URI (left unset when URI is "-"), CONTENT_LENGTH (BODY's bytes)
# and CONTENT_TYPE=application/json when a BODY is given, then the
# NAME=value arguments (the later wins), minus every -u NAME.  Stdin is
# BODY.  Sets OUT (raw stdout), RC, ERR (stderr, kept in ERRF), STATUS,
# HEADERS, BODY,
# and SENT_SECRETS (the secret values passed, to check none is logged).
call() {
	local -a env extra=() drop=() final=()
	local exe method uri kv d keep out
	ERRF=$T_TMP/stderr.$BASHPID	# per process: a test runs in the background
	while [ $# -gt 0 ]; do
		case $1 in
		-u) drop+=("$2"); shift 2 ;;
		[A-Z_]*=*) extra+=("$1"); shift ;;
		*) break ;;
		esac
	done
	exe=$1 method=$2 uri=$3
	env=("${CFG[@]}" REQUEST_METHOD="$method")
	# Sanitizer settings (make sanitize) pass through; nothing else does.
	for kv in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -n "${!kv:-}" ] && env+=("$kv=${!kv}")
	done
	[ "$uri" != - ] && env+=(REQUEST_URI="$uri")
	[ $# -ge 4 ] && env+=(CONTENT_LENGTH="${#4}" CONTENT_TYPE=application/json)
	env+=("${extra[@]}")
	SENT_SECRETS=()
	for kv in "${env[@]}"; do
		keep=1
		for d in "${drop[@]}"; do
			[ "${kv%%=*}" = "$d" ] && keep=0
		done
		[ "$keep" = 1 ] || continue
		final+=("$kv")
		case ${kv%%=*} in
		*SECRET) SENT_SECRETS+=("${kv#*=}") ;;
		esac
	done
	out=$(printf '%s' "${4-}" |
	    env -i "${final[@]}" "$BUILD/$exe" 2>"$ERRF"; echo "x$?")
	RC=${out##*x}
	OUT=${out%x*}
	ERR=$(cat "$ERRF")
	if [[ $OUT == *$'\r\n\r\n'* ]]; then
		HEADERS=${OUT%%$'\r\n\r\n'*}
		BODY=${OUT#*$'\r\n\r\n'}
	else
		HEADERS=$OUT
		BODY=
	fi
	STATUS=$(printf '%s\n' "$HEADERS" |
	    sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n1)
	NOW=$EPOCHSECONDS	# tokens minted next use the time of now
}

# ---------------------------------------------------------------------------
# Checks (each one test)

# is NAME EXPECTED ACTUAL: like check_eq, and shows the response on failure.
is() {
	if [ "$2" == "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected: $2" "got:      $3" \
		    "response: rc=$RC $(printf '%s' "$HEADERS" | tr -d '\r' |
		    tr '\n' '|') $(printf '%s' "${BODY:0:300}" |
		    tr -c '\040-\176' '?')" "stderr:   ${ERR:0:300}"
	fi
}

# shape: the error body's code, and whether it is exactly {error, message}
# with a non-empty message, and its media type.
# The common compact form is read without jq (33 ms a call): same verdict.
RE_ERRBODY='^\{"error":"([a-z_]+)","message":"[^"\\]+"\}$'
shape() {
	local ct j
	ct=$(header Content-Type)
	if [[ $BODY =~ $RE_ERRBODY ]]; then
		j="[\"${BASH_REMATCH[1]}\",true,true]"
	else
		j=$(jq -c '[.error, (keys == ["error", "message"]),
		    (.message | type == "string" and length > 0)]' \
		    <<<"$BODY" 2>/dev/null)
	fi
	printf '%s %s' "${ct%%;*}" "$j"
}

# err_is NAME STATUS CODE: an error answer.
err_is() {
	is "$1" "$2 application/json [\"$3\",true,true]" "$STATUS $(shape)"
}

# missing_is NAME: no bearer credentials (401, the bare challenge).
missing_is() {
	is "$1" "401 application/json [\"missing_token\",true,true] |Bearer realm=\"api\"|" \
	    "$STATUS $(shape) |$(header WWW-Authenticate)|"
}

# invalid_is NAME [STATUS]: an invalid token (403 unless told).
RE_INVALID='^Bearer realm="api", error="invalid_token", error_description="[^"]+"$'
invalid_is() {
	local www
	www=$(header WWW-Authenticate)
	[[ $www =~ $RE_INVALID ]] && www="challenge ok"
	is "$1" "${2:-403} application/json [\"invalid_token\",true,true] challenge ok" \
	    "$STATUS $(shape) $www"
}

# grant_is NAME STATUS USER [TTL [SECRET]]: the token body (RFC 6749 §5.1),
# its no-store header, and the JWT in it: HS256, sub and username, exp-iat
# equal to the TTL, iat about now, signed with SECRET.  Sets AT and RT.
grant_is() {
	local name=$1 st=$2 user=$3 ttl=${4:-1800} sec=${5:-$SECRET} got
	local -a f
	got=$(jq -r --argjson ttl "$ttl" '[([keys,
	    (.access_token | test("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$")),
	    .token_type, (.expires_in == $ttl),
	    (.refresh_token | test("^[A-Za-z0-9_-]{43}$"))] | tojson),
	    .access_token, .refresh_token] | join(" ")' <<<"$BODY" 2>/dev/null)
	read -r -a f <<<"$got"
	is "$name: status and token body" \
	    "$st [[\"access_token\",\"expires_in\",\"refresh_token\",\"token_type\"],true,\"Bearer\",true,true]" \
	    "$STATUS ${f[0]:-}"
	is "$name: Cache-Control" "no-store" "$(header Cache-Control)"
	AT=${f[1]:-}
	RT=${f[2]:-}
	got=$(jq -rn --arg h "$(jwt_part "$AT" 0)" --arg p "$(jwt_part "$AT" 1)" \
	    '($p | fromjson) as $c | [($h | fromjson | .alg), $c.sub,
	    $c.username, ($c.exp - $c.iat),
	    (($c.iat - now) | . > -30 and . < 30)] | map(tostring) |
	    join(" ")' 2>/dev/null)
	jwt_verify "$AT" "$sec" && got+=" signed" || got+=" bad-signature"
	is "$name: JWT alg, claims, signature" \
	    "HS256 $user $user $ttl true signed" "$got"
}

# ---------------------------------------------------------------------------
# Tokens

# P TEMPLATE: a JSON text with @N (now), @E (now+600) and @P (now-600).
P() {
	local s=$1
	s=${s//@N/$NOW}
	s=${s//@E/$((NOW + 600))}
	s=${s//@P/$((NOW - 600))}
	printf '%s' "$s"
}
H='{"alg":"HS256","typ":"JWT"}'
STD='{"sub":"alice","username":"alice","iat":@N,"exp":@E}'

# tok HEADER PAYLOAD [SECRET [DIGEST]]: a signed token (templates as P).
tok() { jwt_sign "$(P "$1")" "$(P "$2")" "${3:-$SECRET}" "${4:-sha256}"; }

# bearer NAME WANT TOKEN [call options...]: GET /api/userOrders with
# "Authorization: Bearer TOKEN".  WANT is 200, or the status of the
# invalid_token answer expected.
bearer() {
	local name=$1 want=$2 t=$3
	shift 3
	call "$@" HTTP_AUTHORIZATION="Bearer $t" userorders GET /api/userOrders
	if [ "$want" = 200 ]; then
		# {"username":..,"orders":[..]} read without jq when compact
		if [[ $BODY =~ ^\{\"username\":\"[^\"]+\",\"orders\":\[.*\]\}$ ]]; then
			is "$name" "200 array" "$STATUS array"
		else
			is "$name" "200 array" "$STATUS $(json '.orders | type')"
		fi
	else
		invalid_is "$name" "$want"
	fi
}

# body_up USER PASSWORD: a sign-up or login body.
body_up() { printf '{"username":"%s","password":"%s"}' "$1" "$2"; }

# The store failure test (section 1, checked at the end) runs alongside the
# others: another process holds the write lock of its own database past the
# busy timeout (5 s), while one POST waits in the background.
DB_LOCK=$T_TMP/locked.db
LOCK_AUTH="HTTP_AUTHORIZATION=Bearer $(tok "$H" '{"username":"lock","exp":@E}')"
if ! command -v sqlite3 >/dev/null; then
	t_fail "sqlite3 (the CLI) is installed, for the store failure test"
else
	call DATABASE_PATH="$DB_LOCK" "$LOCK_AUTH" userorders POST /api/userOrders '{"item":"before","quantity":1}'
	is "store failure set-up: an order acknowledged" 201 "$STATUS"
	mkfifo "$T_TMP/lockfifo"
	sqlite3 "$DB_LOCK" <"$T_TMP/lockfifo" >/dev/null 2>&1 &
	LOCKER=$!
	T_PIDS_BEFORE=${T_PIDS:-}
	T_PIDS="$T_PIDS_BEFORE $LOCKER"	# ended at exit if still running
	exec 3>"$T_TMP/lockfifo"
	printf 'BEGIN IMMEDIATE;\nSELECT 1;\n' >&3
	for _ in $(seq 50); do
		sqlite3 "$DB_LOCK" '.timeout 0' 'BEGIN IMMEDIATE;' 'ROLLBACK;' \
		    >/dev/null 2>&1 || break
		sleep 0.1
	done
	(
		call DATABASE_PATH="$DB_LOCK" "$LOCK_AUTH" userorders POST /api/userOrders '{"item":"locked","quantity":1}'
		printf '%s\n' "$HEADERS" >"$T_TMP/locked-headers"
		printf '%s\n' "$BODY" >"$T_TMP/locked-body"
		echo "${STATUS:-none} $RC" >"$T_TMP/locked-post"
	) &
	LOCKED_POST=$!
	T_PIDS="$T_PIDS $LOCKED_POST"
	call DATABASE_PATH="$DB_LOCK" "$LOCK_AUTH" userorders GET /api/userOrders
	is "GET userOrders while another process holds the write lock (WAL): 200" \
	    "200 before" "$STATUS $(json '[.orders[].item] | join(",")')"
fi

echo "# 1. createNewUser"

call login POST /api/createNewUser "$(body_up alice "$PW")"
grant_is "createNewUser alice" 201 alice
AT_ALICE=$AT
RT_ALICE1=$RT
call login POST /api/createNewUser "$(body_up alice "$PW")"
err_is "createNewUser alice again: 409" 409 user_exists
call login POST /api/createNewUser "$(body_up alice other-password)"
err_is "createNewUser taken name, other password: 409" 409 user_exists
call login POST /api/createNewUser "$(body_up bob "$PW")"
grant_is "createNewUser bob" 201 bob
AT_BOB=$AT
RT_BOB=$RT

U64=$(printf 'a.b_c@d-E9%054d' 0)		# 64 bytes, every kind of char
call login POST /api/createNewUser "$(body_up "$U64" 12345678)"
is "createNewUser: 64-byte name of every allowed kind, 8-byte password: 201" \
    201 "$STATUS"
PW1024=$(printf 'p%.0s' $(seq 1024))
call login POST /api/createNewUser "$(body_up carol "$PW1024")"
is "createNewUser: 1024-byte password: 201" 201 "$STATUS"

bad_signup() {	# NAME BODY
	call login POST /api/createNewUser "$2"
	err_is "createNewUser 400: $1" 400 invalid_request
}
bad_signup "username missing" "{\"password\":\"$PW\"}"
bad_signup "password missing" '{"username":"dave1"}'
bad_signup "username a number" "{\"username\":123,\"password\":\"$PW\"}"
bad_signup "username an array" "{\"username\":[\"dave2\"],\"password\":\"$PW\"}"
bad_signup "username null" "{\"username\":null,\"password\":\"$PW\"}"
bad_signup "username 65 bytes" "$(body_up "${U64}x" "$PW")"
bad_signup "username with a space" "$(body_up "da ve" "$PW")"
bad_signup "username with a slash" "$(body_up "da/ve" "$PW")"
bad_signup "username with a non-ASCII letter" "$(body_up "dav$(printf '\303\251')" "$PW")"
bad_signup "username empty" "$(body_up "" "$PW")"
bad_signup "username with \\u0000" "{\"username\":\"dave3\\u0000x\",\"password\":\"$PW\"}"
bad_signup "password 7 bytes" "$(body_up dave4 1234567)"
bad_signup "password 1025 bytes" "$(body_up dave5 "${PW1024}x")"
bad_signup "password a number" '{"username":"dave6","password":12345678}'
bad_signup "password true" '{"username":"dave7","password":true}'
bad_signup "body a JSON array" "[$(body_up dave8 "$PW")]"
bad_signup "body null" 'null'
bad_signup "body a string" '"dave9"'
bad_signup "body not JSON" 'username=dave10&password=12345678'
bad_signup "trailing garbage after the object" "$(body_up dave11 "$PW")x"
bad_signup 'trailing garbage {"a":1}x' '{"a":1}x'
bad_signup "two objects" "$(body_up dave12 "$PW")$(body_up dave12 "$PW")"
# (each with its own name: one wrongly accepted must not mask the next)
bad_signup "invalid UTF-8 (0xff) in the password" \
    "$(body_up utf1 "$PW$(printf '\377')")"
bad_signup "invalid UTF-8 (truncated sequence) in the password" \
    "$(body_up utf2 "$PW$(printf '\303')")"
bad_signup "invalid UTF-8 (overlong /, C0 AF) in the password" \
    "$(body_up utf3 "$PW$(printf '\300\257')")"
bad_signup "invalid UTF-8 (UTF-16 surrogate, ED A0 80) in the password" \
    "$(body_up utf4 "$PW$(printf '\355\240\200')")"
bad_signup "invalid UTF-8 (0xff) in the username" \
    "$(body_up "utf5$(printf '\377')" "$PW")"
bad_signup "empty body" ''
# Every JSON body ends with a newline, as text does; Content-Length counts it.
call login POST /api/createNewUser "$(body_up nlcheck "$PW")"
nl=no; [[ $BODY == *$'}\n' ]] && nl=yes
is "a JSON body ends with a newline (a 201)" "201 yes" "$STATUS $nl"
is "… and Content-Length counts it" "$(printf '%s' "$BODY" | wc -c)" \
    "$(header Content-Length)"
call login POST /api/login '{"username":"nlcheck"}'
nl=no; [[ $BODY == *$'}\n' ]] && nl=yes
is "an error body ends with a newline too (a 400)" "400 yes" "$STATUS $nl"
# json-c cuts a member name at an escaped NUL: "username\u0000x" would read
# as "username", a second name for the field.
bad_signup "a member name with \\u0000 (username\\u0000x)" \
    "{\"username\\u0000x\":\"nulname\",\"password\":\"$PW\"}"
is "… and nothing was created under that name (login → 401)" 401 \
    "$(call login POST /api/login "$(body_up nulname "$PW")"; echo "$STATUS")"
call login POST /api/createNewUser "$(body_up nulname "$PW")"
is "control: the same body without the NUL signs nulname up: 201" 201 "$STATUS"
# Sanity: the UTF-8 cases fail for the byte, not for the password.
call login POST /api/createNewUser "$(body_up erin "$PW$(printf '\303\251')")"
is "createNewUser: valid UTF-8 in the password: 201" 201 "$STATUS"

CT_BODY=$(body_up dave "$PW")
call -u CONTENT_TYPE login POST /api/createNewUser "$CT_BODY"
err_is "createNewUser with no Content-Type: 415" 415 unsupported_media_type
call CONTENT_TYPE=text/plain login POST /api/createNewUser "$CT_BODY"
err_is "createNewUser text/plain: 415" 415 unsupported_media_type
call "CONTENT_TYPE=application/json; charset=latin1" login POST /api/createNewUser "$CT_BODY"
err_is "createNewUser application/json; charset=latin1: 415" 415 unsupported_media_type
call CONTENT_TYPE=application/jsonx login POST /api/createNewUser "$CT_BODY"
err_is "createNewUser application/jsonx: 415" 415 unsupported_media_type
call "CONTENT_TYPE=Application/JSON; charset=UTF-8" login POST /api/createNewUser "$(body_up ctjson "$PW")"
is "createNewUser Application/JSON; charset=UTF-8 is JSON: 201" 201 "$STATUS"

# A body of exactly 16 KiB (valid JSON padded with white space) is served;
# one byte more is 413.
pad_body() {	# USER TOTAL_BYTES
	local head
	head=$(printf '{"username":"%s","password":"%s"' "$1" "$PW")
	printf '%s%*s}' "$head" $(($2 - ${#head} - 1)) ''
}
B=$(pad_body pad16k 16384)
call login POST /api/createNewUser "$B"
is "createNewUser: CONTENT_LENGTH 16384 (${#B} bytes) accepted: 201" 201 "$STATUS"
B=$(pad_body pad16k1 16385)
call login POST /api/createNewUser "$B"
err_is "createNewUser: CONTENT_LENGTH 16385 (${#B} bytes): 413" 413 payload_too_large
B=$(printf '\n  \t%s' "$(body_up lead "$PW")")
call login POST /api/createNewUser "$B"
is "createNewUser: leading white space before the object is JSON: 201" 201 "$STATUS"

for cl in abc -5 1e3 " 5" 0x10; do
	call CONTENT_LENGTH="$cl" login POST /api/createNewUser "$CT_BODY"
	err_is "createNewUser: CONTENT_LENGTH \"$cl\": 400" 400 invalid_request
done
for cl in 99999999999999999999999 9223372036854775808; do
	call CONTENT_LENGTH="$cl" login POST /api/createNewUser "$CT_BODY"
	err_is "createNewUser: CONTENT_LENGTH $cl (beyond 64 bits): 413" 413 payload_too_large
done
call CONTENT_LENGTH=$((${#CT_BODY} + 10)) login POST /api/createNewUser "$CT_BODY"
err_is "createNewUser: body shorter than CONTENT_LENGTH: 400" 400 invalid_request
# No CONTENT_LENGTH at all (Apache mod_proxy_fcgi streams large chunked
# bodies so): the body runs to the end of the input, capped at 16 KiB.
call -u CONTENT_LENGTH login POST /api/createNewUser "$(body_up nolen1 "$PW")"
is "createNewUser: no CONTENT_LENGTH, the body read to its end: 201" 201 "$STATUS"
call -u CONTENT_LENGTH login POST /api/createNewUser "$(pad_body nolen2 16385)"
err_is "createNewUser: no CONTENT_LENGTH and 16385 bytes: 413" 413 payload_too_large
call -u CONTENT_LENGTH login POST /api/createNewUser "$(pad_body nolen3 16384)"
is "control: no CONTENT_LENGTH and exactly 16384 bytes: 201" 201 "$STATUS"
call -u CONTENT_LENGTH login POST /api/createNewUser ""
err_is "createNewUser: no CONTENT_LENGTH and no body: 400" 400 invalid_request

echo "# 1. login"

call login POST /api/login "$(body_up alice "$PW")"
grant_is "login alice" 200 alice
RT_ALICE2=$RT
call login POST /api/login "$(body_up alice wrong-password)"
err_is "login wrong password: 401" 401 invalid_credentials
WRONG_PW="$HEADERS|$BODY"
call login POST /api/login "$(body_up nobody "$PW")"
err_is "login unknown user: 401" 401 invalid_credentials
is "login: unknown user and wrong password answer the same bytes" \
    "$WRONG_PW" "$HEADERS|$BODY"
call login POST /api/login "{\"username\":\"alice\"}"
err_is "login password missing: 400" 400 invalid_request
call login POST /api/login "{\"username\":[\"alice\"],\"password\":\"$PW\"}"
err_is "login username not a string: 400" 400 invalid_request
call login POST /api/login "[$(body_up alice "$PW")]"
err_is "login body an array: 400" 400 invalid_request
call CONTENT_TYPE=text/plain login POST /api/login "$(body_up alice "$PW")"
err_is "login text/plain: 415" 415 unsupported_media_type
call login POST /api/login "$(pad_body alice 16385)"
err_is "login 16385 bytes: 413" 413 payload_too_large

# Only an Argon2id hash of a password, and only a hash of a refresh token,
# reach the store (the database file and its WAL).
if command -v sqlite3 >/dev/null; then
	is "store: users.pwhash is Argon2id for every user" 0 \
	    "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE pwhash NOT LIKE '\$argon2id\$%'" 2>&1)"
	found=no
	for f in "$DB" "$DB-wal"; do
		[ -e "$f" ] && grep -q -a -F -e "$PW" -e "$RT_ALICE1" -e "$RT_ALICE2" "$f" && found=yes
	done
	is "store: no password and no refresh token in the database files" no "$found"
fi

echo "# 1. userOrders"

re_time='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
order_is() {	# NAME ITEM QUANTITY: a 201 order; sets ORDER
	local got
	got=$(jq -c --arg re "$re_time" '[keys, .item, .quantity,
	    (.id | type == "number" and . == floor and . > 0),
	    (.created_at | test($re)),
	    ((.created_at | fromdateiso8601) - now | . > -60 and . < 60)]' \
	    <<<"$BODY" 2>/dev/null)
	is "$1" "201 [[\"created_at\",\"id\",\"item\",\"quantity\"],$(jq -cn \
	    --arg i "$2" '$i'),$3,true,true,true]" "$STATUS $got"
	ORDER=$(jq -c . <<<"$BODY" 2>/dev/null)
}
AUTH_A="HTTP_AUTHORIZATION=Bearer $AT_ALICE"
AUTH_B="HTTP_AUTHORIZATION=Bearer $AT_BOB"

call "$AUTH_A" userorders GET /api/userOrders
is "GET userOrders alice, none yet" '200 {"username":"alice","orders":[]}' \
    "$STATUS $(jq -c . <<<"$BODY" 2>/dev/null)"
call "$AUTH_A" userorders POST /api/userOrders '{"item":"book","quantity":2}'
order_is "POST userOrders alice book x2: 201 with the order" book 2
O1=$ORDER
call "$AUTH_B" userorders POST /api/userOrders '{"item":"cup","quantity":3}'
order_is "POST userOrders bob cup x3: 201" cup 3
O_BOB=$ORDER
call "$AUTH_A" userorders POST /api/userOrders '{"item":"pen","quantity":1}'
order_is "POST userOrders alice pen x1 (quantity 1): 201" pen 1
O2=$ORDER
ITEM200=$(printf '\303\251%.0s' $(seq 100))	# 100 x "é": 200 bytes
call "$AUTH_A" userorders POST /api/userOrders \
    "{\"item\":\"$ITEM200\",\"quantity\":1000}"
order_is "POST userOrders alice 200-byte UTF-8 item, quantity 1000: 201" \
    "$ITEM200" 1000
O3=$ORDER
call "$AUTH_A" userorders GET /api/userOrders
is "GET userOrders alice: only hers, oldest first, as stored" \
    "200 $(jq -cn --argjson a "$O1" --argjson b "$O2" --argjson c "$O3" \
    '{username: "alice", orders: [$a, $b, $c]}')" \
    "$STATUS $(jq -c . <<<"$BODY" 2>/dev/null)"
is "GET userOrders alice: Cache-Control no-store" no-store "$(header Cache-Control)"
call "$AUTH_B" userorders GET /api/userOrders
is "GET userOrders bob: only his" \
    "200 $(jq -cn --argjson a "$O_BOB" '{username: "bob", orders: [$a]}')" \
    "$STATUS $(jq -c . <<<"$BODY" 2>/dev/null)"

bad_order() {	# NAME BODY
	call "$AUTH_A" userorders POST /api/userOrders "$2"
	err_is "POST userOrders 400: $1" 400 invalid_request
}
bad_order "quantity 0" '{"item":"x","quantity":0}'
bad_order "quantity 1001" '{"item":"x","quantity":1001}'
bad_order "quantity -1" '{"item":"x","quantity":-1}'
bad_order 'quantity "2" (a string)' '{"item":"x","quantity":"2"}'
bad_order "quantity 2.5" '{"item":"x","quantity":2.5}'
bad_order "quantity true" '{"item":"x","quantity":true}'
bad_order "quantity null" '{"item":"x","quantity":null}'
bad_order "quantity 2^32+2" '{"item":"x","quantity":4294967298}'
bad_order "quantity missing" '{"item":"x"}'
bad_order 'item ""' '{"item":"","quantity":1}'
bad_order "item 201 bytes" "{\"item\":\"${ITEM200}x\",\"quantity\":1}"
bad_order "item a number" '{"item":5,"quantity":1}'
bad_order "item missing" '{"quantity":1}'
bad_order "item with \\u0000" '{"item":"a\u0000b","quantity":1}'
bad_order "body an array" '[{"item":"x","quantity":1}]'
# Invalid UTF-8 in an item would be stored and served back as invalid JSON
# text; another user, so one wrongly stored does not upset alice's list.
AUTH_U="HTTP_AUTHORIZATION=Bearer $(tok "$H" '{"username":"utf8","exp":@E}')"
for bad in '\377' '\303' '\300\257' '\355\240\200'; do
	call "$AUTH_U" userorders POST /api/userOrders \
	    "{\"item\":\"x$(printf '%b' "$bad")y\",\"quantity\":1}"
	err_is "POST userOrders 400: invalid UTF-8 ($bad) in the item" 400 invalid_request
done
call "$AUTH_U" userorders GET /api/userOrders
is "GET userOrders answers valid UTF-8 (nothing invalid was stored)" "200 valid" \
    "$STATUS $(printf '%s' "$BODY" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 &&
    echo valid || echo invalid)"
call CONTENT_TYPE=text/plain "$AUTH_A" userorders POST /api/userOrders \
    '{"item":"x","quantity":1}'
err_is "POST userOrders text/plain: 415" 415 unsupported_media_type
call "$AUTH_A" userorders POST /api/userOrders "$(printf '{"item":"x","quantity":1%16400s}' '')"
err_is "POST userOrders 16 KiB + 1: 413" 413 payload_too_large
call userorders POST /api/userOrders '{"item":"x","quantity":1}'
missing_is "POST userOrders without a token: 401 missing_token"
call "$AUTH_A" userorders GET /api/userOrders
is "none of the refused POSTs stored an order" 3 "$(json '.orders | length')"

echo "# 1. token and logout"

rt_body() { printf '{"refresh_token":"%s"}' "$1"; }
call refresh POST /api/token "$(rt_body "$RT_ALICE1")"
grant_is "POST /api/token with the sign-up refresh token" 200 alice
RT_A_NEW=$RT
is "POST /api/token: a new refresh token" yes \
    "$([ "$RT_A_NEW" != "$RT_ALICE1" ] && echo yes)"
call "HTTP_AUTHORIZATION=Bearer $AT" userorders GET /api/userOrders
is "the refreshed access token works" "200 alice" "$STATUS $(json .username)"
call refresh POST /api/token "$(rt_body "$RT_ALICE1")"
invalid_is "POST /api/token with the spent token (reuse): 403"
call refresh POST /api/token "$(rt_body "$RT_A_NEW")"
invalid_is "after reuse, the family's fresh token is refused too: 403"
call refresh POST /api/token "$(rt_body "$RT_ALICE2")"
grant_is "another family (alice's login) survives the reuse" 200 alice
RT_ALICE2=$RT
UNKNOWN=$(openssl rand 32 | b64url)
call refresh POST /api/token "$(rt_body "$UNKNOWN")"
invalid_is "POST /api/token unknown (well-formed) token: 403"
call refresh POST /api/token "$(rt_body "${UNKNOWN:0:42}+")"
invalid_is "POST /api/token token-shaped garbage (43 chars, a +): 403"
call refresh POST /api/token "$(rt_body "${UNKNOWN}A")"
invalid_is "POST /api/token 44 chars: 403"
call refresh POST /api/token "$(rt_body "$AT_ALICE")"
invalid_is "POST /api/token with an access token: 403"
call refresh POST /api/token '{"refresh_token":""}'
invalid_is "POST /api/token empty string: an invalid token, 403"
LONG_RT=$(printf 'A%.0s' $(seq 600))
call refresh POST /api/token "$(rt_body "$LONG_RT")"
invalid_is "POST /api/token 600-byte string: an invalid token, 403"
call refresh POST /api/logout '{"refresh_token":""}'
is "POST /api/logout empty string: 204 (idempotent)" 204 "$STATUS"
call refresh POST /api/logout "$(rt_body "$LONG_RT")"
is "POST /api/logout 600-byte string: 204" 204 "$STATUS"
call refresh POST /api/token '{"token":"x"}'
err_is "POST /api/token refresh_token missing: 400" 400 invalid_request
call refresh POST /api/token '{"refresh_token":12}'
err_is "POST /api/token refresh_token a number: 400" 400 invalid_request
call CONTENT_TYPE=text/plain refresh POST /api/token "$(rt_body "$RT_ALICE2")"
err_is "POST /api/token text/plain: 415" 415 unsupported_media_type
call refresh POST /api/token "$(pad_body x 16385)"
err_is "POST /api/token 16385 bytes: 413" 413 payload_too_large

call refresh POST /api/logout "$(rt_body "$RT_ALICE2")"
is "POST /api/logout: 204, no body" "204 ||" "$STATUS |$BODY|"
call refresh POST /api/logout "$(rt_body "$RT_ALICE2")"
is "POST /api/logout again: 204 (idempotent)" "204 ||" "$STATUS |$BODY|"
call refresh POST /api/token "$(rt_body "$RT_ALICE2")"
invalid_is "POST /api/token after logout: 403"
call refresh POST /api/logout "$(rt_body "$UNKNOWN")"
is "POST /api/logout unknown token: 204" 204 "$STATUS"
call refresh POST /api/logout '{}'
err_is "POST /api/logout refresh_token missing: 400" 400 invalid_request
call refresh POST /api/logout 'nope'
err_is "POST /api/logout body not JSON: 400" 400 invalid_request
call CONTENT_TYPE=text/plain refresh POST /api/logout "$(rt_body "$UNKNOWN")"
err_is "POST /api/logout text/plain: 415" 415 unsupported_media_type

# An expired refresh token (REFRESH_TOKEN_TTL=1) is refused.
call REFRESH_TOKEN_TTL=1 refresh POST /api/token "$(rt_body "$RT_BOB")"
grant_is "POST /api/token with REFRESH_TOKEN_TTL=1" 200 bob
RT_SHORT=$RT
sleep 1.2
call refresh POST /api/token "$(rt_body "$RT_SHORT")"
invalid_is "POST /api/token with an expired refresh token: 403"
call login POST /api/login "$(body_up bob "$PW")"
RT_BOB=$(json .refresh_token)	# bob's chain for the TTL tests below

echo "# 1. routing"

LONGP=/api/userOrders/$(printf './%.0s' $(seq 1100))
call "$AUTH_A" userorders GET "$LONGP"
err_is "a path over 2048 bytes that would normalise to a route: 404" 404 not_found
call "$AUTH_A" userorders GET "/api/userOrders/$(printf './%.0s' $(seq 10))"
is "control: the same with a short path: 200" 200 "$STATUS"

for exe in login userorders refresh; do
	call "$exe" GET /api/nope
	err_is "$exe: GET unknown path: 404" 404 not_found
	call "$exe" POST /api/nope '{}'
	err_is "$exe: POST unknown path: 404" 404 not_found
done
call userorders POST /api/login "$(body_up alice "$PW")"
err_is "userorders: POST /api/login (login's): 404" 404 not_found
call userorders POST /api/token "$(rt_body "$UNKNOWN")"
err_is "userorders: POST /api/token (refresh's): 404" 404 not_found
call login GET /api/userOrders
err_is "login: GET /api/userOrders (userorders'): 404" 404 not_found
call login POST /api/logout "$(rt_body "$UNKNOWN")"
err_is "login: POST /api/logout (refresh's): 404" 404 not_found
call refresh POST /api/createNewUser "$(body_up zed "$PW")"
err_is "refresh: POST /api/createNewUser (login's): 404" 404 not_found
call refresh GET /api/userOrders
err_is "refresh: GET /api/userOrders (userorders'): 404" 404 not_found
call login POST /api/loginx "$(body_up alice "$PW")"
err_is "login: POST /api/loginx: 404" 404 not_found
call login POST /api/login//x "$(body_up alice "$PW")"
err_is "login: POST /api/login//x: 404" 404 not_found

not_allowed() {	# EXE METHOD PATH ALLOW
	call "$1" "$2" "$3"
	is "$1: $2 $3: 405 with Allow: $4" \
	    "405 application/json [\"method_not_allowed\",true,true] $4" \
	    "$STATUS $(shape) $(header Allow)"
}
not_allowed login GET /api/login POST
not_allowed login GET /api/createNewUser POST
not_allowed login PUT /api/login POST
not_allowed userorders PUT /api/userOrders "GET, HEAD, POST"
not_allowed userorders DELETE /api/userOrders "GET, HEAD, POST"
not_allowed refresh GET /api/token POST
not_allowed refresh GET /api/logout POST
not_allowed refresh DELETE /api/logout POST

call login POST /api/login/ "$(body_up alice "$PW")"
is "login: POST /api/login/ (trailing slash): 200" 200 "$STATUS"
call "$AUTH_A" userorders GET '/api/userOrders?x=1&y=/api/login'
is "userorders: query string ignored: 200" "200 alice" "$STATUS $(json .username)"
call "$AUTH_A" userorders GET /api/userOrders/
is "userorders: GET /api/userOrders/ (trailing slash): 200" 200 "$STATUS"
call refresh POST '/api/logout?next=/' "$(rt_body "$UNKNOWN")"
is "refresh: POST /api/logout?next=/: 204" 204 "$STATUS"
call SCRIPT_NAME=/api PATH_INFO=/login login POST - "$(body_up alice "$PW")"
is "login: no REQUEST_URI, SCRIPT_NAME=/api PATH_INFO=/login: 200" 200 "$STATUS"
call SCRIPT_NAME=/api/login login POST - "$(body_up alice "$PW")"
is "login: no REQUEST_URI, SCRIPT_NAME=/api/login (Apache): 200" 200 "$STATUS"
call SCRIPT_NAME=/api/userOrders "$AUTH_A" userorders GET -
is "userorders: no REQUEST_URI, SCRIPT_NAME=/api/userOrders: 200" 200 "$STATUS"
call SCRIPT_NAME=/api PATH_INFO=/nope login GET -
err_is "login: no REQUEST_URI, SCRIPT_NAME+PATH_INFO unknown: 404" 404 not_found

echo "# 2. the Authorization header"

GOOD=$(tok "$H" "$STD")
call userorders GET /api/userOrders
missing_is "no Authorization: 401 missing_token, bare challenge"
bearer "Bearer <valid token>: 200 (control)" 200 "$GOOD"
hdr_case() {	# NAME AUTHORIZATION
	call HTTP_AUTHORIZATION="$2" userorders GET /api/userOrders
	missing_is "$1: 401 missing_token"
}
hdr_case "Authorization: Basic" "Basic dXNlcjpwYXNzd29yZA=="
hdr_case "Authorization: Basic <valid JWT>" "Basic $GOOD"
hdr_case "Authorization: Bearer (alone)" "Bearer"
hdr_case "Authorization: Bearer and spaces only" "Bearer    "
hdr_case "Authorization: empty" ""
hdr_case "Authorization: Bearer a b" "Bearer a b"
hdr_case "Authorization: Bearer <valid> <valid>" "Bearer $GOOD $GOOD"
hdr_case "Authorization: joined duplicates Bearer A, Bearer B" \
    "Bearer $GOOD, Bearer $GOOD"
hdr_case "Authorization: Bearer<valid> (no space)" "Bearer$GOOD"
hdr_case "Authorization: Bearerx <valid>" "Bearerx $GOOD"
hdr_case "Authorization: <valid> with no scheme" "$GOOD"
for scheme in bearer BEARER bEaReR; do
	call HTTP_AUTHORIZATION="$scheme $GOOD" userorders GET /api/userOrders
	is "Authorization: $scheme <valid>: 200" 200 "$STATUS"
done
call HTTP_AUTHORIZATION="Bearer    $GOOD" userorders GET /api/userOrders
is "Authorization: Bearer, four spaces, <valid>: 200" 200 "$STATUS"

echo "# 2. invalid tokens"

IFS=. read -r TH TP TS <<<"$GOOD"
bearer "two segments" 403 "$TH.$TP"
bearer "four segments (valid + .sig)" 403 "$GOOD.$TS"
bearer "empty header segment (.e30.sig)" 403 ".e30.$TS"
bearer "empty payload segment (x..y)" 403 "x..y"
bearer "empty payload segment, real header and signature" 403 "$TH..$TS"
bearer "a single segment" 403 "$TH"
bearer "'+' (base64, not base64url) in the payload" 403 "$TH.${TP:0:5}+${TP:6}.$TS"
bearer "'/' in the signature" 403 "$TH.$TP.${TS:0:5}/${TS:6}"
bearer "'~' in the header" 403 "${TH}~.$TP.$TS"
bearer "'=' padding after the signature" 403 "$GOOD="
# '=' inside the token is not RFC 6750 b64token syntax: not Bearer <token>.
call HTTP_AUTHORIZATION="Bearer ${TH}=.$TP.$TS" userorders GET /api/userOrders
missing_is "'=' inside the token (not a b64token): 401 missing_token"

# 4096 bytes is the limit: a validly signed token of exactly 4096 bytes is
# served, the same at 4097 bytes is not.
sized_tok() {	# LENGTH: a valid token of exactly LENGTH bytes, or nothing
	local want=$1 h n len head tail
	h=$(printf '%s' "$H" | b64url)
	head=$(P '{"sub":"alice","username":"alice","iat":@N,"exp":@E,"pad":"')
	tail='"}'
	for ((n = 0; n < want; n++)); do
		# base64url of len bytes is floor((4 * len + 2) / 3) chars
		len=$((${#head} + n + ${#tail}))
		if [ $((${#h} + 1 + (4 * len + 2) / 3 + 1 + 43)) -eq "$want" ]; then
			jwt_sign "$H" "$head$(printf '%*s' "$n" '' | tr ' ' x)$tail" "$SECRET"
			return
		fi
	done
}
T4096=$(sized_tok 4096)
T4097=$(sized_tok 4097)
is "built a valid token of 4096 bytes and one of 4097" "4096 4097" "${#T4096} ${#T4097}"
bearer "4096 bytes, validly signed: 200 (control)" 200 "$T4096"
bearer "4097 bytes, validly signed: 403" 403 "$T4097"
bearer "4097 bytes of garbage: 403" 403 "$(printf 'a%.0s' $(seq 4097))"
bearer "a 20000-byte token: 403" 403 "$TH.$(printf 'QUFB%.0s' $(seq 5000)).$TS"

NONE_P=$(P "$STD" | b64url)
for alg in none None NONE; do
	NH=$(printf '{"alg":"%s","typ":"JWT"}' "$alg" | b64url)
	bearer "alg $alg, no signature (h.p.)" 403 "$NH.$NONE_P."
	bearer "alg $alg, HMAC signature" 403 "$(tok "{\"alg\":\"$alg\",\"typ\":\"JWT\"}" "$STD")"
	bearer "alg $alg, the HS256 token's signature" 403 "$NH.$NONE_P.$TS"
done
bearer 'no alg at all' 403 "$(tok '{"typ":"JWT"}' "$STD")"
bearer 'alg "hs256", correctly signed' 403 "$(tok '{"alg":"hs256","typ":"JWT"}' "$STD")"
bearer 'alg "HS256 " (space), correctly signed' 403 "$(tok '{"alg":"HS256 ","typ":"JWT"}' "$STD")"
bearer 'alg "HS256\u0000x", correctly signed' 403 "$(tok '{"alg":"HS256\u0000x","typ":"JWT"}' "$STD")"
bearer 'alg ["HS256"], correctly signed' 403 "$(tok '{"alg":["HS256"],"typ":"JWT"}' "$STD")"
bearer 'alg HS384 signed with the right secret' 403 "$(tok '{"alg":"HS384","typ":"JWT"}' "$STD" "$SECRET" sha384)"
bearer 'alg HS512 signed with the right secret' 403 "$(tok '{"alg":"HS512","typ":"JWT"}' "$STD" "$SECRET" sha512)"
bearer 'alg RS256 header, HMAC signature' 403 "$(tok '{"alg":"RS256","typ":"JWT"}' "$STD")"
bearer 'alg ES256 header, HMAC signature' 403 "$(tok '{"alg":"ES256","typ":"JWT"}' "$STD")"
bearer 'alg HS256 without typ: 200 (control)' 200 "$(tok '{"alg":"HS256"}' "$STD")"
bearer 'header with kid: 200 (control)' 200 "$(tok '{"alg":"HS256","typ":"JWT","kid":"k1"}' "$STD")"
bearer 'typ "at+jwt"' 403 "$(tok '{"alg":"HS256","typ":"at+jwt"}' "$STD")"
bearer 'crit ["exp"] header' 403 "$(tok '{"alg":"HS256","typ":"JWT","crit":["exp"]}' "$STD")"
bearer 'crit [] header' 403 "$(tok '{"alg":"HS256","typ":"JWT","crit":[]}' "$STD")"
bearer 'header not an object' 403 "$(tok '["HS256"]' "$STD")"
bearer 'header not JSON' 403 "$(tok 'alg=HS256' "$STD")"

BOBP=$(P '{"sub":"bob","username":"bob","iat":@N,"exp":@E}' | b64url)
bearer "payload swapped for bob's, alice's signature" 403 "$TH.$BOBP.$TS"
flip() {	# STRING INDEX: STRING with the char at INDEX changed
	local c=${1:$2:1} r=A
	[ "$c" = A ] && r=B
	printf '%s%s%s' "${1:0:$2}" "$r" "${1:$(($2 + 1))}"
}
bearer "payload: one char flipped" 403 "$TH.$(flip "$TP" 10).$TS"
bearer "header: one char flipped" 403 "$(flip "$TH" 5).$TP.$TS"
bearer "signature: first char flipped" 403 "$TH.$TP.$(flip "$TS" 0)"
bearer "signature: last char flipped" 403 "$TH.$TP.$(flip "$TS" 42)"
bearer "signature: truncated by one char" 403 "$TH.$TP.${TS:0:42}"
bearer "signature: one char appended" 403 "$TH.$TP.${TS}A"
bearer "signature: stripped (h.p.)" 403 "$TH.$TP."
bearer "signature: 32 zero bytes" 403 "$TH.$TP.$(head -c 32 /dev/zero | b64url)"
bearer "signature: the payload's MAC with an empty key" 403 \
    "$TH.$TP.$(printf '%s.%s' "$TH" "$TP" | jwt_mac '' sha256)"
bearer "wrong secret" 403 "$(tok "$H" "$STD" "wrong-$SECRET")"
bearer "secret's first 32 bytes" 403 "$(tok "$H" "$STD" "${SECRET:0:32}")"
bearer "right secret: 200 (control)" 200 "$(tok "$H" "$STD" "$SECRET")"

bearer "exp missing" 403 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@N}')"
bearer 'exp "9999999999" (a string)' 403 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@N,"exp":"9999999999"}')"
bearer "exp 9999999999.5 (a float)" 403 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@N,"exp":9999999999.5}')"
bearer "exp true" 403 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@N,"exp":true}')"
bearer "exp null" 403 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@N,"exp":null}')"
bearer "exp 1e400 (huge)" 403 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@N,"exp":1e400}')"
bearer "exp 9999999999 (integer): 200 (control)" 200 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@N,"exp":9999999999}')"
bearer "exp in the past (now-600)" 403 "$(tok "$H" '{"sub":"alice","username":"alice","iat":@P,"exp":@P}')"
bearer "exp now-1" 403 "$(tok "$H" "{\"sub\":\"alice\",\"username\":\"alice\",\"exp\":$((NOW - 1))}")"
bearer "exp equal to now" 403 "$(tok "$H" "{\"sub\":\"alice\",\"username\":\"alice\",\"exp\":$NOW}")"
bearer "exp negative" 403 "$(tok "$H" '{"sub":"alice","username":"alice","exp":-1}')"
bearer "exp now+30: 200 (control)" 200 "$(tok "$H" "{\"sub\":\"alice\",\"username\":\"alice\",\"exp\":$((NOW + 30))}")"
bearer "exp now-30 without leeway" 403 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW - 30))}")"
bearer "exp now-30 with TOKEN_LEEWAY=60: 200" 200 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW - 30))}")" TOKEN_LEEWAY=60
bearer "exp now-90 with TOKEN_LEEWAY=60" 403 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW - 90))}")" TOKEN_LEEWAY=60
bearer "nbf now+100" 403 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"nbf\":$((NOW + 100))}")"
bearer "nbf now-100: 200 (control)" 200 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"nbf\":$((NOW - 100))}")"
bearer "nbf now+30 with TOKEN_LEEWAY=60: 200" 200 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"nbf\":$((NOW + 30))}")" TOKEN_LEEWAY=60
bearer "nbf now+100 with TOKEN_LEEWAY=60" 403 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"nbf\":$((NOW + 100))}")" TOKEN_LEEWAY=60
bearer 'nbf "0" (a string)' 403 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"nbf\":\"0\"}")"
bearer "iat now+100" 403 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"iat\":$((NOW + 100))}")"
bearer "iat now+30 with TOKEN_LEEWAY=60: 200" 200 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"iat\":$((NOW + 30))}")" TOKEN_LEEWAY=60
bearer "iat now-100: 200 (control)" 200 "$(tok "$H" "{\"username\":\"alice\",\"exp\":$((NOW + 600)),\"iat\":$((NOW - 100))}")"

bearer "username 123 (a number)" 403 "$(tok "$H" '{"username":123,"iat":@N,"exp":@E}')"
bearer "username 123, sub alice" 403 "$(tok "$H" '{"sub":"alice","username":123,"iat":@N,"exp":@E}')"
bearer 'username "alice\u0000x"' 403 "$(tok "$H" '{"username":"alice\u0000x","iat":@N,"exp":@E}')"
bearer 'username and sub "alice\u0000x"' 403 "$(tok "$H" '{"sub":"alice\u0000x","username":"alice\u0000x","iat":@N,"exp":@E}')"
bearer 'username "al ice" (invalid char)' 403 "$(tok "$H" '{"username":"al ice","iat":@N,"exp":@E}')"
bearer "username \"alice'--\" (invalid char)" 403 "$(tok "$H" "{\"username\":\"alice'--\",\"iat\":$NOW,\"exp\":$((NOW + 600))}")"
bearer 'username "" (empty)' 403 "$(tok "$H" '{"username":"","iat":@N,"exp":@E}')"
bearer "username 65 bytes" 403 "$(tok "$H" "{\"username\":\"${U64}x\",\"iat\":$NOW,\"exp\":$((NOW + 600))}")"
bearer "username 64 bytes: 200 (control)" 200 "$(tok "$H" "{\"username\":\"$U64\",\"iat\":$NOW,\"exp\":$((NOW + 600))}")"
bearer "username and sub both missing" 403 "$(tok "$H" '{"name":"alice","iat":@N,"exp":@E}')"
bearer "sub only: 200" 200 "$(tok "$H" '{"sub":"alice","iat":@N,"exp":@E}')"
bearer "username only (the tutorial's claim): 200" 200 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E}')"
bearer "username alice, sub bob (disagree)" 403 "$(tok "$H" '{"sub":"bob","username":"alice","iat":@N,"exp":@E}')"
bearer "payload not an object" 403 "$(tok "$H" '["alice"]')"
bearer "payload not JSON" 403 "$(tok "$H" 'username=alice')"
# The tutorial's own token: jwt.sign({username}, secret, {expiresIn: '1800s'})
bearer "a token shaped like jsonwebtoken's (tutorial): 200" 200 \
    "$(tok "$H" "{\"username\":\"alice\",\"iat\":$NOW,\"exp\":$((NOW + 1800))}")"
call HTTP_AUTHORIZATION="Bearer $TH.$BOBP.$TS" userorders GET /api/userOrders
is "an invalid-token answer does not echo the token" yes \
    "$([[ $OUT != *"$BOBP"* && $OUT != *"$TS"* ]] && echo yes)"

echo "# 2. issuer and audience"

IA=(TOKEN_ISSUER=https://auth.example TOKEN_AUDIENCE=orders-api)
bearer "iss/aud configured, token has neither" 403 "$GOOD" "${IA[@]}"
bearer "iss/aud configured, both right: 200" 200 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example","aud":"orders-api"}')" "${IA[@]}"
bearer "iss missing" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"aud":"orders-api"}')" "${IA[@]}"
bearer "iss wrong" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://evil.example","aud":"orders-api"}')" "${IA[@]}"
bearer "iss a prefix of the right one" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth","aud":"orders-api"}')" "${IA[@]}"
bearer "iss with a NUL after the right one" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example\u0000x","aud":"orders-api"}')" "${IA[@]}"
bearer "aud missing" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example"}')" "${IA[@]}"
bearer "aud wrong" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example","aud":"other-api"}')" "${IA[@]}"
bearer "aud an array containing it: 200" 200 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example","aud":["other-api","orders-api"]}')" "${IA[@]}"
bearer "aud an array without it" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example","aud":["other-api"]}')" "${IA[@]}"
bearer "aud an empty array" 403 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example","aud":[]}')" "${IA[@]}"
bearer "only TOKEN_ISSUER set, iss right, no aud: 200" 200 "$(tok "$H" '{"username":"alice","iat":@N,"exp":@E,"iss":"https://auth.example"}')" TOKEN_ISSUER=https://auth.example
call "${IA[@]}" login POST /api/login "$(body_up alice "$PW")"
is "login with iss/aud configured: iss and aud in the token" \
    "200 https://auth.example orders-api" \
    "$STATUS $(jwt_part "$(json .access_token)" 1 | jq -r '"\(.iss) \(.aud)"' 2>/dev/null)"
bearer "that token verifies with iss/aud configured: 200" 200 "$(json .access_token)" "${IA[@]}"

echo "# 2. AUTH_INVALID_STATUS=401"

bearer "AUTH_INVALID_STATUS=401: wrong secret: 401" 401 "$(tok "$H" "$STD" "wrong-$SECRET")" AUTH_INVALID_STATUS=401
bearer "AUTH_INVALID_STATUS=401: alg none: 401" 401 "$(tok '{"alg":"none"}' "$STD")" AUTH_INVALID_STATUS=401
bearer "AUTH_INVALID_STATUS=401: expired: 401" 401 "$(tok "$H" '{"username":"alice","exp":@P}')" AUTH_INVALID_STATUS=401
bearer "AUTH_INVALID_STATUS=401: two segments: 401" 401 "$TH.$TP" AUTH_INVALID_STATUS=401
bearer "AUTH_INVALID_STATUS=401: 4097 bytes: 401" 401 "$T4097" AUTH_INVALID_STATUS=401
bearer "AUTH_INVALID_STATUS=401: valid token: 200" 200 "$GOOD" AUTH_INVALID_STATUS=401
call AUTH_INVALID_STATUS=401 userorders GET /api/userOrders
missing_is "AUTH_INVALID_STATUS=401: no Authorization still 401 missing_token"
call AUTH_INVALID_STATUS=401 refresh POST /api/token "$(rt_body "$UNKNOWN")"
invalid_is "AUTH_INVALID_STATUS=401: unknown refresh token: 401" 401
bearer "AUTH_INVALID_STATUS=403 (explicit): wrong secret: 403" 403 "$(tok "$H" "$STD" "wrong-$SECRET")" AUTH_INVALID_STATUS=403

echo "# 3. configuration"

UO=(userorders GET /api/userOrders)
# startfail NAME VAR CALL-ARGS...: the executable refuses to start: non-zero
# exit, nothing on stdout, one stderr line naming VAR, no secret in it.
startfail() {
	local name=$1 var=$2 lines leak=no s
	shift 2
	call "$@"
	lines=$(grep -c '' "$ERRF")
	for s in "${SENT_SECRETS[@]}"; do
		[ -n "$s" ] && [[ $ERR == *"$s"* ]] && leak=yes
	done
	is "refuses to start: $name" \
	    "exit>0 stdout=0 lines=1 names=$var leak=no" \
	    "exit$([ "$RC" -gt 0 ] && echo '>0' || echo "=$RC") stdout=${#OUT} lines=$lines names=$([[ $ERR == *"$var"* ]] && echo "$var") leak=$leak"
}
# serves NAME TOKEN CALL-OPTIONS...: userorders starts and takes TOKEN.
serves() {
	local name=$1 t=$2
	shift 2
	call "$@" HTTP_AUTHORIZATION="Bearer $t" "${UO[@]}"
	is "starts and verifies with the right key: $name" "0 200" "$RC $STATUS"
}

for exe in login userorders refresh; do
	startfail "$exe with no secret" TOKEN_SECRET -u TOKEN_SECRET "$exe" POST /api/token '{}'
done
S31=$(printf 'k%.0s' $(seq 31))
S32=$(printf 'K%.0s' $(seq 32))
startfail "TOKEN_SECRET of 31 bytes" TOKEN_SECRET TOKEN_SECRET="$S31" "${UO[@]}"
startfail "TOKEN_SECRET empty" TOKEN_SECRET TOKEN_SECRET= "${UO[@]}"
serves "TOKEN_SECRET of 32 bytes" "$(tok "$H" "$STD" "$S32")" TOKEN_SECRET="$S32"
bearer "TOKEN_SECRET of 32 bytes: a token signed with the old secret is refused" 403 "$GOOD" TOKEN_SECRET="$S32"
# A hex secret is used as its ASCII bytes, as jsonwebtoken does.
HEXS=$(openssl rand -hex 32)
TOK_HEXKEY="$TH.$TP.$(printf '%s.%s' "$TH" "$TP" | openssl dgst -sha256 \
    -mac HMAC -macopt "hexkey:$HEXS" -binary | b64url)"
serves "a hex TOKEN_SECRET, token keyed with its ASCII bytes" "$(tok "$H" "$STD" "$HEXS")" TOKEN_SECRET="$HEXS"
bearer "a hex TOKEN_SECRET, token keyed with the hex-decoded bytes: 403" 403 "$TOK_HEXKEY" TOKEN_SECRET="$HEXS"
startfail "ACCESS_TOKEN_SECRET of 31 bytes alone" ACCESS_TOKEN_SECRET -u TOKEN_SECRET ACCESS_TOKEN_SECRET="$S31" "${UO[@]}"
startfail "TOKEN_SECRET and ACCESS_TOKEN_SECRET differ" TOKEN_SECRET ACCESS_TOKEN_SECRET="$S32" "${UO[@]}"
serves "TOKEN_SECRET and ACCESS_TOKEN_SECRET the same" "$GOOD" ACCESS_TOKEN_SECRET="$SECRET"
serves "ACCESS_TOKEN_SECRET alone" "$(tok "$H" "$STD" "$S32")" -u TOKEN_SECRET ACCESS_TOKEN_SECRET="$S32"

FSECRET="file-secret-$(openssl rand -hex 16)"
printf '%s\n' "$FSECRET" >"$T_TMP/secret-nl"
printf '%s' "$FSECRET" >"$T_TMP/secret-bare"
serves "TOKEN_SECRET_FILE with a final newline" "$(tok "$H" "$STD" "$FSECRET")" -u TOKEN_SECRET TOKEN_SECRET_FILE="$T_TMP/secret-nl"
serves "TOKEN_SECRET_FILE without a final newline" "$(tok "$H" "$STD" "$FSECRET")" -u TOKEN_SECRET TOKEN_SECRET_FILE="$T_TMP/secret-bare"
bearer "TOKEN_SECRET_FILE: the newline is not part of the key" 403 "$(tok "$H" "$STD" "$FSECRET"$'\n')" -u TOKEN_SECRET TOKEN_SECRET_FILE="$T_TMP/secret-nl"
startfail "TOKEN_SECRET_FILE missing" TOKEN_SECRET_FILE -u TOKEN_SECRET TOKEN_SECRET_FILE="$T_TMP/no-such-secret" "${UO[@]}"
printf '%s\n' "$S31" >"$T_TMP/secret-short"
startfail "TOKEN_SECRET_FILE with 31 bytes" TOKEN_SECRET_FILE -u TOKEN_SECRET TOKEN_SECRET_FILE="$T_TMP/secret-short" "${UO[@]}"
startfail "TOKEN_SECRET_FILE a directory" TOKEN_SECRET_FILE -u TOKEN_SECRET TOKEN_SECRET_FILE="$T_TMP" "${UO[@]}"

# ACCESS_TOKEN_TTL: the token's exp - iat and expires_in are the TTL.  The
# refresh executable issues the tokens (no Argon2 cost); bob's chain.
for ttl in 900:900 1800s:1800 30m:1800 1h:3600 7d:604800; do
	call ACCESS_TOKEN_TTL="${ttl%%:*}" refresh POST /api/token "$(rt_body "$RT_BOB")"
	grant_is "ACCESS_TOKEN_TTL=${ttl%%:*}" 200 bob "${ttl#*:}"
	RT_BOB=$RT
done
call ACCESS_TOKEN_TTL=30m login POST /api/login "$(body_up bob "$PW")"
grant_is "login with ACCESS_TOKEN_TTL=30m" 200 bob 1800
for bad in abc 0 -5 10x "" 1h30m 99999999999999999999; do
	startfail "ACCESS_TOKEN_TTL=\"$bad\"" ACCESS_TOKEN_TTL ACCESS_TOKEN_TTL="$bad" "${UO[@]}"
done
startfail 'REFRESH_TOKEN_TTL="abc"' REFRESH_TOKEN_TTL REFRESH_TOKEN_TTL=abc "${UO[@]}"
startfail 'REFRESH_TOKEN_TTL="0"' REFRESH_TOKEN_TTL REFRESH_TOKEN_TTL=0 "${UO[@]}"
for bad in abc -1 1.5 3601; do
	startfail "TOKEN_LEEWAY=\"$bad\"" TOKEN_LEEWAY TOKEN_LEEWAY="$bad" "${UO[@]}"
done
serves "TOKEN_LEEWAY=3600" "$GOOD" TOKEN_LEEWAY=3600
startfail 'AUTH_COOKIES="2"' AUTH_COOKIES AUTH_COOKIES=2 "${UO[@]}"
for bad in 500 200 abc; do
	startfail "AUTH_INVALID_STATUS=\"$bad\"" AUTH_INVALID_STATUS AUTH_INVALID_STATUS="$bad" "${UO[@]}"
done
startfail "DATABASE_PATH in a directory that does not exist" DATABASE_PATH DATABASE_PATH="$T_TMP/no/such/dir/auth.db" "${UO[@]}"
startfail "DATABASE_PATH under /proc (not writable, even by root)" DATABASE_PATH DATABASE_PATH=/proc/auth-suite-cgi.db "${UO[@]}"
: >"$T_TMP/plainfile"
startfail "DATABASE_PATH whose parent is a regular file" DATABASE_PATH DATABASE_PATH="$T_TMP/plainfile/auth.db" "${UO[@]}"
startfail "DATABASE_PATH empty" DATABASE_PATH DATABASE_PATH= "${UO[@]}"
printf 'not a database, just text\n%.0s' $(seq 200) >"$T_TMP/garbage.db"
startfail "DATABASE_PATH a file that is not SQLite" DATABASE_PATH DATABASE_PATH="$T_TMP/garbage.db" "${UO[@]}"
startfail "login: DATABASE_PATH not writable" DATABASE_PATH DATABASE_PATH=/proc/auth-suite-cgi.db login POST /api/login "$(body_up alice "$PW")"
call DATABASE_PATH="$T_TMP/fresh.db" "$AUTH_A" "${UO[@]}"
is "DATABASE_PATH: a new file is created with its schema" "200 0 yes" \
    "$STATUS $(json '.orders | length') $([ -s "$T_TMP/fresh.db" ] && echo yes)"

# A write-protected database file: SQLite would open it read-only and fail
# every write later; the executable must refuse at start-up.  Root ignores
# file modes, so this runs as nobody, in a folder nobody can reach.
RO=$(mktemp -d -t authro.XXXXXX)
chmod 755 "$RO"
cp "$T_TMP/fresh.db" "$RO/ro.db"
cp "$T_TMP/fresh.db" "$RO/rw.db"
chown nobody "$RO/rw.db" "$RO"
chmod 444 "$RO/ro.db"
as_nobody() {	# DB: run userorders as nobody; sets RC, OUT, ERR
	OUT=$(env -i TOKEN_SECRET="$SECRET" DATABASE_PATH="$1" REQUEST_METHOD=GET \
	    REQUEST_URI=/api/userOrders HTTP_AUTHORIZATION="Bearer $AT_ALICE" \
	    setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$BUILD/userorders" </dev/null 2>"$T_TMP/ro.err")
	RC=$? ERR=$(cat "$T_TMP/ro.err")
}
as_nobody "$RO/ro.db"
is "refuses to start: DATABASE_PATH a read-only file" "exit>0 stdout=0 names=DATABASE_PATH" \
    "exit$([ "$RC" -gt 0 ] && echo '>0' || echo "=$RC") stdout=${#OUT} names=$([[ $ERR == *DATABASE_PATH*read-only* ]] && echo DATABASE_PATH)"
as_nobody "$RO/rw.db"
is "control: the same as nobody with a writable file serves 200" "0 200" \
    "$RC $(printf '%s\n' "$OUT" | sed -n 's/^Status: \([0-9]*\).*/\1/p')"
rm -rf "$RO"

echo "# 3. .env"

S2="dotenv-secret-$(openssl rand -hex 16)"
cat >"$T_TMP/env1" <<EOF
# a comment line
   # an indented comment

export TOKEN_SECRET="$S2"
ACCESS_TOKEN_TTL='1h'   # a comment after a quoted value
TOKEN_ISSUER="iss # not a comment"
TOKEN_AUDIENCE=aud-from-file # a comment after an unquoted value
EOF
call -u TOKEN_SECRET ENV_FILE="$T_TMP/env1" refresh POST /api/token "$(rt_body "$RT_BOB")"
grant_is "ENV_FILE: export, quotes, comments" 200 bob 3600 "$S2"
RT_BOB=$RT
is "ENV_FILE: not signed with the usual secret" no \
    "$(jwt_verify "$AT" "$SECRET" && echo yes || echo no)"
is "ENV_FILE: double-quoted value keeps '#', unquoted value ends at '#'" \
    "iss # not a comment|aud-from-file" \
    "$(jwt_part "$AT" 1 | jq -r '"\(.iss)|\(.aud)"' 2>/dev/null)"
serves "ENV_FILE: the file's secret verifies" "$(tok "$H" "$(P '{"username":"alice","iat":@N,"exp":@E,"iss":"iss # not a comment","aud":"aud-from-file"}')" "$S2")" -u TOKEN_SECRET ENV_FILE="$T_TMP/env1"

printf 'TOKEN_SECRET=%s\nACCESS_TOKEN_TTL=1h\n' "$S2" >"$T_TMP/env2"
call ENV_FILE="$T_TMP/env2" ACCESS_TOKEN_TTL=900 refresh POST /api/token "$(rt_body "$RT_BOB")"
grant_is "environment wins over ENV_FILE (TOKEN_SECRET, ACCESS_TOKEN_TTL)" 200 bob 900 "$SECRET"
RT_BOB=$RT
is "environment wins: the file's secret did not sign" no \
    "$(jwt_verify "$AT" "$S2" && echo yes || echo no)"
startfail "ENV_FILE missing" ENV_FILE ENV_FILE="$T_TMP/no-such-env" "${UO[@]}"
printf 'ACCESS_TOKEN_TTL=abc\n' >"$T_TMP/env3"
startfail "ENV_FILE with a bad ACCESS_TOKEN_TTL" ACCESS_TOKEN_TTL ENV_FILE="$T_TMP/env3" "${UO[@]}"

S3="cwd-dotenv-secret-$(openssl rand -hex 16)"
mkdir -p "$T_TMP/envdir"
printf '# the working directory .env\nTOKEN_SECRET=%s\n' "$S3" >"$T_TMP/envdir/.env"
: >"$T_TMP/envdir/empty.env"
cd "$T_TMP/envdir" || exit 1
serves "no ENV_FILE: .env in the working directory is read" "$(tok "$H" "$STD" "$S3")" -u TOKEN_SECRET
bearer "no ENV_FILE, .env: another secret's token refused" 403 "$GOOD" -u TOKEN_SECRET
startfail "ENV_FILE set: .env in the working directory is not read" TOKEN_SECRET -u TOKEN_SECRET ENV_FILE="$T_TMP/envdir/empty.env" "${UO[@]}"
cd "$WORK" || exit 1

# Logout with a spent token of a family revokes the whole family.
call refresh POST /api/token "$(rt_body "$RT_BOB")"
RT_BOB_NEXT=$(json .refresh_token)
is "bob's chain rotates" 200 "$STATUS"
call refresh POST /api/logout "$(rt_body "$RT_BOB")"
is "POST /api/logout with a spent token: 204" 204 "$STATUS"
call refresh POST /api/token "$(rt_body "$RT_BOB_NEXT")"
invalid_is "after logout with the spent token, its family's live token: 403"

echo "# 4. command line"

for exe in login userorders refresh; do
	out=$(env -i "$BUILD/$exe" --help </dev/null 2>/dev/null)
	rc=$?
	RC=$rc HEADERS='' BODY=${out:0:80} ERR=''
	is "$exe --help: usage on stdout, exit 0" "0 usage" \
	    "$rc $([[ $out == *usage* ]] && echo usage)"
	out=$(env -i "$BUILD/$exe" --bogus </dev/null 2>/dev/null)
	rc=$?
	RC=$rc BODY=${out:0:80}
	is "$exe --bogus: exit 2, nothing on stdout" "2 0" "$rc ${#out}"
done

echo "# 1. store failure (503)"

if [ -n "${LOCKER:-}" ]; then
	wait "$LOCKED_POST"
	read -r STATUS RC <"$T_TMP/locked-post"
	BODY=$(cat "$T_TMP/locked-body") HEADERS=$(cat "$T_TMP/locked-headers")
	is "POST userOrders with the store locked past the busy timeout: 503 service_unavailable, Retry-After" \
	    "503 application/json [\"service_unavailable\",true,true] yes" \
	    "$STATUS $(shape) $([ -n "$(header Retry-After)" ] && echo yes)"
	exec 3>&-		# the locker reads EOF, rolls back, exits
	wait "$LOCKER" 2>/dev/null
	T_PIDS=$T_PIDS_BEFORE	# both ended: never signal a reused pid
	call DATABASE_PATH="$DB_LOCK" "$LOCK_AUTH" userorders GET /api/userOrders
	is "after the lock: the acknowledged order kept, the refused one absent" \
	    "200 before" "$STATUS $(json '[.orders[].item] | join(",")')"
fi

t_done
