# shellcheck shell=bash disable=SC2034,SC2153
# SPDX-License-Identifier: ISC
# (sourced: the variables set here are read by the suite, and the
# suite's by these)
# Helpers for tests/suite-faults.sh and tests/soak/run.sh: lighttpd
# instances from deploy/lighttpd.conf (each with its own run and log
# folders under $T_TMP, a free port, stopped by PID), the service run as an
# unprivileged user when we are root, and requests with curl.  Source it
# after tests/lib.sh and tests/http/helpers.sh.  lighttpd runs from a copy
# of build/, deploy/ and web/ in $T_TMP/app (stage_app), which that user
# can read even when the checkout is private to its owner.

LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
CONF=$ROOT/deploy/lighttpd.conf	# until faults_setup: its copy
APP_ROOT=$ROOT
APP_UID=$(id -u)
AS=()
LPIDS=()	# every lighttpd started, stopped by PID at exit
LPID=
ALL_BACKENDS=()

# faults_setup: after t_tmpdir.  As root, the service runs as nobody
# (root ignores file modes), and $T_TMP becomes nobody's.  Copies what
# lighttpd runs into $T_TMP/app (APP_ROOT; CONF is its lighttpd.conf);
# 1 when that fails.
faults_setup() {
	if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
		APP_UID=$(id -u nobody)
		AS=(setpriv --reuid="$APP_UID" --regid="$(id -g nobody)" --clear-groups --)
		chown "$APP_UID:$(id -g nobody)" "$T_TMP"
		chmod 0700 "$T_TMP"
	fi
	stage_app "$T_TMP/app" || return 1
	APP_ROOT=$T_TMP/app
	CONF=$APP_ROOT/deploy/lighttpd.conf
	if ! as_app test -r "$CONF" || ! as_app test -x "$APP_ROOT/build/login"; then
		echo "faults_setup: $(as_app id -un) cannot read $CONF or run $APP_ROOT/build/login" >&2
		return 1
	fi
	SECRET=$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')
	ENV_FILE=$T_TMP/auth.env
	printf 'TOKEN_SECRET=%s\n' "$SECRET" >"$ENV_FILE"
	app_own "$ENV_FILE"
}

# as_app CMD...: run a command as the service's user.
as_app() { "${AS[@]}" "$@"; }

# app_own PATH...: give paths to the service's user.
app_own() { [ "${#AS[@]}" -eq 0 ] || chown "$APP_UID:$(id -g nobody)" "$@"; }

# db_query DB SQL...: sqlite3 as the service's user, waiting up to 5 s.
db_query() {
	local db=$1
	shift
	as_app sqlite3 -cmd '.timeout 5000' "$db" "$@" 2>&1
}

# start_lighttpd NAME DATABASE_PATH: an instance in $T_TMP/NAME (run/,
# log/), on a free port, from an empty environment plus the variables the
# conf names.  Sets LPID, PORT, URL, ERRLOG, STDERR; 1 when it never answers.
start_lighttpd() {
	local db=$2 dir=$T_TMP/$1 i
	mkdir -p "$dir/run" "$dir/log"
	app_own "$dir" "$dir/run" "$dir/log"
	ERRLOG=$dir/log/lighttpd-error.log
	STDERR=$dir/stderr
	for _ in 1 2 3 4 5; do
		# Below the ephemeral range (32768 up), where client sockets take theirs.
		PORT=$((20000 + RANDOM % 12768))
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
		"${AS[@]}" env - PATH="$PATH" APP_ROOT="$APP_ROOT" PORT="$PORT" \
		    RUN_DIR="$dir/run" LOG_DIR="$dir/log" ENV_FILE="$ENV_FILE" \
		    DATABASE_PATH="$db" \
		    "$LIGHTTPD" -D -f "$CONF" </dev/null >>"$STDERR" 2>&1 &
		LPID=$!
		LPIDS+=("$LPID")
		URL=http://127.0.0.1:$PORT
		for i in $(seq 100); do
			pid_alive "$LPID" || break
			if curl -s -o /dev/null --max-time 1 "$URL/"; then
				mapfile -t -O "${#ALL_BACKENDS[@]}" ALL_BACKENDS < <(children "$LPID")
				return 0
			fi
			sleep 0.1
		done
		stop_pids "$LPID"
		LPID=
	done
	return 1
}

