#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-fcgi.sh: the three executables over the real FastCGI
# protocol.  Each runs as a long-lived worker under `spawn-fcgi -n` on a
# unix socket in a private temporary folder, and every request goes through
# `cgi-fcgi -bind -connect SOCKET` (CGI-style params plus a body on stdin).
# Covers: the routes and their statuses, many requests on one process with
# no state leaking between them, CONTENT_LENGTH shapes and short bodies, the
# secret kept from start-up, SIGTERM while idle and mid-request, clients
# that go away, several children on one socket (spawn-fcgi -F), and workers
# starting together on a fresh database.  Ends with
# "fcgi: N passed, N failed".
T_NAME=fcgi
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
# shellcheck source=tests/fcgi/helpers.sh
. "$ROOT/tests/fcgi/helpers.sh"
export LC_ALL=C
umask 0077

CGI_FCGI=$(command -v cgi-fcgi)
SPAWN_FCGI=$(PATH=$PATH:/usr/sbin:/sbin command -v spawn-fcgi)
t_require cgi-fcgi spawn-fcgi jq openssl timeout python3

t_tmpdir
WORKERS=()	# every worker started here, stopped by PID at exit
CLIENTS=()	# background cgi-fcgi clients (each under timeout)
cleanup() {
	exec 7>&- 2>/dev/null
	stop_pids "${CLIENTS[@]}" "${WORKERS[@]}"
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

SECRET=$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')	# 96 bytes of hex
OTHER_SECRET=$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')
DB=$T_TMP/auth.db
printf 'TOKEN_SECRET=%s\n' "$SECRET" >"$T_TMP/secret.env"
: >"$T_TMP/empty.env"
FCGI_ENV=()
FCGI_CT=

# sockets PID: how many sockets the process holds open.
sockets() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }

# slow_client SOCK METHOD URI LENGTH [NAME=value...]: cgi-fcgi reading its
# body from a FIFO held open on fd 7; write the body with `>&7`, end it with
# `exec 7>&-`.  Sets CPID (timeout's PID; TERM reaches cgi-fcgi); the
# response goes to $T_TMP/slow.out.
slow_client() {
	local sock=$1 method=$2 uri=$3 len=$4
	shift 4
	rm -f "$T_TMP/fifo"
	mkfifo "$T_TMP/fifo"
	timeout 15 env -i REQUEST_METHOD="$method" REQUEST_URI="$uri" \
	    SCRIPT_NAME="$uri" CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$len" "$@" "$CGI_FCGI" -bind -connect "$sock" \
	    <"$T_TMP/fifo" >"$T_TMP/slow.out" 2>&1 &
	CPID=$!
	CLIENTS+=("$CPID")
	exec 7<>"$T_TMP/fifo"	# read-write: never blocks on a FIFO
}

