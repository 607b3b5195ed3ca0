#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# shellcheck source-path=SCRIPTDIR
# Key rotation without a restart: login and userorders as long-lived
# FastCGI workers under spawn-fcgi (TOKEN_ALG=EdDSA), two clients verifying
# tokens without pause, while `authctl key` publishes a next key, rotates
# to it, twice, and retires the first.  Every valid token keeps verifying
# (zero refused, zero 5xx), login signs with each new key once it is
# current, the retired key's tokens stop verifying, and the workers are
# the same processes at the end; SIGHUP does not stop one, nor one whose
# HS256 secret came from the environment alone.  Then HS256
# the same way, through lighttpd from deploy/lighttpd.conf: the secret in
# TOKEN_SECRET_FILE replaced twice by rename while clients verify and
# refresh without pause, and no worker restarted: the replaced secret
# verifies until its tokens have expired, the one before it no longer.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck source=http/helpers.sh disable=SC1091
. "$ROOT/tests/http/helpers.sh"
# shellcheck source=fcgi/helpers.sh disable=SC1091
. "$ROOT/tests/fcgi/helpers.sh"
# shellcheck source=cgi/jwt.sh disable=SC1091
. "$HERE/cgi/jwt.sh"
# shellcheck source=cgi/jws.sh disable=SC1091
. "$HERE/cgi/jws.sh"
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME=rotate

CGI_FCGI=$(command -v cgi-fcgi)
SPAWN_FCGI=$(PATH=$PATH:/usr/sbin:/sbin command -v spawn-fcgi)
LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
CONF=$ROOT/deploy/lighttpd.conf
t_require cgi-fcgi jq openssl basenc timeout curl lighttpd
[ -n "$SPAWN_FCGI" ] || { t_fail "spawn-fcgi is installed"; t_done; exit 1; }

t_tmpdir
WORKERS=()
LOADERS=()
LPID=
BACKENDS=()
cleanup() {
	: >"$T_TMP/stop"
	stop_pids "${LOADERS[@]}" "${WORKERS[@]}"
	stop_lighttpd >/dev/null
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
DB=$T_TMP/auth.db
FCGI_ENV=()
FCGI_CT=
KEYS=(TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$T_TMP/keys/signing.pem"
    TOKEN_VERIFY_KEYS_FILE="$T_TMP/jwks.json")
authctl() { env -i "${KEYS[@]}" "$BUILD/authctl" key "$@"; }
kid_of() { jwt_part "$1" 0 | jq -r .kid; }
BODY_PW='{"username":"alice","password":"correct horse battery"}'

# login_kid KID: login answers a token signed with KID (appended to tokens).
login_kid() {
	fcgi "$T_TMP/login.sock" POST /api/login "$BODY_PW"
	[ "$STATUS" = 200 ] || return 1
	[ "$(kid_of "$(json .access_token)")" = "$1" ] || return 1
	json .access_token >>"$T_TMP/tokens"
}

# verifies TOKEN: userorders answers 200 to it.
verifies() {
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $1")
	fcgi "$T_TMP/orders.sock" GET /api/userOrders
	FCGI_ENV=()
	[ "$STATUS" = 200 ]
}
refused() { ! verifies "$1" && [ "$STATUS" = 403 ]; }

# next_known KID: userorders takes a token the next key KID signs.
next_known() {
	verifies "$(jws_sign EdDSA "{\"alg\":\"EdDSA\",\"kid\":\"$1\"}" \
	    "{\"sub\":\"alice\",\"iat\":$EPOCHSECONDS,\"exp\":$((EPOCHSECONDS + 600))}" \
	    "$T_TMP/keys/$1.pem")"
}

# loader N: GET /api/userOrders with the newest token until the stop file
# appears; one "STATUS KID" line per request in load.N.
loader() {
	local tok out
	while [ ! -e "$T_TMP/stop" ]; do
		tok=$(tail -n 1 "$T_TMP/tokens")
		out=$(timeout 10 env -i REQUEST_METHOD=GET REQUEST_URI=/api/userOrders \
		    SCRIPT_NAME=/api/userOrders HTTP_AUTHORIZATION="Bearer $tok" \
		    "$CGI_FCGI" -bind -connect "$T_TMP/orders.sock" 2>/dev/null)
		printf '%s %s\n' "$(printf '%s\n' "$out" |
		    sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n1)" \
		    "$(kid_of "$tok")" >>"$T_TMP/load.$1"
	done
}

