#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-browser.sh: the page in web/ in a real browser.  Starts two
# lighttpd instances from deploy/lighttpd.conf (as tests/suite-http.sh
# does: an empty environment plus the variables its banner names, a free
# port on 127.0.0.1, a fresh secret and database), both with a short
# ACCESS_TOKEN_TTL and the second with AUTH_COOKIES=1, then drives Debian's
# Chromium (headless, a fresh profile) with playwright-core through
# tests/browser/scenario.js: sign up, log out, log in, orders (numbered per
# user, in pages with a More button), an automatic refresh after the access
# token expired, logout, the error messages (exact texts, a real 429), the
# byte rule for passwords, a 390 px wide layout, a page load that logs no
# error; the same core flow in cookie mode, where no token may ever be
# visible to scripts; and a page on another origin (tests/browser/
# cross-origin.html, served by a second server on another port, which both
# instances list in CORS_ORIGINS) signing up, adding and listing orders in
# both modes, and refused on an origin they do not list.  playwright-core is pinned in tests/browser/package.json
# and package-lock.json (1.61, the newest that runs on Node 18, Debian 12's)
# and installed by tests/node/ensure-modules.sh with `npm ci` when missing
# (it downloads no browser).  One screenshot per state (SHOTS below) goes
# to tests/out/browser/, listed at the end.  Ends with "browser: N passed,
# N failed"; stops everything it started.
set -u
T_NAME=browser
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
export LC_ALL=C
umask 0077

SUITE_T0=$(now_ms)
BROWSER_DIR=$ROOT/tests/browser
OUT_DIR=$ROOT/tests/out/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CONF=$ROOT/deploy/lighttpd.conf
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
ACCESS_TTL=3		# seconds: the scenario waits past it, three times
SCENARIO_LIMIT=150	# seconds for the whole browser scenario
# The screenshots the scenario takes, one per state of the page, as
# tests/out/browser/NAME.png.
SHOTS=(
	signed-out		# a fresh page load
	signed-up		# just after signing up: the empty list
	error-banner		# a wrong password
	narrow-390px		# a 390x844 viewport, signed in with orders
	logged-in-orders	# signed in with orders (bearer mode)
	orders-more-button	# a list longer than a page: the More button
	rate-limited-429	# the 429 of the real login throttle
	cookie-mode-logged-in	# signed in with an order (AUTH_COOKIES=1)
	cross-origin-orders	# the page on another origin, with its order
)

# Nothing from the caller's environment may change what is tested.
unset TOKEN_SECRET ACCESS_TOKEN_SECRET TOKEN_SECRET_FILE TOKEN_ISSUER \
	TOKEN_AUDIENCE TOKEN_LEEWAY AUTH_INVALID_STATUS ACCESS_TOKEN_TTL \
	REFRESH_TOKEN_TTL AUTH_COOKIES ENV_FILE DATABASE_PATH CORS_ORIGINS \
	CORS_MAX_AGE AUTH_COOKIE_SAMESITE

bail() {
	t_fail "$@"
	t_done
	exit 1
}

t_require curl jq node npm lighttpd "$CHROMIUM"