# wait_accepted PID BASE: until the worker holds more than BASE sockets (it
# accepted our connection), at most 3 s.
wait_accepted() {
	local i
	for i in $(seq 60); do
		[ "$(sockets "$1")" -gt "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_client: reap the slow client (bounded by its timeout).
wait_client() { wait "$CPID" 2>/dev/null; }

# ---------------------------------------------------------------------
# Workers: login and refresh read the secret from ENV_FILE, userorders
# from its environment (ENV_FILE empty): tokens must cross.
# ---------------------------------------------------------------------
LOGIN=$T_TMP/login.sock
ORDERS=$T_TMP/userorders.sock
REFRESH=$T_TMP/refresh.sock
start_worker "$LOGIN" login ENV_FILE="$T_TMP/secret.env"; LOGIN_PID=$WPID
check_eq "login worker starts under spawn-fcgi and answers 404" 404 "$STATUS"
start_worker "$ORDERS" userorders ENV_FILE="$T_TMP/empty.env" TOKEN_SECRET="$SECRET"; ORDERS_PID=$WPID
check_eq "userorders worker starts (secret in its environment)" 404 "$STATUS"
start_worker "$REFRESH" refresh ENV_FILE="$T_TMP/secret.env"; REFRESH_PID=$WPID
check_eq "refresh worker starts" 404 "$STATUS"
mode=$(stat -c %a "$ORDERS" 2>/dev/null)
check_eq "worker socket is mode 0660 (-M 0660)" 660 "$mode"

# ---------------------------------------------------------------------
# The routes
# ---------------------------------------------------------------------
PW='correct horse battery'
fcgi "$LOGIN" POST /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "createNewUser → 201" 201 "$STATUS"
check_eq "token body: token_type Bearer, expires_in 1800" "Bearer 1800" "$(json '"\(.token_type) \(.expires_in)"')"
check_eq "token response has Cache-Control: no-store" no-store "$(header Cache-Control)"
check_match "token response is JSON" '^application/json' "$(header Content-Type)"
ACCESS=$(json .access_token)
RTOK=$(json .refresh_token)
check_match "access token is a JWT" '^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$ACCESS"

fcgi "$LOGIN" POST /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "createNewUser again → 409 user_exists" "409 user_exists" "$STATUS $(json .error)"
fcgi "$LOGIN" POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "login → 200" 200 "$STATUS"
LOGIN_RTOK=$(json .refresh_token)
fcgi "$LOGIN" POST /api/login '{"username":"alice","password":"wrong password"}'
check_eq "login, wrong password → 401 invalid_credentials" "401 invalid_credentials" "$STATUS $(json .error)"
fcgi "$LOGIN" GET /api/login
check_eq "GET /api/login → 405" 405 "$STATUS"
check_eq "405 names the allowed method" POST "$(header Allow)"
fcgi "$LOGIN" POST /api/nope '{}'
check_eq "unknown path → 404 not_found" "404 not_found" "$STATUS $(json .error)"
fcgi "$ORDERS" GET /api/login
check_eq "a route of another executable → 404" 404 "$STATUS"
FCGI_CT=text/plain
fcgi "$LOGIN" POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
FCGI_CT=
check_eq "text/plain body → 415" 415 "$STATUS"
big=$(head -c 17408 /dev/zero | tr '\0' a)
fcgi "$LOGIN" POST /api/login "{\"username\":\"alice\",\"password\":\"$big\"}"
check_eq "17 KiB body → 413" 413 "$STATUS"
fcgi "$LOGIN" POST /api/login '[1,2]'
check_eq "a body that is not an object → 400" 400 "$STATUS"

FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
fcgi "$ORDERS" GET /api/userOrders
check_eq "GET userOrders with the bearer token → 200" 200 "$STATUS"
check_eq "the list is alice's, empty" "alice 0" "$(json '"\(.username) \(.orders | length)"')"
fcgi "$ORDERS" POST /api/userOrders '{"item":"book","quantity":2}'
check_eq "POST userOrders → 201" 201 "$STATUS"
check_eq "the stored order comes back" "book 2" "$(json '"\(.item) \(.quantity)"')"
fcgi "$ORDERS" PUT /api/userOrders '{}'
check_eq "PUT userOrders → 405" 405 "$STATUS"
check_eq "405 Allow lists GET, HEAD and POST" "GET, HEAD, POST" "$(header Allow)"
FCGI_ENV=()
fcgi "$ORDERS" GET /api/userOrders
check_eq "no Authorization → 401 missing_token" "401 missing_token" "$STATUS $(json .error)"
check_eq "401 carries WWW-Authenticate: Bearer realm=\"api\"" 'Bearer realm="api"' "$(header WWW-Authenticate)"
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer ${ACCESS%?}x")
fcgi "$ORDERS" GET /api/userOrders
check_eq "tampered token → 403 invalid_token" "403 invalid_token" "$STATUS $(json .error)"
check_match "403 carries error=\"invalid_token\"" '^Bearer realm="api", error="invalid_token", error_description="[^"]+"$' "$(header WWW-Authenticate)"
FCGI_ENV=()

fcgi "$REFRESH" POST /api/token "{\"refresh_token\":\"$RTOK\"}"
check_eq "refresh → 200" 200 "$STATUS"
RTOK2=$(json .refresh_token)
if [ -n "$RTOK2" ] && [ "$RTOK2" != "$RTOK" ]; then
	t_ok "refresh rotates the refresh token"
else
	t_fail "refresh rotates the refresh token" "old: $RTOK" "new: $RTOK2"
fi
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $(json .access_token)")
fcgi "$ORDERS" GET /api/userOrders
FCGI_ENV=()
check_eq "the refreshed access token works at userorders" 200 "$STATUS"
fcgi "$REFRESH" POST /api/logout "{\"refresh_token\":\"$RTOK2\"}"
check_eq "logout → 204" 204 "$STATUS"
fcgi "$REFRESH" POST /api/token "{\"refresh_token\":\"$RTOK2\"}"
check_eq "refresh after logout → 403" 403 "$STATUS"
fcgi "$REFRESH" POST /api/token "{\"refresh_token\":\"$LOGIN_RTOK\"}"
check_eq "another login's refresh token is not touched by that logout → 200" 200 "$STATUS"
fcgi "$REFRESH" GET /api/token
check_eq "GET /api/token → 405 Allow: POST" "405 POST" "$STATUS $(header Allow)"

# ---------------------------------------------------------------------
# CONTENT_LENGTH shapes
# ---------------------------------------------------------------------
for shape in unset empty zero; do
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
	case $shape in
	empty) FCGI_ENV+=(CONTENT_LENGTH=) ;;
	zero) FCGI_ENV+=(CONTENT_LENGTH=0) ;;
	esac
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	check_eq "GET with CONTENT_LENGTH $shape → 200" 200 "$STATUS"
done
FCGI_ENV=(CONTENT_LENGTH=100)
fcgi "$LOGIN" POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "short body (CONTENT_LENGTH 100, fewer bytes sent) → 400" "400 invalid_request" "$STATUS $(json .error)"
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS" CONTENT_LENGTH=50)
fcgi "$ORDERS" POST /api/userOrders '{"item":"short","quantity":1}'
check_eq "short body at userorders → 400" 400 "$STATUS"
for cl in -5 abc 1e3 ' 12'; do
	FCGI_ENV=(CONTENT_LENGTH="$cl")
	fcgi "$LOGIN" POST /api/login '{"username":"alice","password":"x"}'
	check_eq "CONTENT_LENGTH '$cl' → 400" 400 "$STATUS"