mkdir -p "$T_TMP/keys"
k0=$(authctl generate | cut -d' ' -f1)
start_worker "$T_TMP/login.sock" login "${KEYS[@]}" || t_fail "login starts"
LPID=$WPID
start_worker "$T_TMP/orders.sock" userorders TOKEN_ALG=EdDSA \
    TOKEN_VERIFY_KEYS_FILE="$T_TMP/jwks.json" || t_fail "userorders starts"
OPID=$WPID
fcgi "$T_TMP/login.sock" POST /api/createNewUser "$BODY_PW"
check_eq "sign-up: 201 with a token of the first key" "201 $k0" \
    "$STATUS $(kid_of "$(json .access_token)")"
json .access_token >"$T_TMP/tokens"
tok0=$(head -n 1 "$T_TMP/tokens")

for n in 1 2; do loader "$n" & LOADERS+=("$!"); done

for round in 1 2; do
	kn=$(authctl generate | cut -d' ' -f1)
	if wait_for 300 next_known "$kn"; then
		t_ok "round $round: userorders knows the next key, no restart"
	else
		t_fail "round $round: userorders knows the next key, no restart"
	fi
	authctl rotate --force >/dev/null
	if wait_for 300 login_kid "$kn"; then
		t_ok "round $round: login signs with the new key, no restart"
	else
		t_fail "round $round: login signs with the new key, no restart"
	fi
done
# Let the clients use the newest token a while: 20 more requests each.
base=$(cat "$T_TMP"/load.* | wc -l)
grows() { [ "$(cat "$T_TMP"/load.* | wc -l)" -ge $((base + 40)) ]; }
wait_for 600 grows
: >"$T_TMP/stop"
stop_pids "${LOADERS[@]}"
LOADERS=()

total=$(cat "$T_TMP"/load.* | wc -l)
check_eq "under load: every request answered 200 (no token refused, no 5xx)" \
    "$total" "$(cat "$T_TMP"/load.* | grep -c '^200 ')"
check_eq "under load: the clients used tokens of all three keys" 3 \
    "$(cut -d' ' -f2 "$T_TMP"/load.* | sort -u | wc -l)"
check_match "under load: more than 40 requests" '^[0-9]{2,}$' "$total"

if verifies "$tok0"; then
	t_ok "the first key's token still verifies while it is previous"
else
	t_fail "the first key's token still verifies while it is previous"
fi
authctl retire "$k0" >/dev/null
if wait_for 300 refused "$tok0"; then
	t_ok "after authctl key retire its tokens are refused, no restart"
else
	t_fail "after authctl key retire its tokens are refused, no restart"
fi
if verifies "$(tail -n 1 "$T_TMP/tokens")"; then
	t_ok "the current key's token verifies after the retirement"
else
	t_fail "the current key's token verifies after the retirement"
fi
kill -HUP "$OPID"
if wait_for 300 verifies "$(tail -n 1 "$T_TMP/tokens")" && pid_alive "$OPID"; then
	t_ok "SIGHUP: userorders stays and answers"
else
	t_fail "SIGHUP: userorders stays and answers"
fi
check_eq "the same two worker processes throughout" "yes yes" \
    "$(pid_alive "$LPID" && echo yes) $(pid_alive "$OPID" && echo yes)"

# HS256 with the secret from the environment alone, no key file (as most
# deployments and `make run` give it): SIGHUP empties the token cache
# there too, and stops nothing (its default action would end the worker).
HS_SECRET=$(openssl rand -hex 40)
start_worker "$T_TMP/hs.sock" userorders TOKEN_SECRET="$HS_SECRET" ||
	t_fail "userorders starts with TOKEN_SECRET alone"
HPID=$WPID
hs_tok=$(jwt_sign '{"alg":"HS256","typ":"JWT"}' \
    "{\"sub\":\"alice\",\"iat\":$EPOCHSECONDS,\"exp\":$((EPOCHSECONDS + 600))}" "$HS_SECRET")
hs_get() {
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $1")
	fcgi "$T_TMP/hs.sock" GET /api/userOrders
	FCGI_ENV=()
	echo "$STATUS"
}
check_eq "HS256, TOKEN_SECRET alone: its token verifies (control)" 200 "$(hs_get "$hs_tok")"
kill -HUP "$HPID"
check_eq "… SIGHUP while it waits for a request: it answers the next one" 200 "$(hs_get "$hs_tok")"
check_eq "… the same process, still running" yes "$(pid_alive "$HPID" && echo yes)"
check_eq "… and a forged token is still refused (control)" 403 \
    "$(hs_get "${hs_tok%.*}.$(printf 'A%.0s' $(seq 43))")"

