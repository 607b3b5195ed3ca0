#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Throttling as plain CGI, every call a new process, so every count is the
# store's, shared by all processes:
#  - per (user name, client address), LOGIN_MAX_FAILURES: the name as sent,
#    existing or not; the right password from that address waits too, from
#    another address it gets in;
#  - per address across names (LOGIN_MAX_FAILURES_PER_ADDRESS, spraying);
#  - per name from every address (LOGIN_MAX_FAILURES_PER_NAME), which never
#    refuses an address the user logged in from;
#  - the client address: REMOTE_ADDR; X-Forwarded-For only from
#    TRUSTED_PROXIES (right-most element), refused when sent twice; IPv6 per
#    /64, IPv4-mapped IPv6 as IPv4;
#  - attempts running at once: exactly the limit gets through;
#  - sign-ups per address, and the cap on Argon2id at once under a burst;
#  - the security log lines, and bad settings.
set -u
export LC_ALL=C
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/lib.sh"
T_NAME=throttle	# read by t_done
export T_NAME
t_tmpdir

t_require sqlite3 python3

PW=correct-horse-battery
DB=$T_TMP/auth.db
LOG=$T_TMP/stderr.log
BASE=(TOKEN_SECRET="throttle-suite-$(openssl rand -hex 16)" DATABASE_PATH="$DB" ENV_FILE=/dev/null)
CGI_ENV=("${BASE[@]}")
cred() { printf '{"username":"%s","password":"%s"}' "$1" "$2"; }

# login ADDR USER PASSWORD [NAME=value...]: a login from REMOTE_ADDR=ADDR
# ("-": none), with the settings in SET plus any given; stderr to LOG.
SET=()
login() {
	local addr=$1 user=$2 pw=$3 save=("${CGI_ENV[@]}")
	CGI_ENV=("${BASE[@]}" "${SET[@]}" "${@:4}")
	[ "$addr" = - ] || CGI_ENV+=(REMOTE_ADDR="$addr")
	cgi login POST /api/login "$(cred "$user" "$pw")" 2>>"$LOG"
	CGI_ENV=("${save[@]}")
}
signup() {
	local addr=$1 user=$2 save=("${CGI_ENV[@]}")
	CGI_ENV=("${BASE[@]}" "${SET[@]}" "${@:3}" REMOTE_ADDR="$addr")
	cgi login POST /api/createNewUser "$(cred "$user" "$PW")" 2>>"$LOG"
	CGI_ENV=("${save[@]}")
}
# statuses N ADDR USER PASSWORD: N logins in turn; " S1 S2 ..." in SEQ.
statuses() {
	local i
	SEQ=
	for ((i = 0; i < $1; i++)); do
		login "$2" "$3" "$4"
		SEQ="$SEQ $STATUS"
	done
}
# A fresh database for the next scenario.
fresh() { rm -f "$DB" "$DB-wal" "$DB-shm"; }

# A window long enough that nothing below depends on how fast the
# machine is; the window's end is tested on its own further down.
SET=(LOGIN_MAX_FAILURES=3 SIGNUP_MAX_PER_ADDRESS=0)
signup 192.0.2.1 alice
check_eq "set-up: alice signs up" 201 "$STATUS"

# ---------------------------------------------------------------------------
# Per (name, address)

declare -A LAST
for who in alice ghost; do
	seq=""
	for _ in 1 2 3 4; do
		login 192.0.2.66 "$who" wrong-password
		seq="$seq $STATUS/$(json .error)"
	done
	check_eq "$who from one address: three failures answer 401, the fourth 429" \
		" 401/invalid_credentials 401/invalid_credentials 401/invalid_credentials 429/too_many_requests" "$seq"
	check_match "$who: Retry-After is the rest of the 15 minute window" '^(8[0-9][0-9]|900)$' "$(header Retry-After)"
	LAST[$who]=$BODY
