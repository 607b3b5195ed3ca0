#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-http.sh: end to end through lighttpd, started from the real
# deploy/lighttpd.conf (its parameters from the environment, a free port on
# 127.0.0.1, `lighttpd -D -f`), which spawns the three executables itself;
# every request is made with curl.  Covers: the whole flow and its error
# statuses and headers as docs/api.md states them, chunked bodies, sign-ups,
# order writes and refreshes racing each other, what lighttpd logs, and that
# lighttpd and every backend it spawned stop.  Ends with
# "http: N passed, N failed".
T_NAME=http
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
export LC_ALL=C
umask 0077

LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
CONF=$ROOT/deploy/lighttpd.conf
t_require curl jq lighttpd

t_tmpdir
LPID=
BACKENDS=()
JOBS=()		# background curl jobs (each under --max-time)
cleanup() {
	stop_pids "${JOBS[@]}"
	stop_lighttpd >/dev/null
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

SECRET=$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')	# 96 bytes of hex
RUN_DIR=$T_TMP/run
LOG_DIR=$T_TMP/log
mkdir -p "$RUN_DIR" "$LOG_DIR"
ENV_FILE=$T_TMP/auth.env
# Dozens of sign-ups from 127.0.0.1 here: the per-address sign-up limit
# (tests/suite-throttle.sh tests it) would stop them.
printf 'TOKEN_SECRET=%s\nSIGNUP_MAX_PER_ADDRESS=0\n' "$SECRET" >"$ENV_FILE"
DATABASE_PATH=$T_TMP/auth.db
ERRLOG=$LOG_DIR/lighttpd-error.log
STDERR=$T_TMP/lighttpd.stderr	# lighttpd's, and so the backends' stderr


REQ_ARGS=()
REQ_CT=
# req METHOD PATH [BODY]: one request.  Extra curl arguments in REQ_ARGS;
# the body goes as JSON unless REQ_CT names another type ("-" for none).
# Sets STATUS, HEADERS and BODY.
req() {
	local ct
	local -a a=(-sS --max-time 20 -X "$1" -D "$T_TMP/h" -o "$T_TMP/b"
	    -w '%{http_code}')
	if [ $# -ge 3 ]; then
		a+=(--data-binary "$3")
		ct=${REQ_CT:-application/json}
		if [ "$ct" = - ]; then a+=(-H 'Content-Type:'); else a+=(-H "Content-Type: $ct"); fi
	fi
	: >"$T_TMP/h"
	: >"$T_TMP/b"
	STATUS=$(curl "${a[@]}" "${REQ_ARGS[@]}" "$URL$2" 2>>"$T_TMP/curl.err")
	HEADERS=$(cat "$T_TMP/h")
	BODY=$(cat "$T_TMP/b")
}

# bg_req OUT METHOD PATH BODY [curl args...]: a request for a background
# job: appends "BODY<TAB>STATUS" as one line to OUT.
bg_req() {
	local out=$1 method=$2 path=$3 body=$4 line
	shift 4
	line=$(curl -sS --max-time 20 -X "$method" -o - -w '\t%{http_code}' \
	    -H 'Content-Type: application/json' --data-binary "$body" "$@" \
	    "$URL$path" 2>>"$T_TMP/curl.err")
	# One line each (a body ends with a newline), in one write.
	printf '%s\n' "${line//$'\n'/}" >>"$out"
}

# codes FILE...: the status column of bg_req lines, counted ("3 201 ...").
codes() { cut -f2 "$@" | sort | uniq -c | awk '{ printf "%s%s×%s", (NR > 1 ? " " : ""), $2, $1 }'; }

# ---------------------------------------------------------------------
# Start
# ---------------------------------------------------------------------
t0=$(now_ms)
if ! start_lighttpd; then
	t_fail "lighttpd starts from deploy/lighttpd.conf" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
	t_done
	exit 1
fi
t_ok "lighttpd starts from deploy/lighttpd.conf on 127.0.0.1:$PORT ($(($(now_ms) - t0)) ms)"
declare -A PROCS
for s in login userorders refresh authorize; do PROCS[$s]=$(conf_procs "$s"); done
check_eq "it spawned max-procs processes of each executable (login ${PROCS[login]}, userorders ${PROCS[userorders]}, refresh ${PROCS[refresh]}, authorize ${PROCS[authorize]})" \
    $((PROCS[login] + PROCS[userorders] + PROCS[refresh] + PROCS[authorize])) "${#BACKENDS[@]}"
bad=
for s in login userorders refresh authorize; do
	for n in $(seq 0 $((PROCS[$s] - 1))); do
		m=$(stat -c %a "$RUN_DIR/$s.sock-$n" 2>/dev/null)
		[ -n "$m" ] && [ $((8#$m & 8#007)) -eq 0 ] || bad="$bad $s.sock-$n:${m:-missing}"
	done
done
check_eq "the backend sockets exist and others have no access" "" "$bad"

# ---------------------------------------------------------------------
# The whole flow
# ---------------------------------------------------------------------
PW='correct horse battery'
req POST /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "createNewUser → 201" 201 "$STATUS"
check_eq "… token body (Bearer, 1800 s)" "Bearer 1800" "$(json '"\(.token_type) \(.expires_in)"')"
check_eq "… Cache-Control: no-store" no-store "$(header Cache-Control)"
check_match "… Content-Type JSON" '^application/json' "$(header Content-Type)"
ACCESS=$(json .access_token)
RTOK=$(json .refresh_token)
req POST /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "the same user again → 409 user_exists" "409 user_exists" "$STATUS $(json .error)"
req POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "login → 200" 200 "$STATUS"
LOGIN_ACCESS=$(json .access_token)
req POST /api/login '{"username":"alice","password":"not the password"}'
check_eq "wrong password → 401 invalid_credentials" "401 invalid_credentials" "$STATUS $(json .error)"
req POST /api/login "{\"username\":\"nobody\",\"password\":\"$PW\"}"
check_eq "unknown user → 401 invalid_credentials" "401 invalid_credentials" "$STATUS $(json .error)"

REQ_ARGS=(-H "Authorization: Bearer $ACCESS")
req GET /api/userOrders
check_eq "GET userOrders with the token (Authorization through lighttpd) → 200" 200 "$STATUS"
check_eq "… alice's empty list" "alice 0" "$(json '"\(.username) \(.orders | length)"')"
req POST /api/userOrders '{"item":"book","quantity":2}'
check_eq "POST userOrders → 201" 201 "$STATUS"
check_eq "… the stored order" "book 2" "$(json '"\(.item) \(.quantity)"')"
REQ_ARGS+=(-H 'Transfer-Encoding: chunked')
req POST /api/userOrders '{"item":"chunked","quantity":3}'
check_eq "a chunked POST body → 201" "201 chunked" "$STATUS $(json .item)"
REQ_ARGS=(-H "Authorization: Bearer $LOGIN_ACCESS")
req GET '/api/userOrders?page=1'
check_eq "GET with a query string and the login's token → 200, oldest first" "200 book,chunked" \
    "$STATUS $(json '[.orders[].item] | join(",")')"
req GET /api/userOrders/
check_eq "GET /api/userOrders/ (final slash) → 200" 200 "$STATUS"

REQ_ARGS=()
req GET /api/userOrders
check_eq "no Authorization → 401 missing_token" "401 missing_token" "$STATUS $(json .error)"
check_eq "… WWW-Authenticate: Bearer realm=\"api\"" 'Bearer realm="api"' "$(header WWW-Authenticate)"
REQ_ARGS=(-H "Authorization: Basic YWxpY2U6eA==")
req GET /api/userOrders
check_eq "Basic credentials → 401 with the bare challenge" '401 Bearer realm="api"' "$STATUS $(header WWW-Authenticate)"
REQ_ARGS=(-H "Authorization: Bearer $ACCESS" -H "Authorization: Bearer $ACCESS")
req GET /api/userOrders
check_eq "two Authorization headers (lighttpd joins them) → 401" 401 "$STATUS"
REQ_ARGS=(-H "Authorization: Bearer ${ACCESS%?}A")
[ "${ACCESS: -1}" = A ] && REQ_ARGS=(-H "Authorization: Bearer ${ACCESS%?}B")
req GET /api/userOrders
check_eq "tampered token → 403 invalid_token" "403 invalid_token" "$STATUS $(json .error)"
check_match "… WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=…" \
    '^Bearer realm="api", error="invalid_token", error_description="[^"]+"$' "$(header WWW-Authenticate)"
now=$(date +%s)
REQ_ARGS=(-H "Authorization: Bearer $(mint_none "{\"sub\":\"alice\",\"username\":\"alice\",\"iat\":$now,\"exp\":$((now + 600))}")")
req GET /api/userOrders
check_eq "alg none token → 403" 403 "$STATUS"
if command -v openssl >/dev/null; then
	REQ_ARGS=(-H "Authorization: Bearer $(mint_hs256 "$SECRET" '{"alg":"HS256","typ":"JWT"}' \
	    "{\"sub\":\"minted\",\"username\":\"minted\",\"iat\":$now,\"exp\":$((now + 600))}")")
	req GET /api/userOrders
	check_eq "a token minted with the secret (as jsonwebtoken would) → 200" "200 minted" "$STATUS $(json .username)"
	REQ_ARGS=(-H "Authorization: Bearer $(mint_hs256 "$SECRET" '{"alg":"HS256","typ":"JWT"}' \
	    "{\"sub\":\"alice\",\"username\":\"alice\",\"iat\":$((now - 100)),\"exp\":$((now - 10))}")")
	req GET /api/userOrders
	check_eq "an expired token → 403" 403 "$STATUS"
fi

REQ_ARGS=()
req GET /api/nope
check_eq "/api/nope → 404 not_found" "404 not_found" "$STATUS $(json .error)"
req GET /api/userOrdersX
check_eq "/api/userOrdersX → 404" 404 "$STATUS"
# HS256: no JWK Set file, so lighttpd's own 404, as the JSON body above.
req GET /.well-known/jwks.json
check_eq "/.well-known/jwks.json without the file (HS256) → the JSON 404" \
    "404 application/json {\"error\":\"not_found\",\"message\":\"No such endpoint\"} 0a" \
    "$STATUS $(header Content-Type) $BODY $(tail -c 1 "$T_TMP/b" | od -An -tx1 | tr -d ' ')"
req DELETE /api/userOrders
check_eq "DELETE userOrders → 405, Allow: GET, HEAD, POST" "405 GET, HEAD, POST" "$STATUS $(header Allow)"
req GET /api/createNewUser
check_eq "GET createNewUser → 405, Allow: POST" "405 POST" "$STATUS $(header Allow)"
big=$(head -c 17408 /dev/zero | tr '\0' a)
REQ_ARGS=(-H "Authorization: Bearer $ACCESS")
req POST /api/userOrders "{\"item\":\"$big\",\"quantity\":1}"
check_eq "a 17 KiB body → 413 payload_too_large" "413 payload_too_large" "$STATUS $(json .error)"
REQ_ARGS+=(-H 'Transfer-Encoding: chunked')
req POST /api/userOrders "{\"item\":\"$big\",\"quantity\":1}"
check_eq "a 17 KiB chunked body → 413" 413 "$STATUS"
REQ_ARGS=()
REQ_CT=text/plain
req POST /api/createNewUser "{\"username\":\"bob\",\"password\":\"$PW\"}"
check_eq "text/plain → 415 unsupported_media_type" "415 unsupported_media_type" "$STATUS $(json .error)"
REQ_CT=-
req POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "no Content-Type → 415" 415 "$STATUS"
REQ_CT=
req POST /api/login '{"username":"alice"}'
check_eq "a missing field → 400 invalid_request" "400 invalid_request" "$STATUS $(json .error)"
# deploy/lighttpd.conf normalises the URL "so /api/x/../login routes as
# /api/login" (its own words); the executable must then answer that route.
REQ_ARGS=(--path-as-is)
req POST /api/x/../login "{\"username\":\"alice\",\"password\":\"$PW\"}"
REQ_ARGS=()
check_eq "/api/x/../login (normalised by lighttpd, as the conf says) → 200" 200 "$STATUS"

# Refresh: rotation, reuse detection, logout.
req POST /api/token "{\"refresh_token\":\"$RTOK\"}"
check_eq "refresh → 200" 200 "$STATUS"
RTOK2=$(json .refresh_token)
NEW_ACCESS=$(json .access_token)
if [ -n "$RTOK2" ] && [ "$RTOK2" != "$RTOK" ]; then
	t_ok "… a new refresh token (rotation)"
else
	t_fail "… a new refresh token (rotation)" "old $RTOK" "new $RTOK2"
fi
REQ_ARGS=(-H "Authorization: Bearer $NEW_ACCESS")
req GET /api/userOrders
REQ_ARGS=()
check_eq "… its access token works" 200 "$STATUS"
req POST /api/token "{\"refresh_token\":\"$RTOK\"}"
check_eq "the spent refresh token again → 403 invalid_token" "403 invalid_token" "$STATUS $(json .error)"
check_match "… with WWW-Authenticate error=\"invalid_token\"" 'error="invalid_token"' "$(header WWW-Authenticate)"
req POST /api/token "{\"refresh_token\":\"$RTOK2\"}"
check_eq "reuse revoked the family: the rotated token → 403" 403 "$STATUS"
req POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
RTOK3=$(json .refresh_token)
req POST /api/logout "{\"refresh_token\":\"$RTOK3\"}"
check_eq "logout → 204" 204 "$STATUS"
check_eq "… with no body" "" "$BODY"
req POST /api/token "{\"refresh_token\":\"$RTOK3\"}"
check_eq "refresh after logout → 403" 403 "$STATUS"
req POST /api/logout "{\"refresh_token\":\"$RTOK3\"}"
check_eq "logout again → 204 (idempotent)" 204 "$STATUS"
req POST /api/token '{"refresh_token":"not-a-token-of-ours"}'
check_eq "an unknown refresh token → 403" 403 "$STATUS"
req GET /
check_eq "the static page at / → 200" 200 "$STATUS"

# ---------------------------------------------------------------------
# Concurrency
# ---------------------------------------------------------------------
CONC=$T_TMP/conc
mkdir -p "$CONC"

# 20 sign-ups of distinct users at once.
t0=$(now_ms)
for i in $(seq 20); do
	bg_req "$CONC/signup.$i" POST /api/createNewUser "{\"username\":\"user$i\",\"password\":\"$PW\"}" &
	JOBS+=($!)
done
wait "${JOBS[@]}"
signup_ms=$(($(now_ms) - t0))
check_eq "20 concurrent sign-ups of distinct users → all 201 ($signup_ms ms)" "201×20" "$(codes "$CONC"/signup.*)"

# 10 sign-ups of the same name at once.
t0=$(now_ms)
JOBS=()
for i in $(seq 10); do
	bg_req "$CONC/same.$i" POST /api/createNewUser "{\"username\":\"samename\",\"password\":\"$PW $i\"}" &
	JOBS+=($!)
done
wait "${JOBS[@]}"
same_ms=$(($(now_ms) - t0))
check_eq "10 concurrent sign-ups of the same name → one 201, nine 409 ($same_ms ms)" "201×1 409×9" "$(codes "$CONC"/same.*)"
winner=$(grep -h $'\t201$' "$CONC"/same.* | cut -f1 | jq -r .refresh_token 2>/dev/null)
n=0
for i in $(seq 10); do
	if grep -q $'\t201$' "$CONC/same.$i"; then
		req POST /api/login "{\"username\":\"samename\",\"password\":\"$PW $i\"}"
		n=$STATUS
	fi
done
check_eq "… the password of the one that got 201 is the one stored" 200 "$n"

# 200 order writes: 8 loops of 25 by 4 users.
USERS=(ord0 ord1 ord2 ord3)
declare -A TOK
for u in "${USERS[@]}"; do
	req POST /api/createNewUser "{\"username\":\"$u\",\"password\":\"$PW\"}"
	TOK[$u]=$(json .access_token)
done
order_loop() {
	local k=$1 u=$2 i
	for i in $(seq 25); do
		bg_req "$CONC/orders.$u.$k" POST /api/userOrders "{\"item\":\"w$k-$i\",\"quantity\":$((i % 7 + 1))}" \
		    -H "Authorization: Bearer ${TOK[$u]}"
	done
}
t0=$(now_ms)
JOBS=()
for k in $(seq 0 7); do
	order_loop "$k" "${USERS[$((k % 4))]}" &
	JOBS+=($!)
done
wait "${JOBS[@]}"
orders_ms=$(($(now_ms) - t0))
check_eq "200 order writes by 8 parallel loops → all 201 ($orders_ms ms, $((200000 / (orders_ms > 0 ? orders_ms : 1))) req/s)" \
    "201×200" "$(codes "$CONC"/orders.*)"
bad=
for u in "${USERS[@]}"; do
	acked=$(cat "$CONC"/orders."$u".* 2>/dev/null | grep $'\t201$' | cut -f1 | jq -r .id | sort -n | tr '\n' ' ')
	REQ_ARGS=(-H "Authorization: Bearer ${TOK[$u]}")
	req GET /api/userOrders
	listed=$(json '.orders[].id' | sort -n | tr '\n' ' ')
	nacked=$(wc -w <<<"$acked")
	nlisted=$(json '.orders | length')
	[ "$STATUS" = 200 ] && [ "$acked" = "$listed" ] && [ "$nacked" = 50 ] && [ "$nlisted" = 50 ] ||
		bad="$bad $u: status $STATUS, $nacked acknowledged, $nlisted listed;"
	# oldest first: ids ascending in the list as sent
	[ "$(json '[.orders[].id] == ([.orders[].id] | sort)')" = true ] || bad="$bad $u: not oldest first;"
done
REQ_ARGS=()
check_eq "… every acknowledged id is listed for its user, 50 each, nothing else" "" "$bad"

# The refresh race: one refresh token sent 8 times at once, three rounds.
race_ms=0
bad=
for round in 1 2 3; do
	req POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
	rt=$(json .refresh_token)
	t0=$(now_ms)
	JOBS=()
	for i in $(seq 8); do
		bg_req "$CONC/race.$round.$i" POST /api/token "{\"refresh_token\":\"$rt\"}" &
		JOBS+=($!)
	done
	wait "${JOBS[@]}"
	race_ms=$((race_ms + $(now_ms) - t0))
	c=$(codes "$CONC"/race."$round".*)
	wins=$(cat "$CONC"/race."$round".* | grep -c $'\t200$')
	others=$(cat "$CONC"/race."$round".* | grep -vc $'\t\\(200\\|403\\)$')
	if [ "$wins" -gt 1 ] || [ "$others" -ne 0 ]; then
		bad="$bad round $round: $c;"
		continue
	fi
	if [ "$wins" -eq 1 ]; then
		won=$(grep -h $'\t200$' "$CONC"/race."$round".* | cut -f1 | jq -r .refresh_token)
		req POST /api/token "{\"refresh_token\":\"$won\"}"
		[ "$STATUS" = 403 ] || bad="$bad round $round: the winner's token → $STATUS, not 403 (reuse did not revoke the family);"
	fi
	echo "# refresh race round $round: $c"
done
check_eq "the same refresh token 8 times at once (3 rounds, $race_ms ms): at most one 200, the rest 403, and the winner's token revoked after" "" "$bad"

all=$(cat "$CONC"/* 2>/dev/null)
check_eq "no 500/503 (or 000: no answer) anywhere in the concurrent runs" "" \
    "$(printf '%s\n' "$all" | grep -E $'\t(5[0-9][0-9]|000)$' | head -n 3)"
check_eq "no body says \"locked\"" "" "$(printf '%s\n' "$all" | grep -i locked | head -n 3)"

# ---------------------------------------------------------------------
# Logs, and stopping
# ---------------------------------------------------------------------
alive=0
for p in "${BACKENDS[@]}"; do pid_alive "$p" && alive=$((alive + 1)); done
check_eq "the ${#BACKENDS[@]} backends spawned at start are all still running" "${#BACKENDS[@]}" "$alive"
check_eq "no backend died (no \"child exited\" in the error log)" "" \
    "$(grep -i 'child exited' "$ERRLOG" "$STDERR" 2>/dev/null | head -n 3)"
if ms=$(stop_lighttpd); then
	t_ok "SIGTERM stops lighttpd and all its backends ($ms ms)"
else
	t_fail "SIGTERM stops lighttpd and all its backends" "SIGKILL was needed after $ms ms"
fi
if [ -s "$ERRLOG" ]; then
	t_ok "lighttpd wrote its error log"
else
	t_fail "lighttpd wrote its error log" "$ERRLOG is empty"
fi
leak=
for f in "$ERRLOG" "$STDERR" "$LOG_DIR/lighttpd-access.log"; do
	[ -f "$f" ] || continue
	for what in secret:"$SECRET" access-token:eyJ refresh-token:"$RTOK" \
	    refresh-token:"${winner:-$RTOK}" password:"$PW"; do
		grep -qF -e "${what#*:}" "$f" && leak="$leak $(basename "$f"):${what%%:*}"
	done
done
check_eq "no secret, access token (eyJ), refresh token or password in lighttpd's logs or stderr" "" "$leak"
t_done
