#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Interoperability with the Express.js tutorial's Node code: tokens that
# jsonwebtoken makes the tutorial's way (jwt.sign({username}, secret,
# {expiresIn: '1800s'})) are accepted here and the look-alikes it can make
# are refused; tokens made here pass jsonwebtoken.verify; and, against our
# own rendition of the tutorial's Express server (tests/peer), each side
# accepts the other's tokens.
#
# jsonwebtoken (tests/node) and the peer's express, jsonwebtoken and dotenv
# (tests/peer) are pinned in each folder's package.json and package-lock.json;
# tests/node/ensure-modules.sh installs them with `npm ci` when missing and
# says plainly when node is older than they need.  node_modules is never
# committed.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2034 # read by t_done in lib.sh
T_NAME=interop
t_tmpdir

NODE_DIR=$ROOT/tests/node
PEER_DIR=$ROOT/tests/peer
JWT_VERSION=$(jq -r '.dependencies.jsonwebtoken' "$NODE_DIR/package.json")

# Nothing from the caller's environment may change what is tested.
unset TOKEN_SECRET ACCESS_TOKEN_SECRET TOKEN_SECRET_FILE TOKEN_ISSUER \
	TOKEN_AUDIENCE TOKEN_LEEWAY AUTH_INVALID_STATUS ACCESS_TOKEN_TTL \
	REFRESH_TOKEN_TTL AUTH_COOKIES ENV_FILE DATABASE_PATH \
	JWT_SECRET JWT_OTHER_SECRET JWT_ISSUER JWT_AUDIENCE
cd "$T_TMP" || exit 1

bail() {
	t_fail "$@"
	t_done
	exit 1
}

for exe in login userorders refresh; do
	[ -x "$BUILD/$exe" ] || bail "build/$exe exists (run make all first)"
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	bail "node and npm are installed (deploy/deps.sh test)"
fi

# ---- tests/node and tests/peer: npm ci when node_modules is not the pinned one
if ! out=$("$NODE_DIR/ensure-modules.sh" "$NODE_DIR" "$PEER_DIR" 2>&1); then
	bail "node modules for tests/node and tests/peer" "$out"
fi
[ -n "$out" ] && printf '%s\n' "$out"
echo "# node $(node --version), npm $(npm --version)"
check_eq "tests/node's jsonwebtoken is the peer's (tests/peer/package.json)" "$JWT_VERSION" \
	"$(jq -r '.dependencies.jsonwebtoken' "$PEER_DIR/package.json")"

# ---- every package in the lock files runs on the Node that engines names
engines_check() {	# DIR... : one ok/not ok per DIR from engines.js
	local line
	while IFS= read -r line; do
		line=${line//"$ROOT/"/}
		case $line in
		"ok "*) t_ok "engines.node kept by every locked package: ${line#ok }" ;;
		*) t_fail "engines.node kept by every locked package: ${line#not ok }" ;;
		esac
	done < <(node "$NODE_DIR/engines.js" "$@" 2>&1)
}
engines_check "$NODE_DIR" "$PEER_DIR"
# The control: a lock with one package that wants a newer Node than promised.
mkdir -p "$T_TMP/engines"
printf '{"name":"planted","engines":{"node":">=18"}}\n' >"$T_TMP/engines/package.json"
printf '%s\n' '{"lockfileVersion":3,"packages":{"":{"name":"planted"},' \
	'"node_modules/too-new":{"version":"1.0.0","engines":{"node":">=20"}}}}' >"$T_TMP/engines/package-lock.json"
out=$(node "$NODE_DIR/engines.js" "$T_TMP/engines" 2>&1)
check_eq "control: engines.js refuses a locked package that wants node >=20" \
	"1 not ok $T_TMP/engines >=18: too-new@1.0.0 wants node >=20" "$? $out"

# ---- secrets: as the tutorial makes them, used as their text bytes
rand_hex() { node -e "process.stdout.write(require('crypto').randomBytes(64).toString('hex'))"; }
SECRET=$(rand_hex)
OTHER=$(rand_hex)
[[ $SECRET =~ ^[0-9a-f]{128}$ && $OTHER =~ ^[0-9a-f]{128}$ && $SECRET != "$OTHER" ]] ||
	bail "two fresh 128-hex secrets"