done
FCGI_ENV=(CONTENT_LENGTH=99999999)
fcgi "$LOGIN" POST /api/login '{"username":"alice","password":"x"}'
check_eq "CONTENT_LENGTH 99999999 → 413 without reading" 413 "$STATUS"
FCGI_ENV=()

# ---------------------------------------------------------------------
# Many requests on one long-lived process: nothing leaks between them
# ---------------------------------------------------------------------
seq_start=$(now_ms)
bad_post='' bad_noauth='' bad_get='' bad_nobody='' bad_forged='' n=0 last_id=0
forged=$(mint_hs256 "$OTHER_SECRET" '{"alg":"HS256","typ":"JWT"}' \
    "{\"sub\":\"alice\",\"username\":\"alice\",\"iat\":$(date +%s),\"exp\":$(($(date +%s) + 600))}")
for i in $(seq 15); do
	# 1. a POST with a token and a body
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
	fcgi "$ORDERS" POST /api/userOrders "{\"item\":\"seq-$i\",\"quantity\":$i}"
	id=$(json .id)
	if [ "$STATUS" != 201 ] || [ "$(json .item)" != "seq-$i" ] ||
	    ! [ "$id" -gt "$last_id" ] 2>/dev/null; then
		bad_post="$bad_post #$i:$STATUS:$BODY"
	else
		last_id=$id
	fi
	# 2. the same process, no Authorization: the last one must not linger
	FCGI_ENV=()
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	[ "$STATUS" = 401 ] && [ "$(header WWW-Authenticate)" = 'Bearer realm="api"' ] ||
		bad_noauth="$bad_noauth #$i:$STATUS"
	# 3. a GET after the POST: no body left over, the new order listed
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
	case $((i % 3)) in
	1) FCGI_ENV+=(CONTENT_LENGTH=) ;;
	2) FCGI_ENV+=(CONTENT_LENGTH=0) ;;
	esac
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	[ "$STATUS" = 200 ] && [ "$(json '[.orders[] | select(.item | startswith("seq-"))] | length')" = "$i" ] &&
	    [ "$(json '.orders[-1].item')" = "seq-$i" ] || bad_get="$bad_get #$i:$STATUS"
	# 4. a JSON POST with a token and no body (CONTENT_LENGTH unset): the
	# previous body must not be reused
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS" CONTENT_TYPE=application/json)
	fcgi "$ORDERS" POST /api/userOrders </dev/null
	[ "$STATUS" = 400 ] || bad_nobody="$bad_nobody #$i:$STATUS:$BODY"
	# 5. a token signed with another key, between good ones
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $forged")
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	[ "$STATUS" = 403 ] || bad_forged="$bad_forged #$i:$STATUS"
	n=$((n + 5))
