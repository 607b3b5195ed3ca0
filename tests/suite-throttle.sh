#!/usr/bin/env bash
# Login throttling as plain CGI: after LOGIN_MAX_FAILURES failed logins
# for one user name within LOGIN_WINDOW, 429 too_many_requests with
# Retry-After; the same for a name that does not exist (nothing about
# existence leaks); other names untouched; the lock ends with the window;
# a success resets the count; 0 turns it off.  Every call is a new
# process, so the count is the store's, shared by all processes.
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/lib.sh"
T_NAME=throttle	# read by t_done
export T_NAME
t_tmpdir

PW=correct-horse-battery
BASE=(TOKEN_SECRET="throttle-suite-$(openssl rand -hex 16)" DATABASE_PATH="$T_TMP/auth.db" ENV_FILE=/dev/null)
CGI_ENV=("${BASE[@]}" LOGIN_MAX_FAILURES=3 LOGIN_WINDOW=4s)
login() { cgi login POST /api/login "{\"username\":\"$1\",\"password\":\"$2\"}"; }

cgi login POST /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "set-up: alice signs up" 201 "$STATUS"

# The same sequence for a real name and a name that does not exist.
declare -A LAST
for who in alice ghost; do
	seq=""
	for _ in 1 2 3 4; do
		login "$who" wrong-password
		seq="$seq $STATUS/$(json .error)"
	done
	check_eq "$who: three failures answer 401, the fourth 429" \
		" 401/invalid_credentials 401/invalid_credentials 401/invalid_credentials 429/too_many_requests" "$seq"
	ra=$(header Retry-After)
	check_match "$who: Retry-After is the rest of the window (1 to 4 s)" '^[1-4]$' "$ra"
	LAST[$who]=$BODY
done
check_eq "the 429 for an unknown name is the same as for a real one" "${LAST[alice]}" "${LAST[ghost]}"

login alice "$PW"
check_eq "the right password during the lock: still 429" 429 "$STATUS"
login bob "$PW"
check_eq "control: another name is not throttled (401, unknown user)" 401 "$STATUS"

sleep 4.2
login alice "$PW"
check_eq "after the window the right password logs in: 200" 200 "$STATUS"

# A success resets the count: 2 failures, a success, 2 failures: no 429.
for _ in 1 2; do login alice wrong-password; done
login alice "$PW"
seq=""
for _ in 1 2; do login alice wrong-password; seq="$seq $STATUS"; done
check_eq "a success resets the count (two more failures: 401 401)" " 401 401" "$seq"

# LOGIN_MAX_FAILURES=0 turns throttling off.
CGI_ENV=("${BASE[@]}" LOGIN_MAX_FAILURES=0)
seq=""
for _ in 1 2 3 4 5 6; do login carol wrong-password; seq="$seq $STATUS"; done
check_eq "LOGIN_MAX_FAILURES=0: six failures, six 401" " 401 401 401 401 401 401" "$seq"

# Defaults: 5 failures in 15 minutes.
CGI_ENV=("${BASE[@]}")
seq=""
for _ in 1 2 3 4 5 6; do login dave wrong-password; seq="$seq $STATUS"; done
check_eq "defaults: five 401s, then 429" " 401 401 401 401 401 429" "$seq"
check_match "defaults: Retry-After within 15 minutes" '^(8[0-9][0-9]|900)$' "$(header Retry-After)"

# Bad settings refuse to start, naming the variable.
for bad in LOGIN_MAX_FAILURES=abc LOGIN_MAX_FAILURES=-1 LOGIN_MAX_FAILURES=1001 LOGIN_WINDOW=0 LOGIN_WINDOW=10x; do
	err=$(env -i "${BASE[@]}" "$bad" REQUEST_METHOD=POST REQUEST_URI=/api/login "$BUILD/login" </dev/null 2>&1 >/dev/null)
	rc=$?
	check_eq "refuses to start: $bad" "rc>0 names ${bad%%=*}" "rc$([ $rc -gt 0 ] && echo '>0') names $(grep -o "${bad%%=*}" <<<"$err" | head -n1)"
done
t_done