done
check_eq "the 429 for an unknown name is the same as for a real one" "${LAST[alice]}" "${LAST[ghost]}"
login 192.0.2.66 alice "$PW"
check_eq "the right password from the locked address: still 429" 429 "$STATUS"
login 192.0.2.77 alice "$PW"
check_eq "the right password from another address while the attacker's is locked: 200" 200 "$STATUS"
login 192.0.2.66 bob "$PW"
check_eq "control: another name from the locked address is not refused (401, unknown user)" 401 "$STATUS"

# The lock lasts one window: one failure locks (a limit of 1, a 3 s
# window), then poll with the right password (a 429 counts nothing) until
# it gets in, within a generous deadline.
SET=(LOGIN_MAX_FAILURES=1 LOGIN_WINDOW=3s SIGNUP_MAX_PER_ADDRESS=0)
statuses 2 192.0.2.67 alice wrong-password
check_eq "a limit of 1 in a 3 s window: 401, then 429" " 401 429" "$SEQ"
check_match "… Retry-After is the rest of the window (1 to 3 s)" '^[1-3]$' "$(header Retry-After)"
deadline=$((SECONDS + 30))
while login 192.0.2.67 alice "$PW"; [ "$STATUS" = 429 ] && [ $SECONDS -lt $deadline ]; do
	sleep 0.2
done
check_eq "after the window the right password from that address logs in: 200" 200 "$STATUS"
SET=(LOGIN_MAX_FAILURES=3 SIGNUP_MAX_PER_ADDRESS=0)

# A success forgets that pair's failures: 2, a success, 2 more: no 429.
statuses 2 192.0.2.66 alice wrong-password
login 192.0.2.66 alice "$PW"
statuses 2 192.0.2.66 alice wrong-password
check_eq "a success resets the pair's count (two more failures: 401 401)" " 401 401" "$SEQ"

# ---------------------------------------------------------------------------
# Attempts at once: reserved before hashing, so exactly the limit passes.

fresh
SET=(LOGIN_MAX_FAILURES=3 SIGNUP_MAX_PER_ADDRESS=0)
signup 192.0.2.1 carol
for i in $(seq 32); do
	(login 192.0.2.9 carol "wrong $i"; printf '%s\n' "$STATUS" >"$T_TMP/par.$i") &