done
FCGI_ENV=()
seq_ms=$(($(now_ms) - seq_start))
check_eq "$n requests in a row ($seq_ms ms): every POST → 201 with its own item and a growing id" "" "$bad_post"
check_eq "… a request without Authorization right after one with it → 401" "" "$bad_noauth"
check_eq "… a GET after a POST → 200 listing exactly the orders so far" "" "$bad_get"
check_eq "… a POST with no body right after one with a body → 400" "" "$bad_nobody"
check_eq "… a forged token between valid ones → 403" "" "$bad_forged"
if pid_alive "$ORDERS_PID"; then
	t_ok "… all served by the one userorders process ($ORDERS_PID)"
else
	t_fail "… all served by the one userorders process" "worker $ORDERS_PID is gone"
fi

bad=
for i in $(seq 6); do
	fcgi "$LOGIN" POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
	[ "$STATUS" = 200 ] || bad="$bad ok#$i:$STATUS"
	fcgi "$LOGIN" POST /api/login '{"username":"alice","password":"not the password"}'
	[ "$STATUS" = 401 ] || bad="$bad wrong#$i:$STATUS"
	FCGI_CT=-
	fcgi "$LOGIN" POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
	FCGI_CT=
	[ "$STATUS" = 415 ] || bad="$bad noct#$i:$STATUS"
done
check_eq "18 alternating logins on one login process: 200 / 401 / 415 (no Content-Type) each time" "" "$bad"

# ---------------------------------------------------------------------
# The secret is read once, before the first accept
# ---------------------------------------------------------------------
now=$(date +%s)
payload="{\"sub\":\"minted\",\"username\":\"minted\",\"iat\":$now,\"exp\":$((now + 600))}"
good=$(mint_hs256 "$SECRET" '{"alg":"HS256","typ":"JWT"}' "$payload")
empty=$(mint_hs256 "" '{"alg":"HS256","typ":"JWT"}' "$payload")
param=$(mint_hs256 "param-secret-param-secret-param-secret" '{"alg":"HS256","typ":"JWT"}' "$payload")
none=$(mint_none "$payload")
bad=
for i in $(seq 12); do
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $good")
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	[ "$STATUS" = 200 ] && [ "$(json .username)" = minted ] || bad="$bad good#$i:$STATUS"
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $empty")
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	[ "$STATUS" = 403 ] || bad="$bad emptykey#$i:$STATUS"
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $none")
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	[ "$STATUS" = 403 ] || bad="$bad none#$i:$STATUS"
	# A TOKEN_SECRET param in the request is not configuration.
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $param" TOKEN_SECRET=param-secret-param-secret-param-secret)
	fcgi "$ORDERS" GET /api/userOrders </dev/null
	[ "$STATUS" = 403 ] || bad="$bad param#$i:$STATUS"
done
FCGI_ENV=()
check_eq "48 requests: a token minted with the secret → 200; empty key, alg none, a TOKEN_SECRET param → 403" "" "$bad"

# A worker whose ENV_FILE is deleted after start keeps its secret.
cp "$T_TMP/secret.env" "$T_TMP/gone.env"
if start_worker "$T_TMP/gone.sock" userorders ENV_FILE="$T_TMP/gone.env"; then
	GONE_PID=$WPID
	rm -f "$T_TMP/gone.env"
	bad=
	for i in $(seq 10); do
		FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $good")
		fcgi "$T_TMP/gone.sock" GET /api/userOrders </dev/null
		[ "$STATUS" = 200 ] || bad="$bad good#$i:$STATUS"
		FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $empty")
		fcgi "$T_TMP/gone.sock" GET /api/userOrders </dev/null
		[ "$STATUS" = 403 ] || bad="$bad emptykey#$i:$STATUS"
	done
	FCGI_ENV=()
	check_eq "secret file removed after start: 20 requests still verify (200) and refuse (403)" "" "$bad"
	stop_pids "$GONE_PID"
else
	t_fail "secret file removed after start" "the worker did not start: $(tail -n 3 "$T_TMP/workers.log")"
fi

