# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# bench/lib.sh: sourced by bench/run.sh, bench/pg.sh and bench/profile.sh
# (ROOT and LIGHTTPD set).  A scratch folder with the secret, lighttpd from
# deploy/lighttpd.conf (BENCH_PROCS processes per executable when set) on a
# free loopback port, BENCH_USERS users with a few orders each, the
# tutorial's Express server (tests/peer) on loopback with the same users,
# and clean-up by PID on exit.

TMP=$(mktemp -d -t jwt-bench.XXXXXX)
LPID=		# the lighttpd started last
LDB=()		# its store's settings (start_lighttpd)
ALL_LPIDS=()	# every lighttpd started, for the clean-up
PEER_PID=	# the Express peer, while it runs
USERS=${BENCH_USERS:-1000}
ORDERS=${BENCH_ORDERS:-3}
PASSWORD='bench password'
# The service's settings in the bench (its ENV_FILE): no login or sign-up
# limit, so the login case measures hashing, not throttling; the cap on
# hashes at once (PWHASH_MAX_CONCURRENT) stays at its default, the CPUs.
# shellcheck disable=SC2034 # BENCH_ENV, PROCS: read by run.sh and profile.sh
BENCH_ENV=(LOGIN_MAX_FAILURES=0 LOGIN_MAX_FAILURES_PER_ADDRESS=0
	LOGIN_MAX_FAILURES_PER_NAME=0 SIGNUP_MAX_PER_ADDRESS=0)
# The lighttpd configuration: deploy/lighttpd.conf, or a copy of it with
# BENCH_PROCS processes per executable instead of its max-procs.
CONF=$ROOT/deploy/lighttpd.conf
if [[ -n ${BENCH_PROCS:-} ]]; then
	[[ $BENCH_PROCS =~ ^[1-9][0-9]?$ ]] || { echo "bench: BENCH_PROCS=$BENCH_PROCS: not 1 to 99" >&2; exit 2; }
	sed "s/\(\"max-procs\"[[:space:]]*=>[[:space:]]*\)[0-9]*/\1$BENCH_PROCS/" "$CONF" >"$TMP/lighttpd.conf"
	CONF=$TMP/lighttpd.conf