ISSUER=https://auth.example.test
AUDIENCE=orders-api
export JWT_SECRET=$SECRET JWT_OTHER_SECRET=$OTHER JWT_ISSUER=$ISSUER JWT_AUDIENCE=$AUDIENCE

: >"$T_TMP/empty.env"
BASE_ENV=(TOKEN_SECRET="$SECRET" ACCESS_TOKEN_SECRET="$SECRET"
	DATABASE_PATH="$T_TMP/auth.db" ENV_FILE="$T_TMP/empty.env")
ISS_ENV=(TOKEN_ISSUER="$ISSUER" TOKEN_AUDIENCE="$AUDIENCE")
PASSWORD='correct horse battery'

# node_sign KIND... — one token per kind into the TOK associative array.
declare -A TOK
node_sign() {
	local -a out
	local i
	mapfile -t out < <(node "$NODE_DIR/jwt.js" sign "$@")
	for ((i = 0; i < $#; i++)); do
		TOK[${*:i+1:1}]=${out[i]-}
	done
}

# node_verify TOKEN [OPTIONS_JSON] [text|hex|other] — sets NV_RC, NV_OUT
# (header and payload as JSON) and NV_ERR.
node_verify() {
	NV_OUT=$(node "$NODE_DIR/jwt.js" verify "$1" "${2:-{\}}" "${3:-text}" 2>"$T_TMP/nv.err")
	NV_RC=$?
	NV_ERR=$(cat "$T_TMP/nv.err")
}

# c_orders TOKEN [ENV...] — GET /api/userOrders here with that bearer token.
c_orders() {
	# shellcheck disable=SC2034 # read by cgi() in lib.sh
	local -a CGI_ENV=("${BASE_ENV[@]}" "HTTP_AUTHORIZATION=Bearer $1" "${@:2}")
	cgi userorders GET /api/userOrders
}

# c_token EXE URI BODY [ENV...] — a token response; sets ACCESS, REFRESH.
c_token() {
	# shellcheck disable=SC2034 # read by cgi() in lib.sh
	local -a CGI_ENV=("${BASE_ENV[@]}" "${@:4}")
	cgi "$1" POST "$2" "$3"
	ACCESS=$(json '.access_token // empty')
	REFRESH=$(json '.refresh_token // empty')
}

# expect_c NAME WANT TOKEN [ENV...] — WANT is "200 user" or "403".
expect_c() {
	local name=$1 want=$2 got
	c_orders "${@:3}"
	case $want in
	200*) got="$STATUS $(json .username)" ;;
	*) got="$STATUS $(json .error)"; want="$want invalid_token" ;;
	esac
	check_eq "$name" "$want" "$got"
}

# The shape every access token from here must have, as Node decodes it.
C_SHAPE='[.header.alg, .payload.username, .payload.sub,
	(.payload.iat | type), (.payload.exp | type),
	(.payload.exp - .payload.iat)] | map(tostring) | join(" ")'
C_SHAPE_WANT="HS256 alice alice number number 1800"

# expect_node_ok NAME TOKEN [OPTIONS_JSON] — Node verifies it, and it
# has the shape above.
expect_node_ok() {
	node_verify "$2" "${3:-}"
	if [ "$NV_RC" -ne 0 ]; then
		t_fail "$1" "jwt.verify threw: $NV_ERR"
		return
	fi
	check_eq "$1" "$C_SHAPE_WANT" "$(jq -r "$C_SHAPE" <<<"$NV_OUT" 2>&1)"
}

# expect_node_err NAME TOKEN OPTIONS_JSON KEY ERROR — Node refuses it.
expect_node_err() {
	node_verify "$2" "$3" "$4"
	check_eq "$1" "1 $5" "$NV_RC $NV_ERR"
}