# ---------------------------------------------------------------------
# SIGTERM
# ---------------------------------------------------------------------
# term_midrequest SOCK EXE URI BODY EXPECT NAME [NAME=value...]: a worker
# of its own gets a slow request (the body comes 1 s after the
# connection), SIGTERM meanwhile; the request must end with EXPECT and the
# worker must exit afterwards.
term_midrequest() {
	local sock=$1 exe=$2 uri=$3 body=$4 expect=$5 name=$6 base t0 t_resp t_exit
	shift 6
	if ! start_worker "$sock" "$exe" ENV_FILE="$T_TMP/secret.env"; then
		t_fail "$name: worker starts" "$(tail -n 3 "$T_TMP/workers.log")"
		return
	fi
	local wpid=$WPID
	base=$(sockets "$wpid")
	slow_client "$sock" POST "$uri" "${#body}" "$@"
	if ! wait_accepted "$wpid" "$base"; then
		t_fail "$name: the worker accepts the slow request"
		exec 7>&-
		stop_pids "$CPID" "$wpid"
		return
	fi
	sleep 0.2			# it is now reading the body
	t0=$(now_ms)
	kill -TERM "$wpid"
	sleep 1
	printf '%s' "$body" >&7
	exec 7>&-
	wait_client
	t_resp=$(($(now_ms) - t0))
	parse_response "$T_TMP/slow.out"
	check_eq "$name: SIGTERM during a slow request → it still completes with $expect ($t_resp ms)" "$expect" "$STATUS"
	if wait_gone 50 "$wpid"; then
		t_exit=$(($(now_ms) - t0))
		t_ok "$name: … and the worker exits afterwards ($t_exit ms after SIGTERM)"
	else
		t_fail "$name: … and the worker exits afterwards" "still running 5 s after the response"
	fi
	stop_pids "$wpid"
}
body='{"item":"slow","quantity":3}'
term_midrequest "$T_TMP/term1.sock" userorders /api/userOrders "$body" 201 \
    "userorders" HTTP_AUTHORIZATION="Bearer $ACCESS"
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
fcgi "$ORDERS" GET /api/userOrders </dev/null
FCGI_ENV=()
check_eq "… the order acknowledged during shutdown is stored" 1 "$(json '[.orders[] | select(.item == "slow")] | length')"
body="{\"username\":\"terminated\",\"password\":\"$PW\"}"
term_midrequest "$T_TMP/term2.sock" login /api/createNewUser "$body" 201 "login"
fcgi "$LOGIN" POST /api/login "$body"
check_eq "… the user signed up during shutdown can log in" 200 "$STATUS"

if start_worker "$T_TMP/idle.sock" refresh ENV_FILE="$T_TMP/secret.env"; then
	IDLE_PID=$WPID
	fcgi "$T_TMP/idle.sock" POST /api/logout '{"refresh_token":"nothing-of-ours"}'
	check_eq "idle worker served a request (logout → 204)" 204 "$STATUS"
	t0=$(now_ms)
	kill -TERM "$IDLE_PID"
	if wait_gone 20 "$IDLE_PID"; then
		t_ok "SIGTERM when idle: the worker exits promptly ($(($(now_ms) - t0)) ms)"
	else
		t_fail "SIGTERM when idle: the worker exits promptly" "still running after 2 s"
	fi
	stop_pids "$IDLE_PID"
else
	t_fail "idle worker starts" "$(tail -n 3 "$T_TMP/workers.log")"
fi

# ---------------------------------------------------------------------
# Clients that go away
# ---------------------------------------------------------------------
# gone_client NAME SOCK WPID URI BODY_SENT LENGTH [NAME=value...]: a client
# sends the params and BODY_SENT of a LENGTH-byte body, then is killed.
gone_client() {
	local name=$1 sock=$2 wpid=$3 uri=$4 sent=$5 len=$6 base
	shift 6
	base=$(sockets "$wpid")
	slow_client "$sock" POST "$uri" "$len" "$@"
	wait_accepted "$wpid" "$base" || sleep 0.3
	[ -n "$sent" ] && printf '%s' "$sent" >&7
	sleep 0.1
	kill -TERM "$CPID" 2>/dev/null
	exec 7>&-
	wait_client
	sleep 0.1
	if pid_alive "$wpid"; then
		t_ok "$name: the worker survives"
	else
		t_fail "$name: the worker survives" "worker $wpid is gone"
	fi
}
gone_client "client gone before the body" "$ORDERS" "$ORDERS_PID" /api/userOrders "" 40 \
    HTTP_AUTHORIZATION="Bearer $ACCESS"
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
fcgi "$ORDERS" GET /api/userOrders </dev/null
check_eq "… and serves the next request (200)" 200 "$STATUS"
gone_client "client gone after half the body" "$ORDERS" "$ORDERS_PID" /api/userOrders '{"item":"hal' 40 \
    HTTP_AUTHORIZATION="Bearer $ACCESS"
