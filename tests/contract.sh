#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/contract.sh BASE_URL: the HTTP contract (docs/api.md), black box,
# against any deployment of the service.
#
#	tests/contract.sh http://127.0.0.1:8080
#	CONTRACT_SECRET="$(sed -n 's/^TOKEN_SECRET=//p' .env)" \
#	    CONTRACT_SUMMARY=/tmp/summary tests/contract.sh http://127.0.0.1:8080
#
# Every request goes over HTTP with curl to BASE_URL/api/...: sign-up (201,
# 409, the 400s of every field rule), login (200, 401 alike for a wrong
# password and an unknown user), userOrders GET and POST (each user sees only
# their own orders, oldest first), the bearer checks (401 missing_token with
# exactly `WWW-Authenticate: Bearer realm="api"`; the invalid status with
# `Bearer realm="api", error="invalid_token", error_description="..."`) under
# the token attacks (alg none, HS512 with the same secret, a bad signature,
# expired, ...) each next to its positive control, refresh rotation, reuse
# revoking the family, logout, GET /api/health, and 404, 405 with Allow,
# 413, 415 and 400.
#
# It prints one line per check, "ok - NAME" or "not ok - NAME" (the
# details indented below), in a fixed order, and ends with
# "contract: N passed, N failed"; the exit status is 0 when none failed.
#
# Environment (all optional):
#	CONTRACT_SECRET		the server's TOKEN_SECRET.  With it the suite
#				also mints tokens with the server's key (the
#				control, HS512, expired, no exp, iat in the
#				future, no user name).  It is read from the
#				environment only and never printed, logged or
#				put on a command line.  Without it those checks
#				are left out, and a line starting with "#" says so.
#	CONTRACT_SUMMARY	a file to write the machine-comparable summary
#				to: one line per request, "<check> <status>
#				<error code> <WWW-Authenticate value>" ("-" for
#				none); identical for every correct deployment
#				with the same settings, whatever the server.
#	CONTRACT_INVALID_STATUS	the deployment's AUTH_INVALID_STATUS (403)
#	CONTRACT_ACCESS_TTL	its ACCESS_TOKEN_TTL in seconds (1800)
#	CONTRACT_LOGIN_MAX	its LOGIN_MAX_FAILURES (5)
#	CONTRACT_CORS_ORIGIN	an origin its CORS_ORIGINS lists (e.g.
#				http://localhost:3000).  With it the suite
#				also checks pages on other origins: the
#				preflight and the answers for that origin, and
#				no CORS header but a 403 preflight for others.
#				Without it those checks are left out.
#
# The deployment must use the defaults for everything else (no
# AUTH_COOKIES; CORS_ORIGINS, when set, must not list http://evil.example,
# null, or CONTRACT_CORS_ORIGIN with another port or scheme); TOKEN_ISSUER/TOKEN_AUDIENCE may be set (minted tokens copy
# the claims of a real one).  Each run signs up fresh users with random names
# (ct<random>...), so the suite runs any number of times against one
# database; it leaves those users and their orders behind.  Each run makes
# about ten failed logins and five sign-ups from this address, which count
# against LOGIN_MAX_FAILURES_PER_ADDRESS (50) and SIGNUP_MAX_PER_ADDRESS
# (20) per LOGIN_WINDOW: more than a few runs in 15 minutes need those
# raised (or 0) on the deployment under test.  It needs bash,
# curl, jq, openssl, od and base64; curl honours the usual proxy variables
# (set NO_PROXY for a local server).
set -u
export LC_ALL=C		# ${#s} counts bytes
# shellcheck disable=SC2034 # read by t_done (lib.sh)
T_NAME=contract
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ $# -ne 1 ] || [[ $1 != http://* && $1 != https://* ]]; then
	echo "usage: $0 BASE_URL   (e.g. http://127.0.0.1:8080)" >&2
	exit 2
fi
BASE=${1%/}
for tool in curl jq openssl od base64; do
	if ! command -v "$tool" >/dev/null; then
		t_fail "$tool is installed"
		t_done
		exit 1
	fi
done
t_tmpdir
SUMMARY=$T_TMP/summary
: >"$SUMMARY"
INVALID=${CONTRACT_INVALID_STATUS:-403}
TTL=${CONTRACT_ACCESS_TTL:-1800}
HAVE_SECRET=
[ -n "${CONTRACT_SECRET:-}" ] && HAVE_SECRET=1
WWW_MISSING='Bearer realm="api"'
WWW_INVALID_RE='^Bearer realm="api", error="invalid_token", error_description="[^"\]+"$'

# ---------------------------------------------------------------------------
# Requests

REQ_ARGS=()	# extra curl arguments for the next req
REQ_CT=		# Content-Type of the next req's body ("-": none)
BAD_BODIES=	# error answers whose body is not {"error","message"}
LEAKS=		# answers that carry a secret or someone's token