echo "# 1. Node -> C: tokens signed by jsonwebtoken $JWT_VERSION"
node_sign tutorial 1h extra kid email iss-aud other-secret hs384 hs512 none \
	none-signed expired expired-iat nbf no-timestamp no-exp hex-as-text \
	hex-decoded
c_token login /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PASSWORD\"}"
check_eq "C: createNewUser alice" 201 "$STATUS"
CREATED=$ACCESS
c_add_order() {
	# shellcheck disable=SC2034 # read by cgi() in lib.sh
	local -a CGI_ENV=("${BASE_ENV[@]}" "HTTP_AUTHORIZATION=Bearer $1")
	cgi userorders POST /api/userOrders "$2"
}
c_add_order "$CREATED" '{"item":"book","quantity":2}'
check_eq "C: alice adds an order" 201 "$STATUS"

expect_c "tutorial token (expiresIn '1800s') -> 200" "200 alice" "${TOK[tutorial]}"
check_eq "tutorial token: alice's own order listed" "book 2" "$(json '.orders[0] | "\(.item) \(.quantity)"')"
expect_c "expiresIn '1h' -> 200" "200 alice" "${TOK[1h]}"
expect_c "extra claims (objects, arrays, float, null, sub, jti) -> 200" "200 alice" "${TOK[extra]}"
expect_c "header with keyid (kid) -> 200" "200 alice" "${TOK[kid]}"
expect_c "username with . and @ -> 200" "200 alice.smith@example.com" "${TOK[email]}"
expect_c "signed with another secret -> 403" 403 "${TOK[other-secret]}"
expect_c "algorithm HS384, same secret -> 403" 403 "${TOK[hs384]}"
expect_c "algorithm HS512, same secret -> 403" 403 "${TOK[hs512]}"
expect_c "algorithm none (jsonwebtoken, empty signature) -> 403" 403 "${TOK[none]}"
expect_c "alg none header with a valid HS256 signature -> 403" 403 "${TOK[none-signed]}"
expect_c "expiresIn -10 (expired) -> 403" 403 "${TOK[expired]}"
expect_c "iat an hour ago, expiresIn '1800s' (expired) -> 403" 403 "${TOK[expired-iat]}"
expect_c "notBefore 60 -> 403" 403 "${TOK[nbf]}"
expect_c "noTimestamp with expiresIn (no iat) -> 200" "200 alice" "${TOK[no-timestamp]}"
# The boundaries: signed just before use, so that usually both sides see
# the same second (the checks hold in any case; they are sharp only then).
node_sign exp-now
expect_c "exp = now (jsonwebtoken: expired when now >= exp) -> 403" 403 "${TOK[exp-now]}"
node_sign nbf-now
expect_c "nbf = now (jsonwebtoken: not yet only when nbf > now) -> 200" "200 alice" "${TOK[nbf-now]}"
expect_c "no expiresIn (no exp: contract requires exp) -> 403" 403 "${TOK[no-exp]}"

echo "# 2. C -> Node: tokens from build/login verify with jwt.verify"
c_token login /api/login "{\"username\":\"alice\",\"password\":\"$PASSWORD\"}"
check_eq "C: login alice" 200 "$STATUS"
LOGGED=$ACCESS
LOGIN_REFRESH=$REFRESH
ALGS='{"algorithms":["HS256"]}'
node_verify "$CREATED"
check_eq "createNewUser token: jwt.verify(token, secret) as the tutorial" 0 "$NV_RC"
expect_node_ok "createNewUser token: algorithms [HS256], username/sub/iat/exp, exp-iat 1800" "$CREATED" "$ALGS"
node_verify "$LOGGED"
check_eq "login token: jwt.verify(token, secret) as the tutorial" 0 "$NV_RC"
expect_node_ok "login token: algorithms [HS256], username/sub/iat/exp, exp-iat 1800" "$LOGGED" "$ALGS"
check_eq "login token header as Node decodes it" '{"alg":"HS256","typ":"JWT"}' "$(jq -c '.header' <<<"$NV_OUT" 2>&1)"
expect_node_err "login token, Node with another secret -> invalid signature" \
	"$LOGGED" "$ALGS" other "JsonWebTokenError: invalid signature"