t_tmpdir
declare -A LPID=() URL=()
BACKENDS=()
SCENARIO_PID=
cleanup() {
	[ -n "$SCENARIO_PID" ] && stop_pids "$SCENARIO_PID"
	stop_browsers >/dev/null
	stop_all >/dev/null
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------------
# playwright-core, pinned
# ---------------------------------------------------------------------
PW_VERSION=$(jq -r '.dependencies["playwright-core"]' "$BROWSER_DIR/package.json")
# tests/node too: engines.js below takes semver from there.
if ! out=$("$ROOT/tests/node/ensure-modules.sh" "$ROOT/tests/node" "$BROWSER_DIR" 2>&1); then
	bail "node modules for tests/browser (playwright-core $PW_VERSION)" "$out"
fi
[ -n "$out" ] && printf '%s\n' "$out"
echo "# node $(node --version), npm $(npm --version), playwright-core $PW_VERSION, $("$CHROMIUM" --version 2>/dev/null)"
# playwright-core 1.62 and later refuse Node 18: the lock file must keep
# the package.json's engines.node (">=18") for every package in it.
out=$(node "$ROOT/tests/node/engines.js" "$BROWSER_DIR" 2>&1)
check_match "engines.node kept by every locked package: tests/browser" \
    "^ok $BROWSER_DIR >=18 \([0-9]+ packages\)$" "$out"

# ---------------------------------------------------------------------
# Two lighttpd instances
# ---------------------------------------------------------------------
# start_instance NAME [VAR=value...]: lighttpd from deploy/lighttpd.conf
# on a free port, with its own secret, database, sockets and logs under
# $T_TMP/NAME, from an empty environment plus the banner's variables and
# the service settings given (they reach the backends through
# bin-copy-environment).  Sets LPID[NAME] and URL[NAME].
start_instance() {
	local name=$1 dir=$T_TMP/$1 port pid app_root
	shift
	app_root=$(checkout_app_root) || return 1
	mkdir -p "$dir/run" "$dir/log"
	printf 'TOKEN_SECRET=%s\n' "$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')" >"$dir/auth.env"
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 12768))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		env - PATH="$PATH" APP_ROOT="$app_root" PORT="$port" \
		    RUN_DIR="$dir/run" LOG_DIR="$dir/log" ENV_FILE="$dir/auth.env" \
		    DATABASE_PATH="$dir/auth.db" "$@" \
		    "$LIGHTTPD" -D -f "$CONF" </dev/null >>"$dir/stderr" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			pid_alive "$pid" || break
			if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
				LPID[$name]=$pid
				URL[$name]=http://127.0.0.1:$port
				mapfile -t -O "${#BACKENDS[@]}" BACKENDS < <(children "$pid")
				return 0
			fi
			sleep 0.1
		done
		stop_pids "$pid"
	done
	return 1
}

# stop_all: SIGTERM each lighttpd, then wait for every backend it spawned
# (lighttpd does not wait for them), by PID.  1 when one needed SIGKILL.
stop_all() {
	local name rc=0
	for name in "${!LPID[@]}"; do
		mapfile -t -O "${#BACKENDS[@]}" BACKENDS < <(children "${LPID[$name]}")
		stop_pids "${LPID[$name]}" || rc=1
		unset "LPID[$name]"
	done
	if [ "${#BACKENDS[@]}" -gt 0 ] && ! wait_gone 30 "${BACKENDS[@]}"; then
		rc=1
		stop_pids "${BACKENDS[@]}"
	fi
	BACKENDS=()
	return "$rc"
}

# browsers: PIDs of processes whose command line names our temporary
# folder (Chromium with its --user-data-dir there, and its helpers).
browsers() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$T_TMP/profiles" && echo "${p#/proc/}"
	done
	return 0
}
# stop_browsers: end those, by PID; prints them.
stop_browsers() {
	local -a pids
	mapfile -t pids < <(browsers)
	[ "${#pids[@]}" -gt 0 ] || return 0
	echo "${pids[*]}"
	kill -TERM "${pids[@]}" 2>/dev/null
	wait_gone 30 "${pids[@]}" || kill -KILL "${pids[@]}" 2>/dev/null
	return 0
}

# unused_port: a random port nothing listens on, for the scenario's own
# page server (the page on another origin); below the kernel's ephemeral
# range (net.ipv4.ip_local_port_range, 32768 up by default), where every
# client connection of the run (curl, the browser) takes its own port and
# could take this one before the page server listens on it.
unused_port() {
	local port
	for _ in $(seq 20); do
		port=$((20000 + RANDOM % 12768))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		echo "$port"
		return 0
	done
	return 1
}
APP_PORT=$(unused_port) || bail "a free port for the page on another origin"
OTHER_PORT=$(unused_port) || bail "a second free port for it"
[ "$APP_PORT" != "$OTHER_PORT" ] || OTHER_PORT=$((APP_PORT + 1))