# req NAME METHOD PATH [BODY]: one request; sets STATUS, HEADERS, BODY and
# ERR (the body's error code, "-" when none), and appends
# "NAME STATUS ERR WWW-AUTHENTICATE" to the summary.  Bodies go as JSON
# unless REQ_CT says otherwise; no Expect: 100-continue.
req() {
	local name=$1 method=$2 path=$3 ct www
	local -a a=(-sS --max-time 20 -D "$T_TMP/h" -o "$T_TMP/b"
	    -w '%{http_code}' -H 'Expect:')
	# curl -X HEAD would wait for the body Content-Length announces.
	if [ "$method" = HEAD ]; then a+=(--head); else a+=(-X "$method"); fi
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$T_TMP/req"
		a+=(--data-binary "@$T_TMP/req")
		ct=${REQ_CT:-application/json}
		if [ "$ct" = - ]; then a+=(-H 'Content-Type:'); else a+=(-H "Content-Type: $ct"); fi
	fi
	: >"$T_TMP/h"
	: >"$T_TMP/b"
	STATUS=$(curl "${a[@]}" "${REQ_ARGS[@]}" "$BASE$path" 2>>"$T_TMP/curl.err")
	[ -n "$STATUS" ] || STATUS=000
	# The last header block only (a 100 Continue may precede it).
	HEADERS=$(tr -d '\r' <"$T_TMP/h" | awk '/^HTTP\// { b = "" } { b = b $0 "\n" } END { printf "%s", b }')
	BODY=$(cat "$T_TMP/b")
	# (curl --head reads no body, and writes the headers in its place.)
	[ "$method" = HEAD ] && BODY=
	ERR=-
	if [ -n "$BODY" ]; then
		ERR=$(json 'if type == "object" and (.error | type) == "string" then .error else "-" end')
		[ -n "$ERR" ] || ERR='(not-json)'
	fi
	if [ "$STATUS" -ge 400 ] 2>/dev/null && [ "$method" != HEAD ] &&
	    [ "$(json 'type == "object" and (.error | type) == "string" and (.message | type) == "string" and (keys | length) == 2')" != true ]; then
		BAD_BODIES="$BAD_BODIES $name:$STATUS"
	fi
	leak_check "$name"
	www=$(header WWW-Authenticate)
	printf '%s %s %s %s\n' "$name" "$STATUS" "$ERR" "${www:--}" >>"$SUMMARY"
}