# deploy/spawn-fcgi.sh: the private key's path reaches the signers only.
answers() { [ -S "$1" ] && fcgi "$1" GET /api/nope && [ "$STATUS" = 404 ]; }
got=
for exe in login userorders; do
	env -i PATH="$PATH" ALLOW_ROOT=1 DATABASE_PATH="$DB" "${KEYS[@]}" \
	    "$ROOT/deploy/spawn-fcgi.sh" "$BUILD/$exe" "$T_TMP/sf-$exe.sock" \
	    >>"$T_TMP/workers.log" 2>&1 &
	WORKERS+=("$!")
	wait_for 300 answers "$T_TMP/sf-$exe.sock" ||
	    t_fail "deploy/spawn-fcgi.sh starts $exe"
	got+="$exe $(tr '\0' '\n' <"/proc/$!/environ" | grep -c '^TOKEN_SIGNING_KEY_FILE=') "
done
check_eq "deploy/spawn-fcgi.sh hands TOKEN_SIGNING_KEY_FILE to login, never to userorders" \
    "login 1 userorders 0 " "$got"

# ---------------------------------------------------------------------------
# HS256: TOKEN_SECRET replaced twice under load, through lighttpd

stop_pids "${WORKERS[@]}"
WORKERS=()
rm -f "$T_TMP/stop" "$T_TMP"/load.*
RUN_DIR=$T_TMP/run LOG_DIR=$T_TMP/log ENV_FILE=$T_TMP/hs.env
DATABASE_PATH=$T_TMP/hs.db STDERR=$T_TMP/lighttpd.stderr
mkdir -m 0700 "$RUN_DIR" "$LOG_DIR"
TTL=1800	# ACCESS_TOKEN_TTL: the window never ends under the test's feet
SECRET_FILE=$T_TMP/hs.secret
secret() { openssl rand -hex 40; }
# use_secret SECRET: TOKEN_SECRET_FILE's line from now on, by rename (a
# reader never sees half of it).
use_secret() {
	(umask 077 && printf '%s\n' "$1" >"$SECRET_FILE.tmp") &&
	    mv -f "$SECRET_FILE.tmp" "$SECRET_FILE"
}
printf 'TOKEN_SECRET_FILE=%s\nACCESS_TOKEN_TTL=%s\nSIGNUP_MAX_PER_ADDRESS=0\n' \
    "$SECRET_FILE" "$TTL" >"$ENV_FILE"
# exe_pids NAME: lighttpd's backends running $BUILD/NAME.
exe_pids() {
	local p
	for p in $(children "$LPID"); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$BUILD/$1")" ] &&
		    echo "$p"
	done
}
# hs_producer: POST /api/token with the newest refresh token without pause
# (each access token to tokens, each status to hs.produced), the session
# of one sign-up.
hs_producer() {
	local rt out
	rt=$(cat "$T_TMP/rt")
	while [ ! -e "$T_TMP/stop" ]; do
		out=$(curl -s --max-time 10 -w '\n%{http_code}' -H 'Content-Type: application/json' \
		    -d "{\"refresh_token\":\"$rt\"}" "$URL/api/token")
		echo "${out##*$'\n'}" >>"$T_TMP/hs.produced"
		out=${out%$'\n'*}
		rt=$(jq -r '.refresh_token // empty' <<<"$out")
		jq -r '.access_token // empty' <<<"$out" >>"$T_TMP/tokens"
		[ -n "$rt" ] || break
	done
}
# hs_loader N: GET /api/userOrders with the newest token, to hs.N.  Each
# request is made once: no restart, so no 5xx to ask again.
hs_loader() {
	local code tok
	while [ ! -e "$T_TMP/stop" ]; do
		tok=$(tail -n 1 "$T_TMP/tokens")
		code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' \
		    -H "Authorization: Bearer $tok" "$URL/api/userOrders")
		echo "$code" >>"$T_TMP/hs.$1"
	done
}
# signed_by SECRET: the newest token is SECRET's.
signed_by() { jwt_verify "$(tail -n 1 "$T_TMP/tokens")" "$1"; }