t0=$(now_ms)
start_instance bearer ACCESS_TOKEN_TTL="$ACCESS_TTL" CORS_ORIGINS="http://127.0.0.1:$APP_PORT" ||
	bail "lighttpd (bearer mode) starts from deploy/lighttpd.conf" "$(tail -n 5 "$T_TMP"/bearer/stderr "$T_TMP"/bearer/log/* 2>/dev/null)"
start_instance cookie ACCESS_TOKEN_TTL="$ACCESS_TTL" AUTH_COOKIES=1 CORS_ORIGINS="http://127.0.0.1:$APP_PORT" ||
	bail "lighttpd (AUTH_COOKIES=1) starts from deploy/lighttpd.conf" "$(tail -n 5 "$T_TMP"/cookie/stderr "$T_TMP"/cookie/log/* 2>/dev/null)"
t_ok "two lighttpd instances from deploy/lighttpd.conf: ${URL[bearer]} and ${URL[cookie]} with AUTH_COOKIES=1 ($(($(now_ms) - t0)) ms)"

# What the settings did, checked with curl before the browser relies on
# them: the short TTL in both, the cookies only in the second.
probe() {
	curl -sS --max-time 20 -D "$T_TMP/probe.h" -o "$T_TMP/probe.b" \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"username\":\"probe-$1\",\"password\":\"correct horse battery\"}" \
	    "${URL[$1]}/api/createNewUser" 2>>"$T_TMP/curl.err"
	printf '%s %s\n' "$(jq -r .expires_in "$T_TMP/probe.b" 2>/dev/null)" \
	    "$(tr -d '\r' <"$T_TMP/probe.h" | grep -ciE '^set-cookie: (access|refresh)_token=[^;]+;.*HttpOnly')"
}
check_eq "bearer instance: expires_in $ACCESS_TTL, no cookies" "$ACCESS_TTL 0" "$(probe bearer)"
check_eq "cookie instance: expires_in $ACCESS_TTL, two HttpOnly token cookies" "$ACCESS_TTL 2" "$(probe cookie)"
# CORS_ORIGINS came through lighttpd's environment (var.copy_env).
preflight_probe() {
	curl -sS --max-time 20 -o /dev/null -D - -X OPTIONS -H "Origin: $2" \
	    -H 'Access-Control-Request-Method: POST' "${URL[$1]}/api/createNewUser" 2>>"$T_TMP/curl.err" |
	    tr -d '\r' | awk '/^HTTP\// { s = $2 } tolower($0) ~ /^access-control-allow-origin:/ { o = $2 }
	    END { print s, (o == "" ? "-" : o) }'
}
check_eq "bearer instance: a preflight from http://127.0.0.1:$APP_PORT → 204, allowed (CORS_ORIGINS)" \
    "204 http://127.0.0.1:$APP_PORT" "$(preflight_probe bearer "http://127.0.0.1:$APP_PORT")"
check_eq "… and from http://127.0.0.1:$OTHER_PORT → 403, no Allow-Origin" \
    "403 -" "$(preflight_probe bearer "http://127.0.0.1:$OTHER_PORT")"