fcgi "$ORDERS" POST /api/userOrders '{"item":"after","quantity":1}'
check_eq "… and serves the next request (201)" 201 "$STATUS"
FCGI_ENV=()
# Gone while the worker hashes a password: its answer meets a closed socket.
body="{\"username\":\"vanished\",\"password\":\"$PW\"}"
base=$(sockets "$LOGIN_PID")
slow_client "$LOGIN" POST /api/createNewUser "${#body}"
wait_accepted "$LOGIN_PID" "$base"
printf '%s' "$body" >&7
exec 7>&-
sleep 0.02
kill -TERM "$CPID" 2>/dev/null
wait_client
sleep 0.2
if pid_alive "$LOGIN_PID"; then
	t_ok "client gone while its answer is computed: the worker survives"
else
	t_fail "client gone while its answer is computed: the worker survives" "worker $LOGIN_PID is gone"
fi
fcgi "$LOGIN" POST /api/login "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "… and serves the next request (200)" 200 "$STATUS"

# ---------------------------------------------------------------------
# How a worker closes a connection (common/server.c, server_input_done)
# ---------------------------------------------------------------------
# libfcgi's own close shuts the connection for writing and reads until the
# web server closes its side; with LIBFCGI_OS_CLOSE_POLL_TIMEOUT=-1 it
# waits for that without end, so tests/fcgi/closeprobe.py sees "open" where
# it is kept and "closed" where the worker closes at once.
CLOSE=$T_TMP/close.sock
start_worker "$CLOSE" userorders ENV_FILE="$T_TMP/secret.env" LIBFCGI_OS_CLOSE_POLL_TIMEOUT=-1
CLOSE_PID=$WPID
# probe WANT_STATUS WANT_CLOSE NAME METHOD [NAME=value...]: one request to
# /api/userOrders through closeprobe.py, the body on stdin.
probe() {
	local want=$1 close=$2 name=$3 method=$4 out got
	shift 4
	out=$(timeout 20 python3 "$ROOT/tests/fcgi/closeprobe.py" "$CLOSE" "$method" \
	    /api/userOrders "$@" 2>&1)
	got="$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1) $(tail -n 1 <<<"$out")"
	check_eq "$name" "$want $close" "$got"
}
probe 200 closed "GET, CONTENT_LENGTH 0 (lighttpd): 200, then the worker closes at once" \
    GET HTTP_AUTHORIZATION="Bearer $ACCESS" CONTENT_LENGTH=0 </dev/null
probe 200 closed "GET, CONTENT_LENGTH empty (nginx): 200, closed at once" \
    GET HTTP_AUTHORIZATION="Bearer $ACCESS" CONTENT_LENGTH= </dev/null
probe 200 closed "GET without CONTENT_LENGTH, the empty FCGI_STDIN sent (Apache): 200, closed at once" \
    GET HTTP_AUTHORIZATION="Bearer $ACCESS" </dev/null
out=$(PROBE_STDIN=0 timeout 20 python3 "$ROOT/tests/fcgi/closeprobe.py" "$CLOSE" GET \
    /api/userOrders HTTP_AUTHORIZATION="Bearer $ACCESS" 2>&1 </dev/null)
check_eq "GET without CONTENT_LENGTH and no FCGI_STDIN at all: 200 without waiting for it, libfcgi's close" \
    "200 open" "$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1) $(tail -n 1 <<<"$out")"
head -c 1000 /dev/zero | tr '\0' a >"$T_TMP/unread"
probe 401 open "POST without a token, its 1000-byte body unread: 401, libfcgi's lingering close" \
    POST CONTENT_TYPE=application/json CONTENT_LENGTH=1000 <"$T_TMP/unread"