fi
# PROCS: "N processes per executable", or each executable's max-procs.
# shellcheck disable=SC2034
PROCS=$(awk '{ if (match($0, /"(userorders|refresh|login|authorize)" => \(/)) name = substr($0, RSTART + 1, RLENGTH - 7) }
    $1 == "\"max-procs\"" { gsub(/[^0-9]/, "", $3); n[++k] = $3; s = s sep name " " $3; sep = ", " }
    END { same = 1; for (i = 2; i <= k; i++) if (n[i] != n[1]) same = 0
	if (same) print n[1] " processes per executable"; else print "processes: " s }' "$CONF")
# stop_lighttpd [PID]: stop one lighttpd (default: the last one started).
stop_lighttpd() {
	local pid=${1:-$LPID}
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[[ $pid != "$LPID" ]] || LPID=
	sleep 0.5	# lighttpd SIGTERMs its backends; let them go
}
cleanup() {
	local rc=$? pid
	stop_peer
	for pid in "${ALL_LPIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && stop_lighttpd "$pid"
	done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 10000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}

# start_lighttpd APP_ROOT [NAME=value...]: lighttpd from
# deploy/lighttpd.conf, the binaries of APP_ROOT/build, on a free port, with
# those settings in the service's ENV_FILE; sets BASE, LDIR (its folder:
# the settings are LDIR/env) and LDB (its store: DATABASE_PATH=LDIR/auth.db,
# or DATABASE_URL=$BENCH_DB when the caller sets BENCH_DB).
start_lighttpd() {
	local app=$1 dir
	shift
	dir=$(mktemp -d -p "$TMP")
	mkdir -p "$dir/run" "$dir/log"
	[[ $# -eq 0 ]] || printf '%s\n' "$@" >"$dir/env"
	touch "$dir/env"
	LDB=(DATABASE_PATH="$dir/auth.db")
	[[ -z ${BENCH_DB:-} ]] ||
		LDB=(DATABASE_URL="$BENCH_DB" PWHASH_LOCK_FILE="$dir/pwhash.lock")
	PORT=$(free_port)
	(
		exec ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} \
		    env - PATH="$PATH" APP_ROOT="$app" PORT="$PORT" \
		    RUN_DIR="$dir/run" LOG_DIR="$dir/log" ENV_FILE="$dir/env" \
		    "${LDB[@]}" TOKEN_SECRET_FILE="$TMP/secret" \
		    "$LIGHTTPD" -D -f "$CONF"
	) >"$dir/log/stderr" 2>&1 &
	LPID=$!
	LDIR=$dir
	ALL_LPIDS+=("$LPID")
	BASE=http://127.0.0.1:$PORT
	for _ in $(seq 100); do
		curl -s -o /dev/null -m 2 "$BASE/" && return 0
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: lighttpd did not start:" >&2
	cat "$dir/log/stderr" "$dir/log/lighttpd-error.log" >&2 2>/dev/null
	exit 1
}

# The workers lighttpd spawned: children of LPID.
workers() { pgrep -P "$LPID" || true; }

# The secret, as the tutorial makes it, in a file (never on a command line).
(umask 077; od -An -tx1 -N64 /dev/urandom | tr -d ' \n' >"$TMP/secret")

# bench_users [DIR]: USERS users bench-0 ... with ORDERS orders each, made
# by build/bench/seed straight into the store of the service started last
# (its own configuration, so its own key signs the tokens), and checked
# through it; their tokens in DIR ($TMP/users).  Sets TOKENS (one access
# token a line), REFRESH (one refresh token a line), NAMES (one user name a
# line), TOKEN1 (a file of the first token alone), TOKEN (that token) and
# BAD (it with a wrong signature).
# shellcheck disable=SC2120 # DIR is optional
bench_users() {
	local t0=$SECONDS d=${1:-$TMP/users}
	mkdir -p "$d"
	env - PATH="$PATH" TOKEN_SECRET_FILE="$TMP/secret" ENV_FILE="$LDIR/env" \
	    "${LDB[@]}" "$ROOT/build/bench/seed" "$USERS" "$ORDERS" "$PASSWORD" "$d" ||
		{ echo "bench: seed failed" >&2; exit 1; }
	# shellcheck disable=SC2034 # REFRESH, TOKEN1: read by bench/run.sh
	TOKENS=$d/access REFRESH=$d/refresh NAMES=$d/users
	TOKEN=$(head -n 1 "$TOKENS")
	head -n 1 "$TOKENS" >"$d/access1"
	# shellcheck disable=SC2034
	TOKEN1=$d/access1
	# shellcheck disable=SC2034
	BAD=$(forged "$TOKEN")
	expect_cases "$BASE" "$TOKEN" "the service"
	[[ $(curl -s -m 5 -H "Authorization: Bearer $(tail -n 1 "$TOKENS")" \
	    "$BASE/api/userOrders" | jq '.orders | length') == "$ORDERS" ]] ||
		{ echo "bench: the last user does not list $ORDERS orders" >&2; exit 1; }
	echo "# $USERS users with $ORDERS orders each made in $((SECONDS - t0)) s (build/bench/seed)"
}

# forged TOKEN: the same header and payload with a wrong signature.
forged() { echo "${1%.*}.$(printf 'A%.0s' $(seq 43))"; }

# expect_cases BASE TOKEN WHO: GET BASE/api/userOrders answers 200 with
# TOKEN, 401 without a token and 403 with TOKEN forged; exit if not.
expect_cases() {
	local bad
	bad=$(forged "$2")
	code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
	[[ $(code -H "Authorization: Bearer $2" "$1/api/userOrders") == 200 &&
	   $(code "$1/api/userOrders") == 401 &&
	   $(code -H "Authorization: Bearer $bad" "$1/api/userOrders") == 403 ]] ||
		{ echo "bench: $3 does not answer 200, 401 and 403 as expected" >&2; exit 1; }
}

# start_ceiling: lighttpd as above with bench/bare.c (a fixed small JSON) in
# userorders' place: the ceiling for any FastCGI program here.
start_ceiling() {
	local p
	mkdir -p "$TMP/ceiling/build"
	ln -sfn "$ROOT/web" "$TMP/ceiling/web"
	for p in login refresh authorize; do ln -sf "$ROOT/build/$p" "$TMP/ceiling/build/$p"; done
	cp "$ROOT/build/bench/bare" "$TMP/ceiling/build/userorders"
	start_lighttpd "$TMP/ceiling"
}

# start_peer [VAR=value...]: node tests/peer/server.js (its modules
# installed first) on a free port of 127.0.0.1, the bench's secret in its
# dotenv file and nothing secret in its environment, with those settings
# (SECRET_KEYOBJECT=1 for the tuned form); then a user, and checks that
# userOrders answers 200 with its token, 401 without, 403 with a bad
# signature.  Sets PEER_BASE and PEER_TOKEN.
start_peer() {
	local log=$TMP/peer.log raw
	"$ROOT/tests/node/ensure-modules.sh" "$ROOT/tests/peer" >&2 || exit 1
	printf 'TOKEN_SECRET=%s\nACCESS_TOKEN_SECRET=%s\n' "$(cat "$TMP/secret")" \
	    "$(cat "$TMP/secret")" >"$TMP/peer.env"
	(
		cd "$ROOT/tests/peer" &&
		exec ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} \
		    env -u TOKEN_SECRET -u ACCESS_TOKEN_SECRET -u SECRET_KEYOBJECT \
		    PORT=0 DOTENV_PATH="$TMP/peer.env" NODE_ENV=production "$@" \
		    node server.js
	) >"$log" 2>&1 &
	PEER_PID=$!
	peer_wait "$log" "the Express peer"
	raw=$(curl -s -m 10 -H 'Content-Type: application/json' \
	    -d '{"username":"bench","password":"bench password"}' "$PEER_BASE/api/createNewUser")
	PEER_TOKEN=$(jq -r 'strings' <<<"$raw" 2>/dev/null)
	[[ $PEER_TOKEN == *.*.* ]] || { echo "bench: no token from the peer: $raw" >&2; exit 1; }
	expect_cases "$PEER_BASE" "$PEER_TOKEN" "the Express peer"
}

# peer_wait LOG WHO: wait (30 s at most) for the peer PEER_PID to print
# "peer listening on URL ..." in LOG; sets PEER_BASE, or exits.
peer_wait() {
	local deadline=$((SECONDS + 30))
	PEER_BASE=
	while [[ -z $PEER_BASE ]]; do
		if ! kill -0 "$PEER_PID" 2>/dev/null || ((SECONDS > deadline)); then
			echo "bench: $2 did not start:" >&2
			cat "$1" >&2
			exit 1
		fi
		sleep 0.1
		PEER_BASE=$(sed -n 's|^peer listening on \(http://127\.0\.0\.1:[0-9]*\) .*|\1|p' "$1")
	done
}

# stop_peer: SIGTERM the peer, SIGKILL after 10 s.
stop_peer() {
	local deadline=$((SECONDS + 10))
	[[ -n $PEER_PID ]] || return 0
	kill -TERM "$PEER_PID" 2>/dev/null || true
	while kill -0 "$PEER_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
	kill -KILL "$PEER_PID" 2>/dev/null || true
	wait "$PEER_PID" 2>/dev/null || true
	PEER_PID=
}

# peer_users: the bench's users signed up with the peer too (its
# createNewUser: no hashing, two orders each), over one curl's keep-alive
# connection; the tokens stay ours, as the peer holds the same secret.
peer_users() {
	local n sep=
	while read -r n; do
		printf '%surl = "%s/api/createNewUser"\nheader = "Content-Type: application/json"\n' "$sep" "$PEER_BASE"
		printf 'data = "{\\"username\\":\\"%s\\",\\"password\\":\\"x\\"}"\noutput = "/dev/null"\n' "$n"
		sep=$'next\n'
	done <"$NAMES" >"$TMP/peer-users.curl"
	timeout 120 curl -s -m 100 -K "$TMP/peer-users.curl" ||
		{ echo "bench: cannot sign the users up with the peer" >&2; exit 1; }
	[[ $(curl -s -m 5 -H "Authorization: Bearer $(tail -n 1 "$TOKENS")" \
	    "$PEER_BASE/api/userOrders" | jq '.orders | length') == 2 ]] ||
		{ echo "bench: the peer does not list the last user's orders" >&2; exit 1; }
}