# ---------------------------------------------------------------------
# The browser scenario
# ---------------------------------------------------------------------
mkdir -p "$OUT_DIR" "$T_TMP/profiles"
rm -f "$OUT_DIR"/*.png	# each run's own screenshots only
pending=	# a "not ok" line waiting for its indented details
details=()
flush() {
	[ -n "$pending" ] && t_fail "$pending" "${details[@]}"
	pending=
	details=()
}
t0=$(now_ms)
(
	cd "$BROWSER_DIR" &&
	BROWSER_BEARER_URL=${URL[bearer]} BROWSER_COOKIE_URL=${URL[cookie]} \
	BROWSER_ACCESS_TTL=$ACCESS_TTL BROWSER_PROFILE_ROOT=$T_TMP/profiles \
	BROWSER_OUT_DIR=$OUT_DIR BROWSER_CHROMIUM=$CHROMIUM \
	BROWSER_APP_PORT=$APP_PORT BROWSER_OTHER_PORT=$OTHER_PORT \
	    exec timeout -k 5 "$SCENARIO_LIMIT" node scenario.js
) </dev/null >"$T_TMP/scenario.out" 2>"$T_TMP/node.stderr" &
SCENARIO_PID=$!
# Its lines as they come, until it exits.
while IFS= read -r line; do
	case $line in
	"ok - "*) flush; t_ok "${line#ok - }" ;;
	"not ok - "*) flush; pending=${line#not ok - } ;;
	"    "*) if [ -n "$pending" ]; then details+=("${line#    }"); else echo "$line"; fi ;;
	*) flush; echo "$line" ;;
	esac
done < <(tail -n +1 -f --pid="$SCENARIO_PID" "$T_TMP/scenario.out")
wait "$SCENARIO_PID"
node_status=$?
SCENARIO_PID=
flush
scenario_ms=$(($(now_ms) - t0))
case $node_status in
0) t_ok "the browser scenario ran to its end ($scenario_ms ms)" ;;
124|137) t_fail "the browser scenario ran to its end" "stopped after the ${SCENARIO_LIMIT} s limit" ;;
*) if [ "$T_FAIL" -gt 0 ] && ! grep -q . "$T_TMP/node.stderr"; then
	t_ok "the browser scenario ran to its end ($scenario_ms ms; its failures are above)"
   else
	t_fail "the browser scenario ran to its end" "node exited $node_status" "$(tail -n 6 "$T_TMP/node.stderr")"
   fi ;;
esac
expected=$(printf '%s.png\n' "${SHOTS[@]}" | sort | tr '\n' ' ')
written=$(cd "$OUT_DIR" && find . -maxdepth 1 -name '*.png' -size +0 | sed 's|^\./||' | sort | tr '\n' ' ')
check_eq "one screenshot per state (${#SHOTS[@]}) in ${OUT_DIR#"$ROOT"/}/" "$expected" "$written"
for shot in "${SHOTS[@]}"; do
	[ -s "$OUT_DIR/$shot.png" ] && echo "# screenshot: ${OUT_DIR#"$ROOT"/}/$shot.png"
done

# ---------------------------------------------------------------------
# Stopping, and what the servers logged
# ---------------------------------------------------------------------
left=$(stop_browsers)
check_eq "no Chromium process left behind" "" "$left"
alive=0
for p in "${BACKENDS[@]}"; do pid_alive "$p" && alive=$((alive + 1)); done
check_eq "the ${#BACKENDS[@]} backends (max-procs of each executable, the authorizer too, per lighttpd) are all still running" \
    "${#BACKENDS[@]}" "$alive"
if stop_all; then
	t_ok "SIGTERM stops both lighttpd instances and all their backends"
else
	t_fail "SIGTERM stops both lighttpd instances and all their backends" "SIGKILL was needed"
fi
check_eq "no backend died (no \"child exited\" in the logs)" "" \
    "$(cat "$T_TMP"/*/stderr "$T_TMP"/*/log/lighttpd-error.log 2>/dev/null | grep -i 'child exited' | head -n 3)"
leak=
for name in bearer cookie; do
	for f in "$T_TMP/$name/stderr" "$T_TMP/$name"/log/*; do
		[ -f "$f" ] || continue
		grep -qE 'eyJ[A-Za-z0-9_-]{8,}' "$f" && leak="$leak $name/$(basename "$f"):access-token"
		grep -qF 'correct horse battery' "$f" && leak="$leak $name/$(basename "$f"):password"
	done
done
check_eq "no access token or password in lighttpd's logs or stderr" "" "$leak"
echo "# suite-browser took $(($(now_ms) - SUITE_T0)) ms"
t_done