probe 200 open "GET declaring no body but sending one: 200, libfcgi's lingering close" \
    GET HTTP_AUTHORIZATION="Bearer $ACCESS" CONTENT_LENGTH=0 <"$T_TMP/unread"
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
fcgi "$CLOSE" GET /api/userOrders </dev/null
FCGI_ENV=()
check_eq "the worker serves the next request after each (200)" 200 "$STATUS"
stop_pids "$CLOSE_PID"
# The authorizer role: no body, no CONTENT_LENGTH.  lighttpd sends the
# empty FCGI_STDIN with the parameters: closed at once.  Apache's
# mod_authnz_fcgi sends none: the worker must not wait for it (our
# answer would wait in its buffer), so libfcgi's close.
start_worker "$CLOSE" authorize ENV_FILE="$T_TMP/secret.env" LIBFCGI_OS_CLOSE_POLL_TIMEOUT=-1
CLOSE_PID=$WPID
authz_probe() {
	local want=$1 close=$2 name=$3 out got
	shift 3
	out=$(env PROBE_ROLE=2 "$@" timeout 20 python3 "$ROOT/tests/fcgi/closeprobe.py" "$CLOSE" GET \
	    /protected/index.html HTTP_AUTHORIZATION="Bearer $ACCESS" 2>&1 </dev/null)
	got="$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1) $(tail -n 1 <<<"$out")"
	check_eq "$name" "$want $close" "$got"
}
authz_probe 200 closed "authorizer, the empty FCGI_STDIN sent (lighttpd): 200, closed at once"
authz_probe 200 open "authorizer, no FCGI_STDIN at all (Apache): 200 without waiting for it, libfcgi's close" \
    PROBE_STDIN=0
head -c 100 /dev/zero | tr '\0' a >"$T_TMP/authz-body"
out=$(PROBE_ROLE=2 timeout 20 python3 "$ROOT/tests/fcgi/closeprobe.py" "$CLOSE" GET \
    /protected/index.html HTTP_AUTHORIZATION="Bearer $ACCESS" 2>&1 <"$T_TMP/authz-body")
check_eq "authorizer sent a body after all: 200, libfcgi's close (nothing left unread)" "200 open" \
    "$(sed -n 's/^Status: \([0-9]*\).*/\1/p' <<<"$out" | head -n 1) $(tail -n 1 <<<"$out")"
fcgi "$CLOSE" GET /protected/index.html </dev/null
check_eq "the authorizer serves the next request after each (401 without a token)" 401 "$STATUS"
stop_pids "$CLOSE_PID"

# ---------------------------------------------------------------------
# Several children on one socket (spawn-fcgi -F)
# ---------------------------------------------------------------------
MULTI=$T_TMP/multi.sock
env -i PATH="$PATH" DATABASE_PATH="$DB" ENV_FILE="$T_TMP/secret.env" \
    "$SPAWN_FCGI" -F 3 -P "$T_TMP/multi.pid" -s "$MULTI" -M 0660 -- "$BUILD/userorders" \
    >>"$T_TMP/workers.log" 2>&1
mapfile -t MPIDS < <(grep -E '^[0-9]+$' "$T_TMP/multi.pid" 2>/dev/null)
WORKERS+=("${MPIDS[@]}")
check_eq "spawn-fcgi -F 3 starts three children" 3 "${#MPIDS[@]}"
multi_start=$(now_ms)
pids=()
for i in $(seq 30); do
	b="{\"item\":\"multi-$i\",\"quantity\":1}"
	printf '%s' "$b" | timeout 10 env -i REQUEST_METHOD=POST REQUEST_URI=/api/userOrders \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#b} \
	    HTTP_AUTHORIZATION="Bearer $ACCESS" \
	    "$CGI_FCGI" -bind -connect "$MULTI" >"$T_TMP/multi.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
multi_ms=$(($(now_ms) - multi_start))
bad=
for i in $(seq 30); do
	parse_response "$T_TMP/multi.$i"
	[ "$STATUS" = 201 ] || bad="$bad #$i:$STATUS"
done
check_eq "30 concurrent POSTs over 3 children on one socket → all 201 ($multi_ms ms)" "" "$bad"
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
fcgi "$ORDERS" GET /api/userOrders </dev/null
FCGI_ENV=()
check_eq "… and all 30 are listed" 30 "$(json '[.orders[] | select(.item | startswith("multi-"))] | length')"
alive=0
for p in "${MPIDS[@]}"; do pid_alive "$p" && alive=$((alive + 1)); done
check_eq "… and the three children still run" 3 "$alive"
t0=$(now_ms)
if [ "${#MPIDS[@]}" -gt 0 ] && kill -TERM "${MPIDS[@]}" && wait_gone 30 "${MPIDS[@]}"; then
	t_ok "SIGTERM stops the three children ($(($(now_ms) - t0)) ms)"
else
	t_fail "SIGTERM stops the three children"
fi