c_token login /api/login "{\"username\":\"alice\",\"password\":\"$PASSWORD\"}" "${ISS_ENV[@]}"
check_eq "C with TOKEN_ISSUER/TOKEN_AUDIENCE: login alice" 200 "$STATUS"
ISS_TOKEN=$ACCESS
expect_node_ok "iss/aud token: Node verify with {issuer, audience}" "$ISS_TOKEN" \
	"{\"algorithms\":[\"HS256\"],\"issuer\":\"$ISSUER\",\"audience\":\"$AUDIENCE\"}"
check_eq "iss/aud token: iss and aud claims" "$ISSUER $AUDIENCE" "$(jq -r '"\(.payload.iss) \(.payload.aud)"' <<<"$NV_OUT" 2>&1)"
expect_node_err "iss/aud token: Node with a wrong issuer fails" "$ISS_TOKEN" \
	"{\"algorithms\":[\"HS256\"],\"issuer\":\"https://evil.example.test\",\"audience\":\"$AUDIENCE\"}" \
	text "JsonWebTokenError: jwt issuer invalid. expected: https://evil.example.test"
expect_node_err "iss/aud token: Node with a wrong audience fails" "$ISS_TOKEN" \
	"{\"algorithms\":[\"HS256\"],\"issuer\":\"$ISSUER\",\"audience\":\"other-api\"}" \
	text "JsonWebTokenError: jwt audience invalid. expected: other-api"
expect_c "C with iss/aud: Node token with {issuer, audience} -> 200" "200 alice" "${TOK[iss-aud]}" "${ISS_ENV[@]}"
expect_c "C with iss/aud: tutorial token without them -> 403" 403 "${TOK[tutorial]}" "${ISS_ENV[@]}"

echo "# 3. Secret handling: a hex-looking secret is its text bytes on both sides"
expect_c "Node, Buffer.from(secret) (text bytes) -> 200" "200 alice" "${TOK[hex-as-text]}"
expect_c "Node, Buffer.from(secret, 'hex') (decoded bytes) -> 403" 403 "${TOK[hex-decoded]}"
expect_node_err "C token, Node with the hex-decoded secret -> invalid signature" \
	"$LOGGED" "$ALGS" hex "JsonWebTokenError: invalid signature"

echo "# 4. Refresh, then Node"
c_token refresh /api/token "{\"refresh_token\":\"$LOGIN_REFRESH\"}"
check_eq "C: POST /api/token with the login's refresh token" 200 "$STATUS"
REFRESHED=$ACCESS
if [ -n "$REFRESHED" ] && [ "$REFRESHED" != "$LOGGED" ]; then t_ok "refresh gives a new access token"
else t_fail "refresh gives a new access token" "got: ${REFRESHED:-nothing}"; fi
expect_node_ok "refreshed token: Node verify, username/sub/iat/exp, exp-iat 1800" "$REFRESHED" "$ALGS"
expect_c "refreshed token -> 200 here too" "200 alice" "$REFRESHED"

echo "# 5. The tutorial's Express server (tests/peer), with the same secret"
PEER_PID='' PEER_URL=''
# start_peer NAME ENV_FILE [VAR=value...]: node tests/peer/server.js on a
# free port (PORT=0) of 127.0.0.1, with no secret in its environment but
# those given, reading ENV_FILE as its dotenv file; waits (20 s at most)
# for its "listening" line.  Sets PEER_PID, PEER_URL, PEER_LOG.
start_peer() {
	local deadline=$((SECONDS + 20))
	PEER_LOG=$T_TMP/peer-$1.log PEER_PID='' PEER_URL=''
	(cd "$PEER_DIR" && exec env -u TOKEN_SECRET -u ACCESS_TOKEN_SECRET \
		-u SECRET_KEYOBJECT PORT=0 DOTENV_PATH="$2" "${@:3}" node server.js) \
		>"$PEER_LOG" 2>&1 &
	PEER_PID=$!
	T_PIDS="${T_PIDS:-} $PEER_PID"
	while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$PEER_PID" 2>/dev/null; do
		PEER_URL=$(sed -n 's|^peer listening on \(http://127\.0\.0\.1:[0-9][0-9]*\) .*|\1|p' "$PEER_LOG")
		[ -n "$PEER_URL" ] && return 0
		sleep 0.1
	done
	return 1
}
# stop_peer: SIGTERM, then its exit status (SIGKILL and 137 after 10 s).
stop_peer() {
	local deadline=$((SECONDS + 10))
	kill -TERM "$PEER_PID" 2>/dev/null
	while kill -0 "$PEER_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
	kill -KILL "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
}