# stop_all_lighttpd: SIGTERM every lighttpd started, then their backends
# (lighttpd does not wait for them).
stop_all_lighttpd() {
	local p
	for p in "${LPIDS[@]}"; do
		mapfile -t -O "${#ALL_BACKENDS[@]}" ALL_BACKENDS < <(children "$p")
	done
	stop_pids "${LPIDS[@]}"
	wait_gone 30 "${ALL_BACKENDS[@]}" || stop_pids "${ALL_BACKENDS[@]}"
	LPIDS=()
	ALL_BACKENDS=()
	LPID=
}

# workers NAME: the PIDs of the current lighttpd's NAME backends.
workers() {
	local p
	for p in $(children "$LPID"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && pid_alive "$p" && echo "$p"
	done
	return 0
}

# req METHOD PATH [BODY] [curl args...]: one request; sets STATUS, HEADERS,
# BODY and MS (how long it took).
req() {
	local m=$1 p=$2 t0 h=$T_TMP/h.$BASHPID b=$T_TMP/b.$BASHPID
	local -a a=(-sS --max-time 30 -X "$m" -D "$h" -o "$b" -w '%{http_code}')
	shift 2
	if [ $# -ge 1 ]; then
		a+=(--data-binary "$1" -H 'Content-Type: application/json')
		shift
	fi
	: >"$h"
	: >"$b"
	t0=$(now_ms)
	STATUS=$(curl "${a[@]}" "$@" "$URL$p" 2>>"$T_TMP/curl.err")
	MS=$(($(now_ms) - t0))
	HEADERS=$(tr -d '\r' <"$h")
	BODY=$(cat "$b")
	rm -f "$h" "$b"
}

# req_get TOKEN / req_post TOKEN ITEM: GET and POST /api/userOrders.
req_get() { req GET /api/userOrders "" -H "Authorization: Bearer $1"; }
req_post() {
	req POST /api/userOrders "{\"item\":\"$2\",\"quantity\":1}" \
	    -H "Authorization: Bearer $1"
}

# signup USER: createNewUser; sets ACCESS and RTOKEN.
signup() {
	req POST /api/createNewUser "{\"username\":\"$1\",\"password\":\"$PW\"}"
	ACCESS=$(json .access_token)
	RTOKEN=$(json .refresh_token)
}

# ms_of EPOCHREALTIME: milliseconds.
ms_of() { local t=${1/[.,]/}; echo $((10#$t / 1000)); }

# post_loop OUT USER TOKEN N PREFIX: N order POSTs one after another; each
# appends "PREFIX<TAB>i<TAB>start_ms<TAB>end_ms<TAB>status<TAB>id" to OUT.
post_loop() {
	local out=$1 tok=$3 n=$4 pre=$5 i t0 t1 r st id
	for i in $(seq "$n"); do
		t0=$EPOCHREALTIME
		r=$(curl -sS --max-time 20 -X POST -H 'Content-Type: application/json' \
		    -H "Authorization: Bearer $tok" --data-binary \
		    "{\"item\":\"$pre-$i\",\"quantity\":1}" -w '\n%{http_code}' \
		    "$URL/api/userOrders" 2>>"$T_TMP/curl.err")
		t1=$EPOCHREALTIME
		st=${r##*$'\n'}
		id=
		[[ $r =~ \"id\":[[:space:]]*([0-9]+) ]] && id=${BASH_REMATCH[1]}
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pre" "$i" "$(ms_of "$t0")" \
		    "$(ms_of "$t1")" "${st:-000}" "$id" >>"$out"
	done
}

# wait_lines N DIR: until the files in DIR hold N lines in all (at most
# 20 s; the files may not exist yet).
wait_lines() {
	local n=$1
	for _ in $(seq 400); do
		[ "$(cat "$2"/* 2>/dev/null | wc -l)" -ge "$n" ] && return 0
		sleep 0.05
	done
	return 1
}


# shape: "STATUS content-type[ error-code]" of the last response.
shape() {
	local ct err
	ct=$(printf '%s\n' "$HEADERS" | grep -i '^content-type:' | head -n 1 |
	    sed 's/^[^:]*: *//; s/;.*//')
	err=$(json '.error // empty')
	printf '%s %s%s' "$STATUS" "${ct:--}" "${err:+ $err}"
}

# alive_all PID...: "yes" when every PID is alive.
alive_all() {
	local p
	for p in "$@"; do pid_alive "$p" || { echo "no ($p gone)"; return; }; done
	echo yes
}