S1=$(secret) S2=$(secret) S3=$(secret)
use_secret "$S1"
if ! start_lighttpd; then
	t_fail "lighttpd starts" "$(tail -n 5 "$STDERR")"
	t_done
	exit 1
fi
out=$(curl -s --max-time 20 -H 'Content-Type: application/json' \
    -d '{"username":"bob","password":"correct horse battery"}' "$URL/api/createNewUser")
jq -r .access_token <<<"$out" >"$T_TMP/tokens"
jq -r .refresh_token <<<"$out" >"$T_TMP/rt"
# A token of the first secret, valid ten minutes: it verifies after the
# first replacement (the replaced secret's window), and not after the
# second (only the secret replaced last verifies; the window's end in
# time is test_keyring's).
old_tok=$(jwt_sign '{"alg":"HS256","typ":"JWT"}' \
    "{\"sub\":\"bob\",\"iat\":$EPOCHSECONDS,\"exp\":$((EPOCHSECONDS + 600))}" "$S1")
hs_producer & LOADERS+=("$!")
hs_loader 1 & LOADERS+=("$!")

# every_pid: the PIDs of every worker, sorted.
every_pid() { { exe_pids userorders; exe_pids refresh; exe_pids login; } | sort; }
before=$(every_pid)
use_secret "$S2"
if wait_for 300 signed_by "$S2"; then
	t_ok "HS256 round 1: refresh signs with the new secret, no restart"
else
	t_fail "HS256 round 1: refresh signs with the new secret, no restart"
fi
check_eq "HS256 round 1: the first secret's token verifies in its window" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $old_tok" "$URL/api/userOrders")"
# SIGHUP asks a worker to look at the file now (at its next request); it
# does not stop it.  lighttpd gives a request to the least loaded worker,
# the first on a tie, so one may have had none since the file changed: it
# would go from the first secret straight to the third, keeping the first
# as the one replaced.  Rounds of 8 × 10 GETs until every worker has
# answered one since the signal, at most 20.
pids=$(exe_pids userorders)
declare -A w0=()
for p in $pids; do w0[$p]=$(wchar "$p"); kill -HUP "$p"; done
seen() { local p; for p in $pids; do [ "$(wchar "$p")" -gt "${w0[$p]}" ] || return 1; done; }
rounds=0
while [ "$rounds" -eq 0 ] || { ! seen && [ "$rounds" -lt 20 ]; }; do
	parallel_gets "$(tail -n 1 "$T_TMP/tokens")" 8 10 >>"$T_TMP/hup.gets"
	rounds=$((rounds + 1))
done
check_eq "HS256: every userorders worker answered after SIGHUP ($((rounds * 80)) GETs, all 200)" \
    "yes 200×$((rounds * 80))" \
    "$(seen && echo yes) $(sort "$T_TMP/hup.gets" 2>/dev/null | uniq -c | awk '{printf "%s×%s", $2, $1}')"
use_secret "$S3"
if wait_for 300 signed_by "$S3"; then
	t_ok "HS256 round 2: refresh signs with the third secret, no restart"
else
	t_fail "HS256 round 2: refresh signs with the third secret, no restart"
fi
check_eq "HS256 round 2: the first secret, no longer configured, is refused (control)" 403 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $old_tok" "$URL/api/userOrders")"
base=$(wc -l <"$T_TMP/hs.1")
grown() { [ "$(wc -l <"$T_TMP/hs.1")" -ge $((base + 40)) ]; }
wait_for 600 grown
: >"$T_TMP/stop"
stop_pids "${LOADERS[@]}"
LOADERS=()
total=$(wc -l <"$T_TMP/hs.1")
check_eq "HS256 under load: every GET answered 200 ($total), no token refused, no 5xx" \
    "$total" "$(grep -c '^200$' "$T_TMP/hs.1")"
check_eq "HS256: the workers are the same processes at the end (none restarted, SIGHUP stopped none)" \
    "$before" "$(every_pid)"
check_eq "HS256 under load: every refresh answered 200" \
    "$(wc -l <"$T_TMP/hs.produced")" "$(grep -c '^200$' "$T_TMP/hs.produced")"
used=$(sort -u "$T_TMP/tokens" | while read -r t; do
	for s in "$S1" "$S2" "$S3"; do jwt_verify "$t" "$s" && echo "${s:0:8}"; done
done | sort -u | wc -l)
check_eq "HS256 under load: tokens of all three secrets were in use" 3 "$used"
t_done