done
wait
par=$(cat "$T_TMP"/par.* | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')
check_eq "32 parallel wrong logins with a limit of 3: exactly 3 × 401 and 29 × 429" "3×401 29×429 " "$par"

# ---------------------------------------------------------------------------
# Per address, across names (password spraying)

fresh
SET=(LOGIN_MAX_FAILURES=0 LOGIN_MAX_FAILURES_PER_ADDRESS=4 SIGNUP_MAX_PER_ADDRESS=0)
seq=""
for n in 1 2 3 4 5; do login 198.51.100.5 "spray$n" wrong; seq="$seq $STATUS"; done
check_eq "one address, five names, a limit of 4 per address: 401 ×4, then 429" " 401 401 401 401 429" "$seq"
login 198.51.100.6 spray6 wrong
check_eq "control: another address is not refused (401)" 401 "$STATUS"

# ---------------------------------------------------------------------------
# Per name, from every address (distributed guessing); never the user's
# own address.

fresh
SET=(LOGIN_MAX_FAILURES=5 LOGIN_MAX_FAILURES_PER_NAME=20 SIGNUP_MAX_PER_ADDRESS=0)
signup 198.51.100.10 dana
login 198.51.100.10 dana "$PW"
check_eq "dana logs in from home: 200" 200 "$STATUS"
seq=""
for i in $(seq 21); do login "203.0.113.$i" dana wrong; seq="$seq $STATUS"; done
check_eq "21 attacking addresses, one failure each, a limit of 20 per name: 20 × 401, then 429" \
    "$(printf ' 401%.0s' $(seq 20)) 429" "$seq"
login 203.0.113.99 dana "$PW"
check_eq "the right password from an address dana never used: 429 while the name is locked" 429 "$STATUS"
login 198.51.100.10 dana "$PW"
check_eq "the right password from dana's own address: 200, whatever the attackers do" 200 "$STATUS"
login 198.51.100.10 dana wrong
check_eq "… and a typo from home is a plain 401" 401 "$STATUS"
login 203.0.113.21 dana wrong
check_eq "control: the attackers are still refused (429)" 429 "$STATUS"
check_match "a refusal by the per-name limit alone is logged apart (login_throttled_name: fail2ban leaves it, the client may be the victim)" \
    'event=login_throttled_name user=dana addr=203\.0\.113\.99$' "$(grep 'addr=203.0.113.99$' "$LOG" | tail -n1)"
signup 198.51.100.11 ella
for i in $(seq 20); do login "203.0.113.$((100 + i))" ella wrong; done
login 198.51.100.11 ella "$PW"
check_eq "a user who only signed up is exempt from the address she signed up from: 200" 200 "$STATUS"
login 198.51.100.13 ella "$PW"
check_eq "… not from another (429)" 429 "$STATUS"

# ---------------------------------------------------------------------------
# The client address

fresh
SET=(LOGIN_MAX_FAILURES=2 SIGNUP_MAX_PER_ADDRESS=0)
statuses 2 192.0.2.20 erin wrong
seq=""
for spoof in 1.1.1.1 2.2.2.2; do
	login 192.0.2.20 erin wrong HTTP_X_FORWARDED_FOR="$spoof"
	seq="$seq $STATUS"
done
check_eq "an X-Forwarded-For from an untrusted peer is ignored: the peer stays locked (429 429)" " 429 429" "$seq"

SET=(LOGIN_MAX_FAILURES=2 SIGNUP_MAX_PER_ADDRESS=0 TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
seq=""
for _ in 1 2 3; do login 10.1.1.1 frank wrong HTTP_X_FORWARDED_FOR=198.51.100.31; seq="$seq $STATUS"; done
check_eq "through a trusted proxy the forwarded client is counted: 401 401 429" " 401 401 429" "$seq"
login 10.1.1.1 frank wrong HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.31"
check_eq "… the right-most element is the client (a forged left part changes nothing): 429" 429 "$STATUS"
login 10.1.1.1 frank wrong HTTP_X_FORWARDED_FOR=198.51.100.32
check_eq "… another forwarded client is not refused (401)" 401 "$STATUS"
login 10.1.1.1 frank wrong
check_eq "… nor the proxy itself, sending none (401)" 401 "$STATUS"
login 10.1.1.1 frank wrong HTTP_X_FORWARDED_FOR=not-an-address
check_eq "a trusted proxy's X-Forwarded-For that is no address: 400 invalid_request" \
    "400 invalid_request" "$STATUS $(json .error)"

# Two X-Forwarded-For fields (libfcgi keeps the first, which a client can
# forge): a program with two such variables, as FastCGI can hand them over.
body=$(cred frank wrong)
out=$(printf '%s' "$body" | python3 -c '
import ctypes, sys
exe = sys.argv[1].encode()
env = [a.encode() for a in sys.argv[2:]]
arr = (ctypes.c_char_p * (len(env) + 1))(*env, None)
argv = (ctypes.c_char_p * 2)(exe, None)
ctypes.CDLL(None, use_errno=True).execve(exe, argv, arr)
sys.exit(127)' "$BUILD/login" "${BASE[@]}" TRUSTED_PROXIES=10.0.0.0/8 REQUEST_METHOD=POST \
    REQUEST_URI=/api/login CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
    REMOTE_ADDR=10.1.1.1 HTTP_X_FORWARDED_FOR=6.6.6.6 HTTP_X_FORWARDED_FOR=198.51.100.40 2>>"$LOG")
check_eq "two X-Forwarded-For fields from a trusted proxy: 400 invalid_request" \
    "Status: 400 invalid_request" "$(head -n1 <<<"$out" | tr -d '\r' | cut -d' ' -f1,2) $(tail -n1 <<<"$out" | jq -r .error 2>/dev/null)"

SET=(LOGIN_MAX_FAILURES=2 SIGNUP_MAX_PER_ADDRESS=0)
statuses 2 2001:db8:1:2::1 gina wrong
login 2001:db8:1:2:ffff::9 gina wrong
check_eq "IPv6: another address of the same /64 is the same client (429)" 429 "$STATUS"
login 2001:db8:1:3::1 gina wrong
check_eq "… one of another /64 is not (401)" 401 "$STATUS"
statuses 2 ::ffff:192.0.2.50 hank wrong
login 192.0.2.50 hank wrong
check_eq "an IPv4-mapped IPv6 address counts as its IPv4 address (429)" 429 "$STATUS"

# ---------------------------------------------------------------------------
# Sign-ups per address

fresh
SET=(SIGNUP_MAX_PER_ADDRESS=3)
seq=""
for n in 1 2 3 4; do signup 192.0.2.80 "new$n"; seq="$seq $STATUS"; done
check_eq "four sign-ups from one address, a limit of 3: 201 ×3, then 429 too_many_requests" \
    " 201 201 201 429/too_many_requests" "$seq/$(json .error)"
check_match "… with Retry-After within the 15 minute window" '^[1-9][0-9]*$' "$(header Retry-After)"
signup 192.0.2.81 new5
check_eq "control: another address signs up (201)" 201 "$STATUS"
check_eq "the refused sign-up created nothing" 4 "$(sqlite3 "$DB" 'SELECT count(*) FROM users')"

# ---------------------------------------------------------------------------
# A burst of 64 parallel sign-ups under plain CGI: at most
# PWHASH_MAX_CONCURRENT Argon2id computations (64 MiB each) at any moment,
# and every request answers 201, 429 or 503.

fresh
SET=(SIGNUP_MAX_PER_ADDRESS=40 PWHASH_MAX_CONCURRENT=2 PWHASH_WAIT=1s)
signup 192.0.2.90 seed >/dev/null
# A sampler: the most login processes at once holding 48 MiB more than the
# smallest login process then (one waiting for a slot: its size without
# Argon2id's 64 MiB, whatever a sanitizer adds to every process), and
# their largest total resident memory, until the stop file appears.  Only
# this suite's processes count (DATABASE_PATH=$DB in their environment):
# another test run on the machine may have login processes of its own.
python3 - "$T_TMP/stop" "DATABASE_PATH=$DB" >"$T_TMP/sample" <<'EOF' &
import os, sys, time
most = total_max = 0
mine = sys.argv[2].encode()
def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(l.split(":", 1) for l in f if ":" in l)
        if fields.get("Name", "").strip() != "login":
            return None
        with open(f"/proc/{pid}/environ", "rb") as f:
            if mine not in f.read().split(b"\0"):
                return None
        return int(fields["VmRSS"].split()[0])
    except (OSError, KeyError, ValueError):
        return None
while not os.path.exists(sys.argv[1]):
    sizes = [r for r in (rss_kib(p) for p in os.listdir("/proc") if p.isdigit()) if r]
    if sizes:
        base = min(sizes)
        most = max(most, sum(1 for r in sizes if r > base + 48 * 1024))
    total_max = max(total_max, sum(sizes))
    time.sleep(0.005)
print(most, total_max // 1024)
EOF
SAMPLER=$!
for i in $(seq 64); do
	(signup 192.0.2.91 "burst$i"; printf '%s\n' "$STATUS" >"$T_TMP/burst.$i") &
done
mapfile -t signups < <(jobs -p | grep -vx "$SAMPLER")
wait "${signups[@]}"
touch "$T_TMP/stop"
wait "$SAMPLER"
read -r most total_mib <"$T_TMP/sample"
statuses_seen=$(cat "$T_TMP"/burst.* | sort -u | tr '\n' ' ')
check_match "64 parallel sign-ups: every answer is 201, 429 or 503 (got: $statuses_seen)" \
    '^(201 )?(429 )?(503 )?$' "$statuses_seen"
created=$(cat "$T_TMP"/burst.* | grep -c '^201$')
check_eq "… every 201 is a stored user, and nothing else was stored" \
    "$((created + 1))" "$(sqlite3 "$DB" 'SELECT count(*) FROM users')"
check_match "… some got through (201)" '^[1-9]' "$created"
# At least one: the sampler must see the hashing it bounds.
check_match "… at most 2 processes hashing (48 MiB over the smallest) at any moment, and some (saw $most; $total_mib MiB in all at most)" \
    '^[12]$' "$most"

# ---------------------------------------------------------------------------
# The security log: one line per event, key=value, never a password

fresh
: >"$LOG"
SET=(LOGIN_MAX_FAILURES=1 SIGNUP_MAX_PER_ADDRESS=1)
signup 192.0.2.100 ivy
login 192.0.2.101 ivy 'wrong pw'
login 192.0.2.101 ivy 'wrong pw'
login 2001:db8::5 'x addr=6.6.6.6' 'wrong pw'
signup 192.0.2.100 ivy2
login 192.0.2.102 ivy "$PW"
REFRESH=$(json .refresh_token)
for _ in 1 2; do
	CGI_ENV=("${BASE[@]}" REMOTE_ADDR=192.0.2.103)
	cgi refresh POST /api/token "{\"refresh_token\":\"$REFRESH\"}" 2>>"$LOG"
done
check_eq "the second use of a refresh token is refused (403)" 403 "$STATUS"
T='time=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
mapfile -t lines < <(grep ' security: ' "$LOG")
check_eq "four kinds of events, five lines" 5 "${#lines[@]}"
check_match "a failed login" "^login: security: $T event=login_failed user=ivy addr=192\.0\.2\.101$" "${lines[0]:-}"
check_match "a refused login" "^login: security: $T event=login_throttled user=ivy addr=192\.0\.2\.101$" "${lines[1]:-}"
check_match "a hostile name is escaped, the address is the peer's" \
    "^login: security: $T event=login_failed user=x%20addr%3D6\.6\.6\.6 addr=2001:db8::5$" "${lines[2]:-}"
check_match "a refused sign-up" "^login: security: $T event=signup_throttled user=ivy2 addr=192\.0\.2\.100$" "${lines[3]:-}"
check_match "a refresh token used twice" "^refresh: security: $T event=refresh_reuse user=ivy addr=192\.0\.2\.103$" "${lines[4]:-}"
check_eq "no password in the log" 0 "$(grep -c -e 'wrong pw' -e "$PW" "$LOG")"

# ---------------------------------------------------------------------------
# Defaults, off, and bad settings

fresh
SET=(LOGIN_MAX_FAILURES=0 SIGNUP_MAX_PER_ADDRESS=0)
statuses 6 192.0.2.110 jack wrong
check_eq "LOGIN_MAX_FAILURES=0: six failures, six 401" " 401 401 401 401 401 401" "$SEQ"
SET=()
statuses 6 192.0.2.111 kim wrong
check_eq "defaults: five 401s, then 429" " 401 401 401 401 401 429" "$SEQ"
check_match "defaults: Retry-After within 15 minutes" '^(8[0-9][0-9]|900)$' "$(header Retry-After)"

for bad in LOGIN_MAX_FAILURES=abc LOGIN_MAX_FAILURES=-1 LOGIN_MAX_FAILURES=1001 \
    LOGIN_WINDOW=0 LOGIN_WINDOW=10x LOGIN_MAX_FAILURES_PER_ADDRESS=x \
    LOGIN_MAX_FAILURES_PER_NAME=-5 SIGNUP_MAX_PER_ADDRESS=1e3 \
    PWHASH_MAX_CONCURRENT=2000 PWHASH_WAIT=2h TRUSTED_PROXIES=10.0.0.0/40; do
	err=$(env -i "${BASE[@]}" "$bad" REQUEST_METHOD=POST REQUEST_URI=/api/login "$BUILD/login" </dev/null 2>&1 >/dev/null)
	rc=$?
	check_eq "refuses to start: $bad" "rc>0 names ${bad%%=*}" "rc$([ $rc -gt 0 ] && echo '>0') names $(grep -o "${bad%%=*}" <<<"$err" | head -n1)"
done
t_done