# What an answer must never carry: the secret, a refresh token issued
# earlier (each joins SECRETS after the answer that issued it), and in an
# error, any JWT ("eyJ", a base64url '{"').  Access tokens are not in
# SECRETS: two logins in the same second rightly get the same JWT.
SECRETS=()
leak_check() {
	local s
	if [ "$STATUS" -ge 400 ] 2>/dev/null && [[ $BODY == *eyJ* || $HEADERS == *eyJ* ]]; then
		LEAKS="$LEAKS $1"
		return
	fi
	for s in "${CONTRACT_SECRET:-}" "${SECRETS[@]}"; do
		[ ${#s} -ge 16 ] || continue
		if [[ $BODY == *"$s"* || $HEADERS == *"$s"* ]]; then
			LEAKS="$LEAKS $1"
			return
		fi
	done
}

# expect NAME STATUS ERROR: the last request answered STATUS with error
# code ERROR ("-" for none); on a mismatch the body is shown.
expect() {
	if [ "$STATUS $ERR" = "$2 $3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected: $2 $3" "got:      $STATUS $ERR" "body:     ${BODY:0:300}"
	fi
}

# expect_missing NAME: 401 missing_token with exactly the bare challenge.
expect_missing() {
	local www
	www=$(header WWW-Authenticate)
	if [ "$STATUS $ERR" = "401 missing_token" ] && [ "$www" = "$WWW_MISSING" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected: 401 missing_token, WWW-Authenticate: $WWW_MISSING" \
		    "got:      $STATUS $ERR, WWW-Authenticate: $www" "body:     ${BODY:0:300}"
	fi
}

# expect_invalid NAME: the invalid status, invalid_token, and exactly the
# invalid_token challenge.
expect_invalid() {
	local www
	www=$(header WWW-Authenticate)
	if [ "$STATUS $ERR" = "$INVALID invalid_token" ] && [[ $www =~ $WWW_INVALID_RE ]]; then
		t_ok "$1"
	else
		t_fail "$1" "expected: $INVALID invalid_token, WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"...\"" \
		    "got:      $STATUS $ERR, WWW-Authenticate: $www" "body:     ${BODY:0:300}"
	fi
}

# expect_allow NAME ALLOW: 405 method_not_allowed with exactly that Allow.
expect_allow() {
	local allow
	allow=$(header Allow)
	if [ "$STATUS $ERR" = "405 method_not_allowed" ] && [ "$allow" = "$2" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected: 405 method_not_allowed, Allow: $2" "got:      $STATUS $ERR, Allow: $allow"
	fi
}

# hdr LINE: the next requests carry the header LINE, read by curl from a
# file (on curl's command line, a token or a password would show in ps).
hdr() {
	printf '%s\n' "$1" >"$T_TMP/hdr"
	REQ_ARGS=(-H "@$T_TMP/hdr")
}
# auth TOKEN: the next requests carry "Authorization: Bearer TOKEN".
auth() { hdr "Authorization: Bearer $1"; }
noauth() { REQ_ARGS=(); }

# ---------------------------------------------------------------------------
# Tokens

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
unb64url() {
	local s
	s=$(tr '_-' '/+')
	case $((${#s} % 4)) in 2) s=$s== ;; 3) s=$s= ;; esac
	printf '%s' "$s" | base64 -d 2>/dev/null
}
# jwt_part TOKEN N: segment N (1 header, 2 payload) decoded.
jwt_part() { cut -d. -f"$2" <<<"$1" | unb64url; }
hex() { od -An -tx1 -v | tr -d ' \n'; }

# hmac ALG: HMAC (RFC 2104) of standard input with CONTRACT_SECRET as its
# bytes (as jsonwebtoken uses it), raw.  Done by hand around `openssl dgst`
# so that the key never appears on a command line (ps shows those).
hmac() {
	local alg=$1 bs=64 key msg i b c ipad='' opad=''
	[ "$alg" = sha512 ] && bs=128
	msg=$(hex)
	key=$(printf '%s' "$CONTRACT_SECRET" | hex)
	if [ $((${#key} / 2)) -gt "$bs" ]; then
		key=$(printf '%s' "$CONTRACT_SECRET" | openssl dgst "-$alg" -binary | hex)
	fi
	while [ $((${#key} / 2)) -lt "$bs" ]; do key=${key}00; done
	for ((i = 0; i < bs * 2; i += 2)); do
		b=$((16#${key:i:2}))
		printf -v c '\\x%02x' $((b ^ 0x36))
		ipad+=$c
		printf -v c '\\x%02x' $((b ^ 0x5c))
		opad+=$c
	done
	# shellcheck disable=SC2059 # the pads are \xHH escapes on purpose
	{
		printf "$opad"
		# (sed, not ${msg//??/...}: bash < 5.2 has no & there)
		# shellcheck disable=SC2001
		{ printf "$ipad"; printf "$(sed 's/../\\x&/g' <<<"$msg")"; } |
		    openssl dgst "-$alg" -binary
	} | openssl dgst "-$alg" -binary
}

# mint ALG HEADER_JSON PAYLOAD_JSON: a JWT signed with CONTRACT_SECRET
# (ALG sha256 or sha512; "none" gives an empty signature).
mint() {
	local h p s=
	h=$(printf '%s' "$2" | b64url)
	p=$(printf '%s' "$3" | b64url)
	[ "$1" = none ] || s=$(printf '%s' "$h.$p" | hmac "$1" | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}

# check_token_body NAME USER: the token body of the last answer (RFC 6749
# §5.1 names), its headers, and the access token's claims.  Sets ACCESS
# and REFRESH.
check_token_body() {
	local name=$1 user=$2 hdr claims
	check_match "$name: Content-Type: application/json" '^application/json' "$(header Content-Type)"
	check_eq "$name: Cache-Control: no-store" no-store "$(header Cache-Control)"
	check_eq "$name: token_type Bearer, expires_in $TTL" "Bearer $TTL" \
	    "$(json '"\(.token_type) \(.expires_in | if type == "number" then . else "(\(type))" end)"')"
	ACCESS=$(json '.access_token // empty')
	REFRESH=$(json '.refresh_token // empty')
	SECRETS+=("$REFRESH")
	hdr=$(jwt_part "$ACCESS" 1 | jq -c . 2>/dev/null)
	claims=$(jwt_part "$ACCESS" 2 | jq -c --arg u "$user" --argjson ttl "$TTL" \
	    '[.sub == $u, .username == $u, (.iat | type) == "number", .exp == .iat + $ttl] | all' 2>/dev/null)
	if [[ $ACCESS =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] &&
	    [ "$(jq -r .alg <<<"$hdr" 2>/dev/null)" = HS256 ] && [ "$claims" = true ]; then
		t_ok "$name: access token: an HS256 JWT; sub and username the user; exp = iat + expires_in"
	else
		t_fail "$name: access token: an HS256 JWT; sub and username the user; exp = iat + expires_in" \
		    "header: $hdr" "payload: $(jwt_part "$ACCESS" 2)"
	fi
	check_match "$name: refresh token: opaque base64url of at least 256 bits" \
	    '^[A-Za-z0-9_-]{43,}$' "$REFRESH"
}

# ---------------------------------------------------------------------------
# The base URL answers, and it is this service.

req probe GET /api/login
if [ "$STATUS" = 000 ]; then
	t_fail "$BASE answers HTTP" "$(tail -n 3 "$T_TMP/curl.err")"
	t_done
	exit 1
fi
expect_allow "GET /api/login → 405 method_not_allowed, Allow: POST (the service answers at $BASE)" POST

RND=$(openssl rand -hex 6)
U1=ct${RND}a
U2=ct${RND}b
PW='correct horse battery'
cred() { printf '{"username":"%s","password":"%s"}' "$1" "$2"; }

# ---------------------------------------------------------------------------
# Sign-up

req signup POST /api/createNewUser "$(cred "$U1" "$PW")"
expect "createNewUser → 201" 201 -
check_token_body "createNewUser" "$U1"
SIGNUP_ACCESS=$ACCESS
SIGNUP_REFRESH=$REFRESH
req signup.taken POST /api/createNewUser "$(cred "$U1" "other password")"
expect "createNewUser of a taken name → 409 user_exists" 409 user_exists
req signup.u2 POST /api/createNewUser "$(cred "$U2" "$PW")"
expect "createNewUser of a second user → 201" 201 -
U2_ACCESS=$(json '.access_token // empty')

# Field limits, each with the boundary that passes.
name64=$U1$(head -c $((64 - ${#U1} - 4)) /dev/zero | tr '\0' x)._@-
pw1024=$(head -c 1024 /dev/zero | tr '\0' p)
req signup.name64.pw8 POST /api/createNewUser "$(cred "$name64" 12345678)"
expect "a 64-byte name of every allowed kind of character (A-Z a-z 0-9 . _ @ -), an 8-byte password → 201" 201 -
req signup.pw1024 POST /api/createNewUser "$(cred "${U1}c" "$pw1024")"
expect "a 1024-byte password → 201" 201 -
req login.pw1024 POST /api/login "$(cred "${U1}c" "$pw1024")"
expect "… and it logs in → 200" 200 -

req signup.name65 POST /api/createNewUser "$(cred "${name64}y" "$PW")"
expect "a 65-byte name → 400 invalid_request" 400 invalid_request
req signup.name-empty POST /api/createNewUser "$(cred "" "$PW")"
expect "an empty name → 400" 400 invalid_request
req signup.name-space POST /api/createNewUser "$(cred "${U1} d" "$PW")"
expect "a name with a space → 400" 400 invalid_request
req signup.name-quote POST /api/createNewUser "$(cred "${U1}'--" "$PW")"
expect "a name with SQL metacharacters → 400" 400 invalid_request
req signup.pw7 POST /api/createNewUser "$(cred "${U1}e" 1234567)"
expect "a 7-byte password → 400" 400 invalid_request
req signup.pw1025 POST /api/createNewUser "$(cred "${U1}f" "${pw1024}p")"
expect "a 1025-byte password → 400" 400 invalid_request
req signup.no-password POST /api/createNewUser "{\"username\":\"${U1}g\"}"
expect "no password → 400" 400 invalid_request
req signup.no-username POST /api/createNewUser "{\"password\":\"$PW\"}"
expect "no username → 400" 400 invalid_request
req signup.name-number POST /api/createNewUser "{\"username\":12345,\"password\":\"$PW\"}"
expect "a number for the name → 400" 400 invalid_request
req signup.password-null POST /api/createNewUser "{\"username\":\"${U1}h\",\"password\":null}"
expect "null for the password → 400" 400 invalid_request
req signup.array POST /api/createNewUser "[$(cred "${U1}i" "$PW")]"
expect "a JSON array body → 400" 400 invalid_request
req signup.string POST /api/createNewUser '"hello"'
expect "a JSON string body → 400" 400 invalid_request
req signup.truncated POST /api/createNewUser "{\"username\":\"${U1}j\",\"password\":"
expect "truncated JSON → 400" 400 invalid_request
req signup.trailing POST /api/createNewUser "$(cred "${U1}k" "$PW")x"
expect "JSON followed by garbage → 400" 400 invalid_request
req signup.empty POST /api/createNewUser ''
expect "an empty body → 400" 400 invalid_request
req login.after-400 POST /api/login "$(cred "${U1}k" "$PW")"
expect "… none of those created a user (login → 401)" 401 invalid_credentials

# ---------------------------------------------------------------------------
# Login

req login POST /api/login "$(cred "$U1" "$PW")"
expect "login → 200" 200 -
check_token_body "login" "$U1"
LOGIN_ACCESS=$ACCESS
req login.wrong-password POST /api/login "$(cred "$U1" "not the password")"
expect "login with a wrong password → 401 invalid_credentials" 401 invalid_credentials
req login.unknown-user POST /api/login "$(cred "${U1}z" "$PW")"
expect "login of an unknown user → 401 invalid_credentials (the same answer)" 401 invalid_credentials
req login.no-password POST /api/login "{\"username\":\"$U1\"}"
expect "login without a password → 400" 400 invalid_request
req login.password-number POST /api/login "{\"username\":\"$U1\",\"password\":12345678}"
expect "login with a number for the password → 400" 400 invalid_request

# ---------------------------------------------------------------------------
# Orders: each user's own, oldest first

auth "$SIGNUP_ACCESS"
req orders.empty GET /api/userOrders
expect "GET userOrders with the sign-up's token → 200" 200 -
check_eq "… {username, orders: []} for a new user" "$U1 []" "$(json '"\(.username) \(.orders | tojson)"')"
req orders.post POST /api/userOrders '{"item":"book","quantity":2}'
expect "POST userOrders → 201" 201 -
check_eq "… the stored order: id, item, quantity, created_at (UTC, RFC 3339)" "true book 2 true" \
    "$(json '"\(.id | type == "number" and . >= 1) \(.item) \(.quantity) \(.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))"')"
FIRST_ID=$(json .id)
auth "$LOGIN_ACCESS"
item200=$(head -c 200 /dev/zero | tr '\0' i)
req orders.post-limits POST /api/userOrders "{\"item\":\"$item200\",\"quantity\":1000}"
expect "POST a 200-byte item, quantity 1000, with the login's token → 201" 201 -
req orders.post-utf8 POST /api/userOrders '{"item":"caf\u00e9 \"x\" <b>","quantity":1}'
expect "POST an item with escapes and non-ASCII → 201" 201 -
check_eq "… stored as sent" 'café "x" <b>' "$(json .item)"
auth "$U2_ACCESS"
req orders.post-u2 POST /api/userOrders '{"item":"pen","quantity":3}'
expect "POST userOrders as the second user → 201" 201 -
auth "$SIGNUP_ACCESS"
req orders.list GET /api/userOrders
expect "GET userOrders → 200" 200 -
check_eq "… the user's 3 orders only, oldest first" \
    "$U1 book,$item200,café \"x\" <b> true true" \
    "$(json '"\(.username) \([.orders[].item] | join(",")) \([.orders[].id] == ([.orders[].id] | sort)) \(.orders[0].id == '"${FIRST_ID:-0}"')"')"
auth "$U2_ACCESS"
req orders.list-u2 GET /api/userOrders
expect "GET userOrders as the second user → 200" 200 -
check_eq "… only the second user's order" "$U2 pen:3" "$(json '"\(.username) \([.orders[] | "\(.item):\(.quantity)"] | join(","))"')"

auth "$SIGNUP_ACCESS"
req orders.quantity0 POST /api/userOrders '{"item":"book","quantity":0}'
expect "quantity 0 → 400" 400 invalid_request
req orders.quantity1001 POST /api/userOrders '{"item":"book","quantity":1001}'
expect "quantity 1001 → 400" 400 invalid_request
req orders.quantity-string POST /api/userOrders '{"item":"book","quantity":"2"}'
expect "quantity as a string → 400" 400 invalid_request
req orders.quantity-float POST /api/userOrders '{"item":"book","quantity":1.5}'
expect "quantity 1.5 → 400" 400 invalid_request
req orders.item-empty POST /api/userOrders '{"item":"","quantity":1}'
expect "an empty item → 400" 400 invalid_request
req orders.item201 POST /api/userOrders "{\"item\":\"${item200}i\",\"quantity\":1}"
expect "a 201-byte item → 400" 400 invalid_request
req orders.no-item POST /api/userOrders '{"quantity":1}'
expect "no item → 400" 400 invalid_request
req orders.not-object POST /api/userOrders '[1]'
expect "an array body → 400" 400 invalid_request
req orders.list-after-400 GET /api/userOrders
check_eq "… none of those stored an order" "200 3" "$STATUS $(json '.orders | length')"
LIST_LEN=$(wc -c <"$T_TMP/b")	# ($BODY lost the final newline)

# ---------------------------------------------------------------------------
# Pages (?limit=, ?after=) and HEAD

req page.first GET "/api/userOrders?limit=2"
expect "GET userOrders?limit=2 → 200" 200 -
check_eq "… the two oldest orders, and a next cursor" "book,$item200 string" \
    "$(json '"\([.orders[].item] | join(",")) \(.next | type)"')"
NEXT=$(json '.next // empty')
req page.second GET "/api/userOrders?limit=2&after=$NEXT"
expect "GET userOrders?limit=2&after=<next> → 200" 200 -
check_eq "… the third order, and no next: the list is done" 'café "x" <b> false' \
    "$(json '"\([.orders[].item] | join(",")) \(has("next"))"')"
req page.exact GET "/api/userOrders?limit=3"
check_eq "limit=3 for three orders: all three, no next" "200 3 false" \
    "$STATUS $(json '"\(.orders | length) \(has("next"))"')"
i=0
for bad in 0 1001 -1 abc 2x '' 1.5 '1&limit=2'; do
	i=$((i + 1))
	req "page.limit$i" GET "/api/userOrders?limit=$bad"
	expect "limit=$bad → 400 invalid_request" 400 invalid_request
done
i=0
for bad in garbage AAAAAAAAAAA= "${NEXT}x" '' "$NEXT&after=$NEXT"; do
	i=$((i + 1))
	req "page.after$i" GET "/api/userOrders?after=$bad"
	expect "after=$bad (not a cursor of ours) → 400 invalid_request" 400 invalid_request
done
req head.orders HEAD /api/userOrders
# (RFC 9110 §9.3.2: a HEAD answer may leave Content-Length out, as Apache
# does; when it sends one, it is GET's.)
check_match "HEAD userOrders → 200 with the Content-Type of GET, and its Content-Length if any" \
    "^200 application/json; charset=utf-8 ($LIST_LEN)?\$" \
    "$STATUS $(header Content-Type) $(header Content-Length)"
noauth
req head.noauth HEAD /api/userOrders
check_eq "HEAD userOrders without a token → 401 with the bare challenge" \
    "401 $WWW_MISSING" "$STATUS $(header WWW-Authenticate)"
req head.login HEAD /api/login
check_eq "HEAD /api/login → 405 with Allow: POST" "405 POST" "$STATUS $(header Allow)"

# ---------------------------------------------------------------------------
# Bearer credentials: missing or malformed → 401 with the bare challenge

noauth
req bearer.none-get GET /api/userOrders
expect_missing "GET userOrders without Authorization → 401 missing_token, WWW-Authenticate: Bearer realm=\"api\""
req bearer.none-post POST /api/userOrders '{"item":"book","quantity":1}'
expect_missing "POST userOrders without Authorization → 401, the bare challenge"
hdr "Authorization: Basic $(printf '%s:%s' "$U1" "$PW" | base64 -w0)"
req bearer.basic GET /api/userOrders
expect_missing "Basic credentials → 401, the bare challenge"
hdr "Authorization: Bearer"
req bearer.empty GET /api/userOrders
expect_missing "\"Bearer\" and no token → 401, the bare challenge"
hdr "Authorization: Token $SIGNUP_ACCESS"
req bearer.other-scheme GET /api/userOrders
expect_missing "another scheme with a good token → 401, the bare challenge"
hdr "Authorization: Bearer $SIGNUP_ACCESS extra"
req bearer.two-words GET /api/userOrders
expect_missing "\"Bearer <token> extra\" → 401, the bare challenge"
hdr "Authorization: Bearer{$SIGNUP_ACCESS}"
req bearer.no-space GET /api/userOrders
expect_missing "no space after Bearer → 401, the bare challenge"
hdr "Authorization: bEaReR $SIGNUP_ACCESS"
req bearer.scheme-case GET /api/userOrders
expect "the scheme in any case (bEaReR) → 200" 200 -
hdr "Authorization: Bearer    $SIGNUP_ACCESS"
req bearer.spaces GET /api/userOrders
expect "several spaces after Bearer → 200" 200 -

# ---------------------------------------------------------------------------
# Invalid tokens → the invalid status with the invalid_token challenge

# A bad signature: one character of the signature changed.
sig=${SIGNUP_ACCESS##*.}
c=${sig:5:1}
[ "$c" = A ] && r=B || r=A
auth "${SIGNUP_ACCESS%.*}.${sig:0:5}$r${sig:6}"
req token.bad-signature GET /api/userOrders
expect_invalid "a bad signature → $INVALID invalid_token, WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"…\""
auth "${SIGNUP_ACCESS%.*}."
req token.no-signature GET /api/userOrders
expect_invalid "the signature removed → $INVALID invalid_token"
hdr_none=$(printf '{"alg":"none","typ":"JWT"}' | b64url)
auth "$hdr_none.$(cut -d. -f2 <<<"$SIGNUP_ACCESS")."
req token.alg-none GET /api/userOrders
expect_invalid "alg none, unsigned → $INVALID invalid_token"
auth "$hdr_none.$(cut -d. -f2 <<<"$SIGNUP_ACCESS").$sig"
req token.alg-none-sig GET /api/userOrders
expect_invalid "alg none, with the real signature → $INVALID invalid_token"
auth "$(printf '{"alg":"RS256","typ":"JWT"}' | b64url).$(cut -d. -f2 <<<"$SIGNUP_ACCESS").$sig"
req token.alg-rs256 GET /api/userOrders
expect_invalid "alg RS256 → $INVALID invalid_token"
auth "$(jwt_part "$U2_ACCESS" 1 | b64url).$(cut -d. -f2 <<<"$SIGNUP_ACCESS").${U2_ACCESS##*.}"
req token.swapped-payload GET /api/userOrders
expect_invalid "the payload of one user's token with another's signature → $INVALID invalid_token"
auth abc
req token.one-segment GET /api/userOrders
expect_invalid "a token that is not three segments → $INVALID invalid_token"
auth "a..c"
req token.empty-segment GET /api/userOrders
expect_invalid "an empty segment → $INVALID invalid_token"
auth "$(head -c 4000 /dev/zero | tr '\0' A).$(cut -d. -f2 <<<"$SIGNUP_ACCESS").$sig"
req token.too-long GET /api/userOrders
expect_invalid "a token over 4 KiB → $INVALID invalid_token"
auth "$SIGNUP_REFRESH"
req token.refresh-as-access GET /api/userOrders
expect_invalid "the refresh token as an access token → $INVALID invalid_token"
noauth

if [ -n "$HAVE_SECRET" ]; then
	now=$(date +%s)
	payload=$(jwt_part "$SIGNUP_ACCESS" 2)
	# claims JQ: the sign-up token's payload changed by the jq filter.
	claims() { jq -c "$1" <<<"$payload"; }
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims .)")"
	req token.minted-control GET /api/userOrders
	if [ "$STATUS" = 200 ]; then
		t_ok "control: the sign-up token's claims signed here with CONTRACT_SECRET → 200"
	else
		t_fail "control: the sign-up token's claims signed here with CONTRACT_SECRET → 200" \
		    "got: $STATUS $ERR (is CONTRACT_SECRET the server's TOKEN_SECRET?)"
	fi
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims ".iat = $now | .exp = $now + 600")")"
	req token.minted-fresh GET /api/userOrders
	expect "control: fresh iat and exp, signed with the secret → 200" 200 -
	auth "$(mint sha512 '{"alg":"HS512","typ":"JWT"}' "$(claims .)")"
	req token.hs512 GET /api/userOrders
	expect_invalid "HS512 signed with the same secret → $INVALID invalid_token"
	auth "$(mint sha256 '{"alg":"hs256","typ":"JWT"}' "$(claims .)")"
	req token.alg-lowercase GET /api/userOrders
	expect_invalid "alg \"hs256\" (not exactly HS256), signed with the secret → $INVALID invalid_token"
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims ".iat = $now - 90000 | .exp = $now - 86400")")"
	req token.expired GET /api/userOrders
	expect_invalid "expired a day ago, signed with the secret → $INVALID invalid_token"
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims 'del(.exp)')")"
	req token.no-exp GET /api/userOrders
	expect_invalid "no exp, signed with the secret → $INVALID invalid_token"
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims '.exp = (.exp | tostring)')")"
	req token.exp-string GET /api/userOrders
	expect_invalid "exp as a string, signed with the secret → $INVALID invalid_token"
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims ".iat = $now + 86400 | .exp = $now + 90000")")"
	req token.iat-future GET /api/userOrders
	expect_invalid "iat a day ahead, signed with the secret → $INVALID invalid_token"
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims ".nbf = $now + 86400")")"
	req token.nbf-future GET /api/userOrders
	expect_invalid "nbf a day ahead, signed with the secret → $INVALID invalid_token"
	auth "$(mint sha256 '{"alg":"HS256","typ":"JWT"}' "$(claims 'del(.sub, .username)')")"
	req token.no-user GET /api/userOrders
	expect_invalid "no user name claim, signed with the secret → $INVALID invalid_token"
	noauth
else
	echo "# CONTRACT_SECRET is not set: the attacks that need the server's secret (a minted control, HS512 with the same secret, expired, no exp, exp as a string, iat and nbf ahead, no user name) are left out"
fi

# ---------------------------------------------------------------------------
# Refresh: rotation, reuse revokes the family, logout

req refresh POST /api/token "{\"refresh_token\":\"$SIGNUP_REFRESH\"}"
expect "POST /api/token with the sign-up's refresh token → 200" 200 -
check_token_body "token" "$U1"
ROTATED=$REFRESH
check_eq "… a new refresh token (rotation)" new "$([ -n "$ROTATED" ] && [ "$ROTATED" != "$SIGNUP_REFRESH" ] && echo new || echo same)"
auth "$ACCESS"
req refresh.access GET /api/userOrders
expect "… its access token works → 200" 200 -
noauth
req refresh.reuse POST /api/token "{\"refresh_token\":\"$SIGNUP_REFRESH\"}"
expect_invalid "the spent refresh token again → $INVALID invalid_token, with the invalid_token challenge"
req refresh.family POST /api/token "{\"refresh_token\":\"$ROTATED\"}"
expect_invalid "… which revoked its family: the rotated token → $INVALID invalid_token"
req refresh.unknown POST /api/token "{\"refresh_token\":\"$(openssl rand -hex 32)\"}"
expect_invalid "an unknown refresh token → $INVALID invalid_token"
req refresh.access-token POST /api/token "{\"refresh_token\":\"$SIGNUP_ACCESS\"}"
expect_invalid "an access token as the refresh token → $INVALID invalid_token"
req refresh.no-field POST /api/token '{}'
expect "no refresh_token → 400" 400 invalid_request
req refresh.number POST /api/token '{"refresh_token":12345}'
expect "a number for the refresh token → 400" 400 invalid_request

req logout.login POST /api/login "$(cred "$U1" "$PW")"
R3=$(json '.refresh_token // empty')
SECRETS+=("$R3")
req logout POST /api/logout "{\"refresh_token\":\"$R3\"}"
expect "POST /api/logout → 204" 204 -
check_eq "… with an empty body" "" "$BODY"
req logout.then-refresh POST /api/token "{\"refresh_token\":\"$R3\"}"
expect_invalid "the logged-out refresh token → $INVALID invalid_token"
req logout.again POST /api/logout "{\"refresh_token\":\"$R3\"}"
expect "logout again → 204 (idempotent)" 204 -
req logout.unknown POST /api/logout "{\"refresh_token\":\"$(openssl rand -hex 32)\"}"
expect "logout with an unknown refresh token → 204" 204 -
req logout.no-field POST /api/logout '{"token":"x"}'
expect "logout without refresh_token → 400" 400 invalid_request
req logout.login2 POST /api/login "$(cred "$U1" "$PW")"
R4=$(json '.refresh_token // empty')
req logout.rotate POST /api/token "{\"refresh_token\":\"$R4\"}"
R5=$(json '.refresh_token // empty')
SECRETS+=("$R4" "$R5")
req logout.spent POST /api/logout "{\"refresh_token\":\"$R4\"}"
req logout.family POST /api/token "{\"refresh_token\":\"$R5\"}"
expect_invalid "logout with an earlier token of a family revokes its rotated token → $INVALID invalid_token"

# ---------------------------------------------------------------------------
# Routes and methods

req route.unknown GET /api/nope
expect "GET /api/nope → 404 not_found" 404 not_found
req route.unknown-post POST /api/nope '{}'
expect "POST /api/nope → 404 not_found" 404 not_found
req route.prefix GET /api/userOrdersX
expect "GET /api/userOrdersX → 404 not_found" 404 not_found
req route.tokens POST /api/tokens '{}'
expect "POST /api/tokens → 404 not_found" 404 not_found
req route.sub POST /api/login/x "$(cred "$U1" "$PW")"
expect "POST /api/login/x → 404 not_found" 404 not_found
req method.orders-delete DELETE /api/userOrders
expect_allow "DELETE userOrders → 405, Allow: GET, HEAD, POST" "GET, HEAD, POST"
req method.orders-put PUT /api/userOrders '{"item":"book","quantity":1}'
expect_allow "PUT userOrders → 405, Allow: GET, HEAD, POST" "GET, HEAD, POST"
req method.signup-get GET /api/createNewUser
expect_allow "GET createNewUser → 405, Allow: POST" POST
req method.token-get GET /api/token
expect_allow "GET /api/token → 405, Allow: POST" POST
req method.logout-delete DELETE /api/logout
expect_allow "DELETE /api/logout → 405, Allow: POST" POST
req health GET /api/health
check_eq "GET /api/health, no token → 200 {\"status\":\"ok\"}" '200 {"status":"ok"}' "$STATUS $BODY"
req health.head HEAD /api/health
check_eq "HEAD /api/health → 200, no body" "200 " "$STATUS $BODY"
req health.post POST /api/health '{}'
expect_allow "POST /api/health → 405, Allow: GET, HEAD" "GET, HEAD"
req query GET "/api/userOrders?page=2"
expect_missing "a query string does not change the route (GET userOrders?page=2 without a token → 401)"

# ---------------------------------------------------------------------------
# Bodies: size and type

big=$(head -c 17408 /dev/zero | tr '\0' a)
req size.signup POST /api/createNewUser "{\"username\":\"${U1}m\",\"password\":\"$big\"}"
expect "a 17 KiB sign-up body → 413 payload_too_large" 413 payload_too_large
auth "$SIGNUP_ACCESS"
req size.orders POST /api/userOrders "{\"item\":\"$big\",\"quantity\":1}"
expect "a 17 KiB order body with a token → 413" 413 payload_too_large
noauth
req size.token POST /api/token "{\"refresh_token\":\"$big\"}"
expect "a 17 KiB refresh body → 413" 413 payload_too_large
huge=$(head -c 204800 /dev/zero | tr '\0' a)
req size.200k POST /api/login "{\"username\":\"$U1\",\"password\":\"$huge\"}"
expect "a 200 KiB login body → 413 payload_too_large" 413 payload_too_large
REQ_ARGS=(-H 'Transfer-Encoding: chunked')
req size.chunked POST /api/createNewUser "{\"username\":\"${U1}m\",\"password\":\"$big\"}"
expect "a 17 KiB chunked body (no Content-Length) → 413" 413 payload_too_large
auth "$SIGNUP_ACCESS"
REQ_ARGS+=(-H 'Transfer-Encoding: chunked')
req orders.chunked POST /api/userOrders '{"item":"chunked","quantity":4}'
expect "a small chunked order body → 201" 201 -
noauth
b16=$(cred "${U1}n" "")
b16=$(cred "${U1}n" "$(head -c $((16384 - ${#b16})) /dev/zero | tr '\0' q)")
req size.16k POST /api/createNewUser "$b16"
expect "exactly 16 KiB is not too large (→ 400 for the long password)" 400 invalid_request

REQ_CT=text/plain
req type.text POST /api/createNewUser "$(cred "${U1}o" "$PW")"
expect "Content-Type text/plain → 415 unsupported_media_type" 415 unsupported_media_type
REQ_CT=-
req type.none POST /api/login "$(cred "$U1" "$PW")"
expect "no Content-Type → 415" 415 unsupported_media_type
REQ_CT=application/x-www-form-urlencoded
req type.form POST /api/token "refresh_token=$R5"
expect "a form body → 415" 415 unsupported_media_type
REQ_CT='application/json; charset=latin1'
req type.latin1 POST /api/login "$(cred "$U1" "$PW")"
expect "application/json; charset=latin1 → 415" 415 unsupported_media_type
REQ_CT='application/json; charset=utf-8'
req type.utf8 POST /api/login "$(cred "$U1" "$PW")"
expect "application/json; charset=utf-8 → 200" 200 -
REQ_CT='Application/JSON'
req type.case POST /api/login "$(cred "$U1" "$PW")"
expect "Application/JSON (media types are case-insensitive) → 200" 200 -
SECRETS+=("$(json '.refresh_token // empty')")
REQ_CT=

# ---------------------------------------------------------------------------
# Login throttling holds under concurrency: every attempt is counted before
# its password is hashed, so parallel ones cannot all slip past the limit.

LOGIN_MAX=${CONTRACT_LOGIN_MAX:-5}
UT=ct${RND}t
req throttle.signup POST /api/createNewUser "$(cred "$UT" "$PW")"
expect "throttling: a fresh user signs up → 201" 201 -
for i in $(seq 32); do
	curl -sS -o /dev/null -w '%{http_code}\n' --max-time 60 -H 'Expect:' \
	    -H 'Content-Type: application/json' \
	    --data-binary "$(cred "$UT" "wrong password $i")" \
	    "$BASE/api/login" >"$T_TMP/burst.$i" 2>/dev/null &
done
wait
burst=$(cat "$T_TMP"/burst.* | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')
check_eq "32 parallel wrong logins (LOGIN_MAX_FAILURES=$LOGIN_MAX): exactly $LOGIN_MAX × 401, the rest 429" \
    "${LOGIN_MAX}×401 $((32 - LOGIN_MAX))×429 " "$burst"
printf 'throttle.burst %s\n' "${burst// /_}" >>"$SUMMARY"
req throttle.right POST /api/login "$(cred "$UT" "$PW")"
expect "… then the right password from the same address → 429 too_many_requests" 429 too_many_requests
check_match "… with Retry-After in seconds (at most the 15 minute window)" '^[1-9][0-9]*$' "$(header Retry-After)"

# ---------------------------------------------------------------------------
# Pages on other origins (CORS): the executables answer the preflight and
# add the headers; the web server passes OPTIONS through and adds none.

# cors_lines: the last answer's Access-Control-* and Vary lines, sorted,
# joined by "|" ("" when none).
cors_lines() {
	printf '%s' "$HEADERS" | grep -iE '^(Access-Control-[A-Za-z-]*|Vary):' |
	    sort | paste -sd'|'
}
# cors_want ORIGIN [METHODS]: what the answer to a listed ORIGIN carries,
# as cors_lines prints it; with METHODS, a preflight's answer.
cors_want() {
	{
		printf '%s\n' "Access-Control-Allow-Origin: $1" "Vary: Origin" \
		    "Access-Control-Expose-Headers: Retry-After, WWW-Authenticate, Auth-Mode"
		[ $# -lt 2 ] || printf '%s\n' "Access-Control-Allow-Methods: $2" \
		    "Access-Control-Allow-Headers: Authorization, Content-Type" \
		    "Access-Control-Max-Age: 600"
	} | sort | paste -sd'|'
}
# expect_cors NAME STATUS ERROR WANT: the last answer, and exactly the CORS
# lines WANT ("" for none: the browser then keeps the answer from the page).
expect_cors() {
	if [ "$STATUS $ERR" = "$2 $3" ] && [ "$(cors_lines)" = "$4" ]; then
		t_ok "$1"
	else
		t_fail "$1" "expected: $2 $3, ${4:-no CORS header}" \
		    "got:      $STATUS $ERR, $(cors_lines)" "body:     ${BODY:0:300}"
	fi
}
# preflight NAME PATH ORIGIN [METHOD]: OPTIONS as a browser sends it before
# a JSON request with a bearer token.
preflight() {
	REQ_ARGS=(-H "Origin: $3" -H "Access-Control-Request-Method: ${4:-POST}"
	    -H 'Access-Control-Request-Headers: authorization,content-type')
	req "$1" OPTIONS "$2"
	noauth
}

if [ -n "${CONTRACT_CORS_ORIGIN:-}" ]; then
	CO=$CONTRACT_CORS_ORIGIN
	# The same host with another port, and with the other scheme.
	case $CO in
	*:[0-9]*) CO_PORT=${CO%:*}:$((${CO##*:} + 1)) ;;
	http://*) CO_PORT=$CO:8081 ;;
	*) CO_PORT=$CO:8443 ;;
	esac
	case $CO in
	http://*) CO_SCHEME=https://${CO#http://} ;;
	*) CO_SCHEME=http://${CO#https://} ;;
	esac
	preflight cors.preflight-signup /api/createNewUser "$CO"
	expect_cors "preflight of POST /api/createNewUser from $CO → 204 with its CORS headers, once each (the web server adds none)" \
	    204 - "$(cors_want "$CO" POST)"
	preflight cors.preflight-orders /api/userOrders "$CO" GET
	expect_cors "preflight of /api/userOrders → 204, Allow-Methods: GET, HEAD, POST" \
	    204 - "$(cors_want "$CO" 'GET, HEAD, POST')"
	preflight cors.preflight-token /api/token "$CO"
	expect_cors "preflight of /api/token → 204, Allow-Methods: POST" 204 - "$(cors_want "$CO" POST)"
	UC=ct${RND}c
	REQ_ARGS=(-H "Origin: $CO")
	req cors.signup POST /api/createNewUser "$(cred "$UC" "$PW")"
	expect_cors "sign-up from $CO → 201 with Allow-Origin, Expose-Headers and Vary" 201 - "$(cors_want "$CO")"
	SECRETS+=("$(json '.refresh_token // empty')")
	hdr "Authorization: Bearer $(json '.access_token // empty')"
	REQ_ARGS+=(-H "Origin: $CO")
	req cors.orders-post POST /api/userOrders '{"item":"cors","quantity":1}'
	expect_cors "POST userOrders from $CO → 201 with the CORS headers" 201 - "$(cors_want "$CO")"
	req cors.orders-get GET /api/userOrders
	expect_cors "GET userOrders from $CO → 200 with the CORS headers" 200 - "$(cors_want "$CO")"
	REQ_ARGS=(-H "Origin: $CO")
	req cors.missing GET /api/userOrders
	expect_cors "a 401 from $CO carries them too (the page reads WWW-Authenticate)" 401 missing_token "$(cors_want "$CO")"
	for o in http://evil.example null "$CO_PORT" "$CO_SCHEME"; do
		preflight "cors.preflight-refused.$o" /api/createNewUser "$o"
		expect_cors "preflight from $o (not listed) → 403 origin_not_allowed, no CORS header" \
		    403 origin_not_allowed ""
		REQ_ARGS=(-H "Origin: $o")
		req "cors.unlisted.$o" POST /api/login "$(cred "$UC" "$PW")"
		expect_cors "login from $o (not listed) → 200, no CORS header" 200 - ""
		SECRETS+=("$(json '.refresh_token // empty')")
	done
	noauth
	req cors.no-origin-options OPTIONS /api/login
	expect_allow "OPTIONS without Origin (no preflight) → 405, Allow: POST" POST
else
	echo "# CONTRACT_CORS_ORIGIN is not set: the checks of pages on other origins (CORS) are left out"
fi

# ---------------------------------------------------------------------------
# Every answer

check_eq "every error body is exactly {\"error\", \"message\"} (strings)" "" "$BAD_BODIES"
check_eq "no answer carries the secret or an earlier refresh token; no error carries a JWT" "" "$LEAKS"

if [ -n "${CONTRACT_SUMMARY:-}" ]; then
	cp "$SUMMARY" "$CONTRACT_SUMMARY" || t_fail "write CONTRACT_SUMMARY=$CONTRACT_SUMMARY"
fi
t_done
