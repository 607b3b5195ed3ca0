#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# shellcheck source-path=SCRIPTDIR
# Key rotation without a restart: login and userorders as long-lived
# FastCGI workers under spawn-fcgi (TOKEN_ALG=EdDSA), two clients verifying
# tokens without pause, while `authctl key` publishes a next key, rotates
# to it, twice, and retires the first.  Every valid token keeps verifying
# (zero refused, zero 5xx), login signs with each new key once it is
# current, the retired key's tokens stop verifying, and the workers are
# the same processes at the end; SIGHUP does not stop one.
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
t_require cgi-fcgi jq openssl basenc timeout
[ -n "$SPAWN_FCGI" ] || { t_fail "spawn-fcgi is installed"; t_done; exit 1; }

t_tmpdir
WORKERS=()
LOADERS=()
cleanup() {
	: >"$T_TMP/stop"
	stop_pids "${LOADERS[@]}" "${WORKERS[@]}"
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

# until_ok TENTHS CMD...: run CMD until it succeeds, at most TENTHS/10 s.
until_ok() {
	local n=$1
	shift
	until "$@"; do
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		sleep 0.1
	done
}

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
	if until_ok 50 next_known "$kn"; then
		t_ok "round $round: userorders knows the next key within 5 s, no restart"
	else
		t_fail "round $round: userorders knows the next key within 5 s, no restart"
	fi
	authctl rotate --force >/dev/null
	if until_ok 50 login_kid "$kn"; then
		t_ok "round $round: login signs with the new key within 5 s, no restart"
	else
		t_fail "round $round: login signs with the new key within 5 s, no restart"
	fi
done
# Let the clients use the newest token a while: 20 more requests each.
base=$(cat "$T_TMP"/load.* | wc -l)
grows() { [ "$(cat "$T_TMP"/load.* | wc -l)" -ge $((base + 40)) ]; }
until_ok 100 grows
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
if until_ok 50 refused "$tok0"; then
	t_ok "after authctl key retire its tokens are refused within 5 s"
else
	t_fail "after authctl key retire its tokens are refused within 5 s"
fi
if verifies "$(tail -n 1 "$T_TMP/tokens")"; then
	t_ok "the current key's token verifies after the retirement"
else
	t_fail "the current key's token verifies after the retirement"
fi
kill -HUP "$OPID"
if until_ok 20 verifies "$(tail -n 1 "$T_TMP/tokens")" && pid_alive "$OPID"; then
	t_ok "SIGHUP: userorders stays and answers"
else
	t_fail "SIGHUP: userorders stays and answers"
fi
check_eq "the same two worker processes throughout" "yes yes" \
    "$(pid_alive "$LPID" && echo yes) $(pid_alive "$OPID" && echo yes)"

# deploy/spawn-fcgi.sh: the private key's path reaches the signers only.
answers() { [ -S "$1" ] && fcgi "$1" GET /api/nope && [ "$STATUS" = 404 ]; }
got=
for exe in login userorders; do
	env -i PATH="$PATH" ALLOW_ROOT=1 DATABASE_PATH="$DB" "${KEYS[@]}" \
	    "$ROOT/deploy/spawn-fcgi.sh" "$exe" "$T_TMP/sf-$exe.sock" \
	    >>"$T_TMP/workers.log" 2>&1 &
	WORKERS+=("$!")
	until_ok 50 answers "$T_TMP/sf-$exe.sock" ||
	    t_fail "deploy/spawn-fcgi.sh starts $exe"
	got+="$exe $(tr '\0' '\n' <"/proc/$!/environ" | grep -c '^TOKEN_SIGNING_KEY_FILE=') "
done
check_eq "deploy/spawn-fcgi.sh hands TOKEN_SIGNING_KEY_FILE to login, never to userorders" \
    "login 1 userorders 0 " "$got"
t_done