# peer_req METHOD PATH [BODY] [TOKEN]: sets PCODE and PBODY.
peer_req() {
	local -a a=(-sS -m 10 -o "$T_TMP/peer.body" -w '%{http_code}' -X "$1")
	[ -n "${3:-}" ] && a+=(-H 'Content-Type: application/json' --data-binary "$3")
	[ -n "${4:-}" ] && a+=(-H "Authorization: Bearer $4")
	: >"$T_TMP/peer.body"
	PCODE=$(curl "${a[@]}" "$PEER_URL$2" 2>/dev/null)
	PBODY=$(cat "$T_TMP/peer.body")
}
# peer_token: the token a 200 answered, as a JSON string, or a note.
peer_token() {
	jq -r 'if type == "string" then . else "not a JSON string" end' <<<"$PBODY" 2>&1
}

# The secrets only in the dotenv file: the peer must read it.
printf 'TOKEN_SECRET=%s\nACCESS_TOKEN_SECRET=%s\n' "$SECRET" "$SECRET" >"$T_TMP/peer.env"
if ! start_peer faithful "$T_TMP/peer.env"; then
	t_fail "peer: server.js listens (the peer checks could not run)" "$(tail -n 5 "$PEER_LOG")"
else
	t_ok "peer: server.js listens at $PEER_URL (secret from its dotenv file)"
	port=${PEER_URL##*:}
	curl -s -o /dev/null -m 5 "http://127.0.0.2:$port/api/userOrders"
	check_eq "peer: bound to 127.0.0.1 only (127.0.0.2:$port refuses the connection: curl exit 7)" 7 "$?"

	peer_req POST /api/createNewUser '{"username":"alice","password":"pw-at-the-peer"}'
	PEER_ALICE=$(peer_token)
	check_match "peer: createNewUser alice -> 200 with the token as a JSON string" \
		'^200 eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$PCODE $PEER_ALICE"
	node_verify "$PEER_ALICE" "$ALGS"
	check_eq "peer's token as jsonwebtoken reads it: HS256, claims username iat exp, exp - iat 1800" \
		"HS256 alice exp,iat,username 1800" \
		"$(jq -r '"\(.header.alg) \(.payload.username) \(.payload | keys | join(",")) \(.payload.exp - .payload.iat)"' <<<"$NV_OUT" 2>&1)"
	expect_c "peer's createNewUser token -> 200 here" "200 alice" "$PEER_ALICE"
	check_eq "peer's token here: alice's orders made here" "book 2" "$(json '.orders[0] | "\(.item) \(.quantity)"')"
	peer_req POST /api/createNewUser '{"username":"carol"}'
	expect_c "peer's token for a user unknown here -> 200 (no orders)" "200 carol" "$(peer_token)"
	check_eq "peer's token for a user unknown here: empty order list" 0 "$(json '.orders | length')"

	peer_req POST /api/login '{"username":"alice","password":"pw-at-the-peer"}'
	check_match "peer: login alice -> 200 with a token" '^200 eyJ' "$PCODE $(peer_token)"
	expect_c "peer's login token -> 200 here" "200 alice" "$(peer_token)"
	peer_req POST /api/login '{"username":"alice","password":"not the password"}'
	check_eq "peer: login with a wrong password -> 401 Unauthorized" "401 Unauthorized" "$PCODE $PBODY"
	peer_req POST /api/login '{"username":"alice"}'
	check_eq "peer: login without a password -> 400 Bad Request" "400 Bad Request" "$PCODE $PBODY"

	peer_req GET /api/userOrders "" "$PEER_ALICE"
	check_eq "peer: its own token -> 200, alice with her two orders" "200 alice 2" \
		"$PCODE $(jq -r '"\(.username) \(.orders | length)"' <<<"$PBODY" 2>&1)"
	peer_req GET /api/userOrders
	check_eq "peer: no token -> 401 Unauthorized (authenticateToken)" "401 Unauthorized" "$PCODE $PBODY"
	peer_req GET /api/userOrders "" "${TOK[expired]}"
	check_eq "peer: expired token -> 403 Forbidden (jwt.verify error)" "403 Forbidden" "$PCODE $PBODY"

	peer_req GET /api/userOrders "" "$LOGGED"
	check_eq "our login token -> 200 on the peer's userOrders" "200 alice" "$PCODE $(jq -r '.username' <<<"$PBODY" 2>&1)"
	peer_req GET /api/userOrders "" "$CREATED"
	check_eq "our createNewUser token -> 200 on the peer" "200 alice" "$PCODE $(jq -r '.username' <<<"$PBODY" 2>&1)"
	peer_req GET /api/userOrders "" "$REFRESHED"
	check_eq "our refreshed token -> 200 on the peer" "200 alice" "$PCODE $(jq -r '.username' <<<"$PBODY" 2>&1)"
	# Control: a token from a service with another secret.
	c_token login /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PASSWORD\"}" \
		TOKEN_SECRET="$OTHER" ACCESS_TOKEN_SECRET="$OTHER" DATABASE_PATH="$T_TMP/other.db"
	check_eq "control: our service with another secret issues a token" 201 "$STATUS"
	OTHER_TOKEN=${ACCESS:-none}
	peer_req GET /api/userOrders "" "$OTHER_TOKEN"
	check_eq "control: token from our service with another secret -> 403 Forbidden on the peer" "403 Forbidden" "$PCODE $PBODY"

	stop_peer
	check_eq "peer: SIGTERM stops it, exit status 0" 0 "$?"
fi

echo "# 6. The peer with SECRET_KEYOBJECT=1 (the benchmark's tuned form)"
# The secret in the environment, another in the dotenv file: the
# environment wins (dotenv's rule), or no token of ours would pass.
printf 'TOKEN_SECRET=%s\nACCESS_TOKEN_SECRET=%s\n' "$OTHER" "$OTHER" >"$T_TMP/peer-other.env"
if ! start_peer tuned "$T_TMP/peer-other.env" SECRET_KEYOBJECT=1 \
	TOKEN_SECRET="$SECRET" ACCESS_TOKEN_SECRET="$SECRET"; then
	t_fail "tuned peer: server.js listens (its checks could not run)" "$(tail -n 5 "$PEER_LOG")"
else
	check_match "tuned peer: listens, and says SECRET_KEYOBJECT=1" 'SECRET_KEYOBJECT=1' "$(cat "$PEER_LOG")"
	peer_req GET /api/userOrders "" "$LOGGED"
	check_eq "tuned peer: our login token -> 200 (the environment's secret won over the file's)" \
		"200 alice" "$PCODE $(jq -r '.username' <<<"$PBODY" 2>&1)"
	peer_req GET /api/userOrders "" "$OTHER_TOKEN"
	check_eq "tuned peer: token signed with another secret -> 403 Forbidden" "403 Forbidden" "$PCODE $PBODY"
	peer_req GET /api/userOrders "" "${TOK[hex-decoded]}"
	check_eq "tuned peer: token signed with the hex-decoded secret -> 403 Forbidden" "403 Forbidden" "$PCODE $PBODY"
	peer_req GET /api/userOrders
	check_eq "tuned peer: no token -> 401 Unauthorized" "401 Unauthorized" "$PCODE $PBODY"
	peer_req POST /api/createNewUser '{"username":"dave","password":"pw"}'
	expect_c "tuned peer's token -> 200 here" "200 dave" "$(peer_token)"
	stop_peer
	check_eq "tuned peer: SIGTERM stops it, exit status 0" 0 "$?"
fi

t_done
