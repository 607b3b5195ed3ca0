# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# Shared helpers for the shell-level request tests.  Source it; each test
# script calls t_ok/t_fail (or the check_* helpers) and ends with t_done,
# which prints "N passed, N failed" and sets the exit status.

T_PASS=0
T_FAIL=0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}

# checkout_app_root: the APP_ROOT for a deployment started from the
# checkout (its conf runs APP_ROOT/build/*, serves APP_ROOT/web).  The
# checkout itself, or, when the executables under test were built
# elsewhere (BUILD=..., as `make sanitize` does), a folder in $T_TMP whose
# build/ links to $BUILD and whose deploy/ and web/ link to the checkout's.
checkout_app_root() {
	local d=$T_TMP/app-root
	if [ "$BUILD" -ef "$ROOT/build" ]; then
		printf '%s\n' "$ROOT"
		return 0
	fi
	if [ ! -d "$d" ]; then
		mkdir "$d" && ln -s "$BUILD" "$d/build" &&
		    ln -s "$ROOT/deploy" "$d/deploy" && ln -s "$ROOT/web" "$d/web" ||
		    return 1
	fi
	printf '%s\n' "$d"
}

t_ok()   { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '    %s\n' "${@:2}"; return 0; }
t_done() { echo "${T_NAME:-tests}: $T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; }

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" == "$3" ]; then t_ok "$1"; else t_fail "$1" "expected: $2" "got:      $3"; fi
}

# check_match NAME REGEX ACTUAL (extended regex)
check_match() {
	if [[ $3 =~ $2 ]]; then t_ok "$1"; else t_fail "$1" "expected to match: $2" "got: $3"; fi
}

# A fresh temporary folder, removed at exit.
t_tmpdir() {
	T_TMP=$(mktemp -d -t authtest.XXXXXX)
	trap 't_cleanup' EXIT
}
t_cleanup() {
	local pid
	for pid in ${T_PIDS:-}; do kill -TERM "$pid" 2>/dev/null; done
	for pid in ${T_PIDS:-}; do wait "$pid" 2>/dev/null; done
	[ -n "${T_TMP:-}" ] && rm -rf "$T_TMP"
}

# cgi EXE METHOD URI [BODY] — run an executable as plain CGI.  Extra
# environment goes in the CGI_ENV array (NAME=value ...).  Sets STATUS,
# HEADERS (header block) and BODY.  Content-Type defaults to JSON when a
# body is given; set CGI_CT to override ("-" for none).
cgi() {
	local exe=$1 method=$2 uri=$3 body=${4-} out
	local -a env=(REQUEST_METHOD="$method" REQUEST_URI="$uri")
	if [ $# -ge 4 ]; then
		env+=(CONTENT_LENGTH="${#body}")
		if [ "${CGI_CT:-application/json}" != "-" ]; then
			env+=(CONTENT_TYPE="${CGI_CT:-application/json}")
		fi
	fi
	out=$(printf '%s' "$body" | env "${env[@]}" "${CGI_ENV[@]}" "$BUILD/$exe"; echo x)
	out=${out%x}
	HEADERS=${out%%$'\r\n\r\n'*}
	BODY=${out#*$'\r\n\r\n'}
	# shellcheck disable=SC2034 # STATUS and BODY are the caller's answer
	STATUS=$(printf '%s\n' "$HEADERS" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n1)
}

# header NAME — the value of a header in $HEADERS (case-insensitive).
header() {
	printf '%s\n' "$HEADERS" | tr -d '\r' | awk -v n="$1" 'BEGIN{IGNORECASE=1} index(tolower($0), tolower(n) ":") == 1 { sub(/^[^:]*: */, ""); print; exit }'
}

# json FILTER — jq over $BODY.
json() { printf '%s' "$BODY" | jq -r "$1" 2>/dev/null; }

# wait_for TENTHS CMD...: run CMD until it succeeds; 1 after TENTHS/10 s.
wait_for() {
	local n=$1
	shift
	until "$@"; do
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		sleep 0.1
	done
}

# wchar PID: bytes the process has written (/proc/PID/io).
wchar() { awk '/^wchar:/ { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0; }

# parallel_gets TOKEN P N: P loops of N GETs of $URL/api/userOrders at
# once; one status a line.
parallel_gets() {
	local -a loops=()
	for _ in $(seq "$2"); do
		for _ in $(seq "$3"); do
			curl -s -o /dev/null --max-time 20 -w '%{http_code}\n' \
			    -H "Authorization: Bearer $1" "$URL/api/userOrders"
		done &
		loops+=($!)
	done
	wait "${loops[@]}"
}

# t_require TOOL...: each TOOL a command on PATH (or in /usr/sbin, /sbin),
# an absolute path an existing file, "lighttpd" LIGHTTPD set and CONF a
# file; and the four executables built in $BUILD.  Otherwise one failed
# "prerequisites" test naming what is missing, and exit 1.
t_require() {
	local missing='' tool exe
	for tool in "$@"; do
		case $tool in
		lighttpd)
			[ -n "${LIGHTTPD:-}" ] || missing="$missing lighttpd"
			[ -f "${CONF:-}" ] || missing="$missing ${CONF:-lighttpd.conf}"
			;;
		/*)	[ -e "$tool" ] || missing="$missing $tool" ;;
		*)	PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null ||
			    missing="$missing $tool" ;;
		esac
	done
	for exe in login userorders refresh authorize; do
		[ -x "$BUILD/$exe" ] || missing="$missing $BUILD/$exe"
	done
	if [ -n "$missing" ]; then
		t_fail "prerequisites" "missing:$missing (make all; deploy/deps.sh test)"
		t_done
		exit 1
	fi
}
