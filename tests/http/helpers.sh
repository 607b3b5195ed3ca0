# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# Helpers shared by tests/suite-fcgi.sh and tests/suite-http.sh: processes
# stopped by PID with bounded waits, clocks, and tokens minted with openssl.
# Source it after tests/lib.sh.

# pid_alive PID: the process exists and is not a zombie (a backend whose
# parent died is reparented, and may stay a zombie until init reaps it).
pid_alive() {
	local st
	st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_gone TENTHS PID...: 0 once every PID is gone, 1 after TENTHS/10 s.
wait_gone() {
	local n=$1 p alive
	shift
	while :; do
		alive=
		for p in "$@"; do
			pid_alive "$p" && alive=1 && break
		done
		[ -z "$alive" ] && return 0
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		sleep 0.1
	done
}

# stop_pids PID...: SIGTERM, up to 3 s to leave, then SIGKILL; our own
# children are reaped.  Returns 1 when one needed SIGKILL.
stop_pids() {
	local p rc=0
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	if ! wait_gone 30 "$@"; then
		rc=1
		kill -KILL "$@" 2>/dev/null
		wait_gone 20 "$@"
	fi
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
	return "$rc"
}

# children PID: the PIDs whose parent is PID, one per line.
children() {
	local f
	for f in /proc/[0-9]*/stat; do
		sed -n "s/^\([0-9]*\) (.*) [A-Za-z] $1 .*/\1/p" "$f" 2>/dev/null
	done
	return 0
}

# now_ms: a monotonic-enough clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# free_port: a random port that no TCP socket uses (in any state: a
# client's connection from 127.0.0.1:P makes a later bind of P fail), taken
# below the kernel's ephemeral range, which the many short client
# connections of the tests keep cycling through.
free_port() {
	local lo=32768 hi p hex
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	hi=$((lo > 12000 ? lo - 1 : 59999))
	[ "$hi" -eq 59999 ] && lo=20000 || lo=10000
	for _ in $(seq 50); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		printf -v hex '%04X' "$p"
		awk -v h=":$hex" 'NR > 1 && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
		    /proc/net/tcp /proc/net/tcp6 2>/dev/null && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		echo "$p"
		return 0
	done
	return 1
}

# server_wait_http TENTHS PID...: 0 once http://127.0.0.1:$PORT/api/login
# gives any HTTP answer; 1 when a PID dies or TENTHS/10 s pass (what
# tests/servers/*.sh expect, tests/suite-servers.sh).
server_wait_http() {
	local n=$1 p code
	shift
	while :; do
		code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' \
		    "http://127.0.0.1:$PORT/api/login" 2>/dev/null)
		[ -n "$code" ] && [ "$code" != 000 ] && return 0
		for p in "$@"; do
			pid_alive "$p" || return 1
		done
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		sleep 0.1
	done
}

# b64url: standard input as unpadded base64url.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# mint_hs256 SECRET HEADER_JSON PAYLOAD_JSON: an HS256-signed JWT (the
# secret used as its bytes, as jsonwebtoken does).  An empty SECRET signs
# with the empty key (HMAC pads keys with zero bytes, so "" and "\0" sign
# alike; openssl refuses an empty key:).
mint_hs256() {
	local h p s key="key:$1"
	[ -n "$1" ] || key=hexkey:00
	h=$(printf '%s' "$2" | b64url)
	p=$(printf '%s' "$3" | b64url)
	s=$(printf '%s' "$h.$p" | openssl dgst -sha256 -mac HMAC -macopt "$key" -binary | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}

# mint_none PAYLOAD_JSON: an unsigned alg "none" token.
mint_none() {
	printf '%s.%s.' "$(printf '{"alg":"none","typ":"JWT"}' | b64url)" \
	    "$(printf '%s' "$1" | b64url)"
}

# conf_procs NAME [CONF]: the max-procs of executable NAME in CONF
# (default deploy/lighttpd.conf): how many workers lighttpd spawns for it.
conf_procs() {
	awk -v key="\"$1\" => (" 'index($0, key) { in_block = 1 }
	    in_block && $1 == "\"max-procs\"" { gsub(/[^0-9]/, "", $3); print $3; exit }' \
	    "${2:-$ROOT/deploy/lighttpd.conf}"
}

# lighttpd from deploy/lighttpd.conf for a suite.  The caller sets ROOT,
# LIGHTTPD, CONF, RUN_DIR, LOG_DIR, ENV_FILE, DATABASE_PATH and STDERR;
# start_lighttpd sets LPID, PORT, URL and BACKENDS.
#
# start_lighttpd: on a free port (a random one that nothing answers on;
# another try if lighttpd cannot bind it), from an empty environment plus
# exactly the variables the conf's banner names.  Sets LPID, PORT, URL.
start_lighttpd() {
	local app_root
	app_root=$(checkout_app_root) || return 1
	for _ in 1 2 3 4 5; do
		# Below the ephemeral range (32768 up), where client sockets take theirs.
		PORT=$((20000 + RANDOM % 12768))
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
		env - PATH="$PATH" APP_ROOT="$app_root" PORT="$PORT" \
		    RUN_DIR="$RUN_DIR" LOG_DIR="$LOG_DIR" ENV_FILE="$ENV_FILE" \
		    ${DATABASE_PATH:+DATABASE_PATH="$DATABASE_PATH"} \
		    ${DATABASE_URL:+DATABASE_URL="$DATABASE_URL"} \
		    ${PWHASH_LOCK_FILE:+PWHASH_LOCK_FILE="$PWHASH_LOCK_FILE"} \
		    "$LIGHTTPD" -D -f "$CONF" </dev/null >>"$STDERR" 2>&1 &
		LPID=$!
		URL=http://127.0.0.1:$PORT
		for _ in $(seq 100); do
			pid_alive "$LPID" || break
			if curl -s -o /dev/null --max-time 1 "$URL/"; then
				mapfile -t BACKENDS < <(children "$LPID")
				return 0
			fi
			sleep 0.1
		done
		stop_pids "$LPID"
		LPID=
	done
	return 1
}

# stop_lighttpd: SIGTERM lighttpd; it SIGTERMs its backends but does not
# wait for them, so wait for each (by PID) too.  Prints how long it took;
# 1 when one had to be killed.
stop_lighttpd() {
	local t0 rc=0
	[ -n "$LPID" ] || return 0
	mapfile -t -O "${#BACKENDS[@]}" BACKENDS < <(children "$LPID")
	t0=$(now_ms)
	stop_pids "$LPID" || rc=1
	if ! wait_gone 30 "${BACKENDS[@]}"; then
		rc=1
		stop_pids "${BACKENDS[@]}"
	fi
	LPID=
	echo "$(($(now_ms) - t0))"
	return "$rc"
}

# stage_app DIR: a copy of what the web servers run, for the suites that
# run a server or the executables as another user (www-data, nobody).  The
# checkout itself may be private to its owner (a clone in a mode-0700 home
# or mktemp -d folder, or made under umask 077), so such a server starts
# from DIR instead: DIR/build/{login,userorders,refresh,authorize} (from
# $BUILD), DIR/deploy (its configuration files and scripts, and
# deploy/errors/), DIR/web, with the modes `make install` gives them
# (folders and programs 0755, the rest 0644), whatever the checkout's.
# DIR must not exist yet, and its parent
# must let the other user through (the caller's mktemp -d folder, made
# 0711 or given to that user).  1, saying why on stderr, when a file is
# missing (`make all` first).
stage_app() {
	local dir=$1 exe f
	local -a dirs=() files=()
	mkdir -m 0755 "$dir" "$dir/build" || return 1
	for exe in login userorders refresh authorize; do
		install -m 0755 "$BUILD/$exe" "$dir/build/$exe" || return 1
	done
	install -m 0644 "$BUILD/jwt-auth-pg.so" "$dir/build/" || return 1
	mapfile -t dirs < <(cd "$ROOT" && find deploy web -type d)
	mapfile -t files < <(cd "$ROOT" && find deploy web -type f)
	for f in "${dirs[@]}"; do
		install -d -m 0755 "$dir/$f" || return 1
	done
	for f in "${files[@]}"; do
		case $f in
		*.sh) install -m 0755 "$ROOT/$f" "$dir/$f" ;;
		*) install -m 0644 "$ROOT/$f" "$dir/$f" ;;
		esac || return 1
	done
	if [ ! -f "$dir/web/index.html" ] || [ ! -d "$dir/deploy/errors" ]; then
		echo "stage_app: $ROOT has no web/index.html or deploy/errors/" >&2
		return 1
	fi
}
