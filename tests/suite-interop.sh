#!/usr/bin/env bash
# Interoperability with the Express.js tutorial's Node code (CONTRACT.md,
# "Bearer verification"): tokens that jsonwebtoken makes the tutorial's way
# are accepted here and the look-alikes it can make are refused; tokens made
# here pass jsonwebtoken.verify; and, against the pinned Express peer
# itself (/work/shared/peer/express-seed, copied, never modified), each side
# accepts the other's tokens.
#
# jsonwebtoken is pinned in tests/node/package.json and package-lock.json
# (the peer's version); tests/node/node_modules is installed here with
# `npm ci` when missing and is never committed.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck disable=SC2034 # read by t_done in lib.sh
T_NAME=interop
t_tmpdir

NODE_DIR=$ROOT/tests/node
PEER_SRC=${PEER_SRC:-/work/shared/peer/express-seed}
JWT_VERSION=9.0.3

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

# ---- tests/node: npm ci when node_modules is missing or not the pinned one
jwt_installed() {
	[ "$(node -p "require('$NODE_DIR/node_modules/jsonwebtoken/package.json').version" 2>/dev/null)" = "$JWT_VERSION" ]
}
if ! jwt_installed; then
	t0=$SECONDS
	if ! (cd "$NODE_DIR" && timeout 300 npm ci --no-audit --no-fund) >"$T_TMP/npm-ci.log" 2>&1; then
		bail "npm ci in tests/node (jsonwebtoken $JWT_VERSION)" \
			"$(grep -m 4 -E 'npm (error|ERR!)' "$T_TMP/npm-ci.log" || tail -n 4 "$T_TMP/npm-ci.log")"
	fi
	echo "# npm ci in tests/node took $((SECONDS - t0)) s"
fi
jwt_installed || bail "tests/node has jsonwebtoken $JWT_VERSION after npm ci"

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

echo "# 5. The Express peer ($PEER_SRC)"
peer_checks() {
	local dir=$T_TMP/peer t0 port pid body code i
	if ! mkdir -p "$dir" || ! cp "$PEER_SRC/server.js" "$PEER_SRC/package.json" \
		"$PEER_SRC/package-lock.json" "$dir/"; then
		t_fail "peer: copy server.js, package.json, package-lock.json (the peer checks could not run)"
		return
	fi
	t0=$SECONDS
	# Fewer, shorter retries than npm's default (about 70 s to give up
	# on an unreachable registry), so the suite stays well under 90 s.
	if ! (cd "$dir" && timeout 120 npm ci --no-audit --no-fund \
		--fetch-retries=1 --fetch-retry-mintimeout=2000 \
		--fetch-retry-maxtimeout=5000) >"$T_TMP/peer-npm.log" 2>&1; then
		t_fail "peer: npm ci (the peer checks could not run)" \
			"$(grep -m 4 -E 'npm (error|ERR!)' "$T_TMP/peer-npm.log" || tail -n 4 "$T_TMP/peer-npm.log")"
		return
	fi
	echo "# npm ci for the peer took $((SECONDS - t0)) s"
	printf 'TOKEN_SECRET=%s\nACCESS_TOKEN_SECRET=%s\n' "$SECRET" "$SECRET" >"$T_TMP/peer.env"

	# A free port, then wait for the peer to listen (retry on a lost race).
	for i in 1 2 3; do
		port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
		(cd "$dir" && exec env -u TOKEN_SECRET -u ACCESS_TOKEN_SECRET \
			PORT="$port" DOTENV_PATH="$T_TMP/peer.env" node server.js) \
			>"$T_TMP/peer.log" 2>&1 &
		pid=$!
		T_PIDS="${T_PIDS:-} $pid"
		for _ in $(seq 50); do
			grep -q 'listening' "$T_TMP/peer.log" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		grep -q 'listening' "$T_TMP/peer.log" && break
		kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		pid=
	done
	if [ -z "$pid" ]; then
		t_fail "peer: server.js listens" "$(tail -n 5 "$T_TMP/peer.log")"
		return
	fi
	t_ok "peer: server.js listens on 127.0.0.1:$port"
	local url=http://127.0.0.1:$port

	# peer_req METHOD PATH [BODY] [TOKEN] — sets PCODE and PBODY.
	peer_req() {
		local -a a=(-sS -m 5 -o "$T_TMP/peer.body" -w '%{http_code}' -X "$1")
		[ -n "${3:-}" ] && a+=(-H 'Content-Type: application/json' --data-binary "$3")
		[ -n "${4:-}" ] && a+=(-H "Authorization: Bearer $4")
		PCODE=$(curl "${a[@]}" "$url$2" 2>/dev/null)
		PBODY=$(cat "$T_TMP/peer.body" 2>/dev/null)
	}

	peer_req POST /api/createNewUser '{"username":"alice","password":"pw-at-the-peer"}'
	body=$(jq -r 'if type == "string" then . else "not a JSON string" end' <<<"$PBODY" 2>&1)
	check_match "peer: createNewUser alice -> 200 with a JSON string token" \
		'^200 eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$PCODE $body"
	expect_c "peer's createNewUser token -> 200 here" "200 alice" "$body"
	peer_req POST /api/createNewUser '{"username":"carol"}'
	body=$(jq -r 'if type == "string" then . else "not a JSON string" end' <<<"$PBODY" 2>&1)
	expect_c "peer's token for a user unknown here -> 200 (no orders)" "200 carol" "$body"
	check_eq "peer's token for a user unknown here: empty order list" 0 "$(json '.orders | length')"

	peer_req GET /api/userOrders "" "$LOGGED"
	code=$PCODE
	check_eq "our login token -> 200 on the peer's userOrders" "200 alice" "$code $(jq -r '.username' <<<"$PBODY" 2>&1)"
	peer_req GET /api/userOrders "" "$CREATED"
	check_eq "our createNewUser token -> 200 on the peer" 200 "$PCODE"
	peer_req GET /api/userOrders "" "$REFRESHED"
	check_eq "our refreshed token -> 200 on the peer" 200 "$PCODE"
	# Control: a token from a service with another secret.
	c_token login /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PASSWORD\"}" \
		TOKEN_SECRET="$OTHER" ACCESS_TOKEN_SECRET="$OTHER" DATABASE_PATH="$T_TMP/other.db"
	check_eq "control: our service with another secret issues a token" 201 "$STATUS"
	peer_req GET /api/userOrders "" "${ACCESS:-none}"
	check_eq "control: token from our service with another secret -> 403 on the peer" 403 "$PCODE"

	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	code=$?
	check_eq "peer: stopped by its PID" 0 "$code"
}
if [ -d "$PEER_SRC" ]; then
	peer_checks
else
	t_fail "peer: $PEER_SRC exists (the peer checks could not run)"
fi

t_done
