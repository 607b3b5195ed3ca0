#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Asymmetric tokens against real third-party code, through lighttpd from
# deploy/lighttpd.conf (TOKEN_ALG EdDSA, ES256, RS256 in turn): Node's jose
# verifies the tokens login issues with createRemoteJWKSet pointed at our
# /.well-known/jwks.json and nothing else; tokens jose signs with our
# private key verify here; express-jwt with jwks-rsa 3.2.2 lets RS256 and
# ES256 tokens through (jsonwebtoken, under express-jwt, knows no EdDSA:
# README's table).  Each with its refusal beside it: a changed signature,
# and a token signed by a key not in the set.  Last, `TOKEN_ALG=EdDSA make
# run` (deploy/run.sh, from a copy of the checkout) end to end.
#
# jose, express, express-jwt and jwks-rsa are pinned in tests/node's
# package.json and lock (tests/node/ensure-modules.sh installs them).
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME=jose
export LC_ALL=C
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
CONF=$ROOT/deploy/lighttpd.conf
t_require curl jq node npm lighttpd openssl
[ -x "$BUILD/authctl" ] || { t_fail "authctl is built"; t_done; exit 1; }
NODE_DIR=$ROOT/tests/node
if ! out=$("$NODE_DIR/ensure-modules.sh" "$NODE_DIR" 2>&1); then
	t_fail "node modules for tests/node" "$out"
	t_done
	exit 1
fi
[ -n "$out" ] && printf '%s\n' "$out"
jose() { node "$NODE_DIR/jose.js" "$@"; }

t_tmpdir
LPID=
BACKENDS=()
trap 'stop_lighttpd >/dev/null; t_cleanup' EXIT
trap 'exit 130' INT TERM HUP
openssl genpkey -algorithm ed25519 -out "$T_TMP/evil.pem" 2>/dev/null
BODY_PW='{"username":"alice","password":"correct horse battery"}'

# changed TOKEN: the token with its signature's first character changed.
changed() {
	local s=${1##*.} c
	c=${s:0:1}
	[ "$c" = A ] && c=B || c=A
	printf '%s.%s%s' "${1%.*}" "$c" "${s:1}"
}

# orders TOKEN: the status of GET /api/userOrders with TOKEN.
orders() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
	    -H "Authorization: Bearer $1" "$URL/api/userOrders"
}

for alg in EdDSA ES256 RS256; do
	d=$T_TMP/$alg
	mkdir -p "$d/run" "$d/log"
	RUN_DIR=$d/run LOG_DIR=$d/log DATABASE_PATH=$d/auth.db
	STDERR=$d/lighttpd.stderr ENV_FILE=$d/auth.env
	keys=(TOKEN_ALG="$alg" TOKEN_SIGNING_KEY_FILE="$d/keys/signing.pem"
	    TOKEN_VERIFY_KEYS_FILE="$d/jwks.json")
	env -i "${keys[@]}" "$BUILD/authctl" key generate >/dev/null
	printf '%s\n' "${keys[@]}" >"$ENV_FILE"
	ln -s "$d/jwks.json" "$RUN_DIR/jwks.json"
	if ! start_lighttpd; then
		t_fail "$alg: lighttpd starts" "$(tail -n 5 "$STDERR")"
		continue
	fi
	JWKS=$URL/.well-known/jwks.json
	kid=$(jq -r '.keys[0].kid' "$d/jwks.json")
	tok=$(curl -s --max-time 20 -H 'Content-Type: application/json' \
	    -d "$BODY_PW" "$URL/api/createNewUser" | jq -r .access_token)

	check_eq "$alg: jose verifies login's token with only our JWKS URL" \
	    "$alg $kid alice" "$(jose remote "$JWKS" "$tok" 2>&1)"
	check_eq "$alg: jose refuses it with a changed signature" \
	    "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" \
	    "$(jose remote "$JWKS" "$(changed "$tok")" 2>&1)"
	check_eq "$alg: our userorders verifies the token jose signs with our key (kid)" \
	    200 "$(orders "$(jose sign "$alg" "$d/keys/signing.pem" "$kid")")"
	check_eq "$alg: ... and without kid (one key in the set)" \
	    200 "$(orders "$(jose sign "$alg" "$d/keys/signing.pem")")"
	check_eq "$alg: a token jose signs with a key not in the set is refused" \
	    403 "$(orders "$(jose sign EdDSA "$T_TMP/evil.pem" "$kid")")"

	if [ "$alg" != EdDSA ]; then
		check_eq "$alg: express-jwt + jwks-rsa let login's token through, refuse it changed" \
		    "200 alice|401 invalid_token" \
		    "$(jose express "$JWKS" "$alg" "$tok" "$(changed "$tok")" 2>&1 | paste -sd'|')"
	fi
	stop_lighttpd >/dev/null
done

# TOKEN_ALG=EdDSA make run: deploy/run.sh from a copy of the checkout
# makes the key pair under var/ and serves tokens that jose verifies with
# nothing but our /.well-known/jwks.json.
APP=$T_TMP/app
mkdir -p "$APP/build"
cp -R "$ROOT/deploy" "$ROOT/web" "$APP/"
cp "$BUILD"/{login,userorders,refresh,authorize,authctl} "$APP/build/"
for _ in $(seq 20); do
	# Below the ephemeral range (32768 up), where client sockets take theirs.
	PORT=$((20000 + RANDOM % 12768))
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || break
done
URL=http://127.0.0.1:$PORT
env -i PATH="$PATH" TOKEN_ALG=EdDSA PORT="$PORT" "$APP/deploy/run.sh" \
    >"$T_TMP/run.out" 2>&1 &
RUNPID=$!
# wait_up: until the page answers (60 s at most: a busy machine), or
# run.sh left.
wait_up() {
	for _ in $(seq 600); do
		curl -s -o /dev/null --max-time 2 "$URL/" && return 0
		pid_alive "$RUNPID" || return 1
		sleep 0.1
	done
	return 1
}
if wait_up; then
	tok=$(curl -s --max-time 20 -H 'Content-Type: application/json' \
	    -d "$BODY_PW" "$URL/api/createNewUser" | jq -r .access_token)
	check_eq "make run with TOKEN_ALG=EdDSA: jose verifies its token with only the JWKS URL" \
	    "EdDSA $(jq -r '.keys[0].kid' "$APP/var/jwks.json") alice" \
	    "$(jose remote "$URL/.well-known/jwks.json" "$tok" 2>&1)"
	check_eq "make run made the private key 0600 in a 0700 folder" "600 700" \
	    "$(stat -c %a "$APP/var/keys/signing.pem") $(stat -c %a "$APP/var/keys")"
else
	t_fail "TOKEN_ALG=EdDSA deploy/run.sh serves" "$(tail -n 5 "$T_TMP/run.out")"
fi
stop_pids "$RUNPID"
t_done