# ---------------------------------------------------------------------
# Workers starting together on a fresh database (what lighttpd does with
# max-procs at start-up): every one must start.  While one converts the
# new file to WAL it holds SQLite's RESERVED lock; another that is in the
# middle of the same conversion gets SQLITE_BUSY at once, without its busy
# handler (SQLite's deadlock rule), so it must retry, not exit.
# ---------------------------------------------------------------------
if command -v sqlite3 >/dev/null; then
	# Deterministic: hold RESERVED on a fresh file for 1 s, as a worker
	# converting it does for a moment, and start a worker meanwhile.
	HOLD_DB=$T_TMP/held.db
	mkfifo "$T_TMP/sq"
	timeout 15 sqlite3 "$HOLD_DB" <"$T_TMP/sq" >"$T_TMP/sq.out" 2>&1 &
	SQ_PID=$!
	CLIENTS+=("$SQ_PID")
	exec 9<>"$T_TMP/sq"
	printf 'BEGIN IMMEDIATE;\nCREATE TABLE hold (a);\nSELECT 1;\n' >&9
	for i in $(seq 50); do [ -s "$T_TMP/sq.out" ] && break; sleep 0.05; done
	(sleep 1; printf 'ROLLBACK;\n.quit\n' >&9) &
	rel_pid=$!
	CLIENTS+=("$rel_pid")
	t0=$(now_ms)
	save_db=$DB
	DB=$HOLD_DB
	if start_worker "$T_TMP/held.sock" userorders ENV_FILE="$T_TMP/secret.env"; then
		t_ok "a worker started while another holds the new database's write lock starts once it is released ($(($(now_ms) - t0)) ms)"
	else
		t_fail "a worker started while another holds the new database's write lock starts once it is released" \
		    "after $(($(now_ms) - t0)) ms: $(grep held.db "$T_TMP/workers.log" | tail -n 1)"
	fi
	DB=$save_db
	stop_pids "$WPID"
	wait "$rel_pid" 2>/dev/null
	exec 9>&-
	stop_pids "$SQ_PID"
else
	t_fail "worker start under a held write lock: sqlite3 (the CLI) is missing; deploy/deps.sh test installs it"
fi

# The same in the wild: rounds of six started at once on a fresh file.  A
# matter of timing, so rounds run for up to 4 s (at most 60), and the first
# failure ends them.
race_start=$(now_ms)
: >"$T_TMP/race.err"
mkfifo "$T_TMP/go"
fails=0 round=0
while [ "$fails" -eq 0 ] && [ "$round" -lt 60 ] &&
    [ $(($(now_ms) - race_start)) -lt 4000 ]; do
	round=$((round + 1))
	pids=()
	for k in $(seq 6); do
		exe=userorders
		[ $((k % 2)) = 1 ] && exe=refresh
		# All six wait at the FIFO, then start at once (at most 5 s).
		{
			timeout 5 cat "$T_TMP/go" >/dev/null
			exec env -i TOKEN_SECRET="$SECRET" ENV_FILE="$T_TMP/empty.env" \
			    DATABASE_PATH="$T_TMP/race-$round.db" REQUEST_METHOD=GET \
			    REQUEST_URI=/api/nope "$BUILD/$exe" \
			    </dev/null >/dev/null 2>>"$T_TMP/race.err"
		} &
		pids+=($!)
	done
	CLIENTS+=("${pids[@]}")
	sleep 0.05
	exec 8>"$T_TMP/go"
	exec 8>&-
	for p in "${pids[@]}"; do
		wait "$p" || fails=$((fails + 1))
	done
	rm -f "$T_TMP/race-$round.db"*
done
race_ms=$(($(now_ms) - race_start))
check_eq "six workers started at once on a fresh database all start ($round rounds, $race_ms ms)" \
    "0 failed" "$fails failed$(sort "$T_TMP/race.err" | uniq -c | sed 's/^ */; /' | tr '\n' ' ')"

# ---------------------------------------------------------------------
# The long-lived workers are still there, and leave on SIGTERM
# ---------------------------------------------------------------------
alive=0
for p in "$LOGIN_PID" "$ORDERS_PID" "$REFRESH_PID"; do pid_alive "$p" && alive=$((alive + 1)); done
check_eq "the three long-lived workers ran to the end" 3 "$alive"
if stop_pids "$LOGIN_PID" "$ORDERS_PID" "$REFRESH_PID"; then
	t_ok "they stop on SIGTERM"
else
	t_fail "they stop on SIGTERM" "SIGKILL was needed"
fi
if grep -qF -e "$SECRET" -e "$PW" "$T_TMP/workers.log" "$T_TMP/race.err" 2>/dev/null; then
	t_fail "no secret or password in the workers' output"
else
	t_ok "no secret or password in the workers' output"
fi
t_done
