#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# shellcheck source-path=SCRIPTDIR
# Asymmetric tokens (TOKEN_ALG EdDSA, ES256, RS256) through the executables
# run as plain CGI: tokens signed by login verify at userorders by kid from
# the JWK Set; every attack of docs/security.md ("Asymmetric tokens") next
# to a positive control that differs from it in the one thing attacked;
# the HS256 migration window and the previous HS256 secret; start-up
# refusals, one line naming the variable.  Keys come from authctl key.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck source=cgi/jwt.sh disable=SC1091
. "$HERE/cgi/jwt.sh"
# shellcheck source=cgi/jws.sh disable=SC1091
. "$HERE/cgi/jws.sh"
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME=jws

t_require openssl jq basenc
[ -x "$BUILD/authctl" ] || { t_fail "authctl is built"; t_done; exit 1; }
t_tmpdir
cd "$T_TMP" || exit 1
DB=$T_TMP/auth.db
NOW=$EPOCHSECONDS
SECRET="jws-suite-$(openssl rand -hex 20)"
ALGS="EdDSA ES256 RS256"

# keys DIR ALG: a key set for ALG in DIR (authctl key generate).
keys() {
	mkdir -p "$1"
	env -i TOKEN_ALG="$2" TOKEN_SIGNING_KEY_FILE="$1/keys/signing.pem" \
	    TOKEN_VERIFY_KEYS_FILE="$1/jwks.json" "$BUILD/authctl" key "${3:-generate}" \
	    ${4:+"$4"} >/dev/null
}
for a in $ALGS; do keys "$T_TMP/$a" "$a"; done
kid() { jq -r ".keys[${2:-0}].kid" "$T_TMP/$1/jwks.json"; }
key() { printf '%s' "$T_TMP/$1/keys/signing.pem"; }

# run EXE METHOD URI ALG [NAME=value]... [-- BODY]: EXE as CGI with ALG's
# verify set and signing key, DATABASE_PATH and the extra variables.
run() {
	local exe=$1 method=$2 uri=$3 alg=$4
	shift 4
	CGI_ENV=(TOKEN_ALG="$alg" DATABASE_PATH="$DB")
	if [ "$alg" != HS256 ]; then
		CGI_ENV+=(TOKEN_VERIFY_KEYS_FILE="$T_TMP/$alg/jwks.json"
		    TOKEN_SIGNING_KEY_FILE="$(key "$alg")")
	fi
	while [ $# -gt 0 ] && [ "$1" != -- ]; do CGI_ENV+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	cgi "$exe" "$method" "$uri" "$@"
}

# get NAME WANT ALG TOKEN [NAME=value]...: GET /api/userOrders with the
# bearer TOKEN; WANT is 200 (alice's list) or 403 (invalid_token).
get() {
	local name=$1 want=$2 alg=$3 tok=$4
	shift 4
	run userorders GET /api/userOrders "$alg" HTTP_AUTHORIZATION="Bearer $tok" "$@"
	if [ "$want" = 200 ]; then
		check_eq "$name" "200 alice" "$STATUS $(json .username)"
	else
		check_eq "$name" "403 invalid_token" "$STATUS $(json .error)"
	fi
}

# claims [IAT]: alice's claims, issued at IAT (now), expiring in 10 min.
claims() {
	printf '{"sub":"alice","username":"alice","iat":%d,"exp":%d}' \
	    "${1:-$NOW}" "$((NOW + 600))"
}
hdr() { printf '{"alg":"%s","typ":"JWT","kid":"%s"}' "$1" "$2"; }
# hmac_hex HEXKEY: stdin -> base64url HMAC-SHA256 under the key's bytes.
hmac_hex() { openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -binary | b64url; }
# hs_token HEADER PAYLOAD HEXKEY: an HS256 token under any key bytes.
hs_token() {
	local h p
	h=$(printf '%s' "$1" | b64url)
	p=$(printf '%s' "$2" | b64url)
	printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" | hmac_hex "$3")"
}
hex() { od -An -v -tx1 | tr -d ' \n'; }
utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# ---------------------------------------------------------------------------
# Signing and verifying, each algorithm

body='{"username":"alice","password":"correct horse battery"}'
run login POST /api/createNewUser EdDSA -- "$body"
check_eq "sign-up with TOKEN_ALG=EdDSA: 201" 201 "$STATUS"
for a in $ALGS; do
	run login POST /api/login "$a" -- "$body"
	tok=$(json .access_token)
	check_eq "$a: login's token has the header alg, typ and the key's kid" \
	    "$(hdr "$a" "$(kid "$a")")" "$(jwt_part "$tok" 0)"
	get "$a: login's token verifies at userorders" 200 "$a" "$tok"
	get "$a: a token minted here with the key verifies (the control)" 200 "$a" \
	    "$(jws_sign "$a" "$(hdr "$a" "$(kid "$a")")" "$(claims)" "$(key "$a")")"
	get "$a: without kid, with one key in the set" 200 "$a" \
	    "$(jws_sign "$a" "{\"alg\":\"$a\"}" "$(claims)" "$(key "$a")")"
	tampered=$(jws_sign "$a" "$(hdr "$a" "$(kid "$a")")" "$(claims)" "$(key "$a")")
	last=${tampered: -1}
	[ "$last" = A ] && last=Q || last=A
	tampered="${tampered%?}$last"
	get "$a: a changed signature is refused" 403 "$a" "$tampered"
done
# The thumbprint, computed apart from the service (RFC 7638 §3.1).
tp=$(jq -cj '.keys[0] | {crv, kty, x}' "$T_TMP/EdDSA/jwks.json" |
    openssl dgst -sha256 -binary | b64url)
check_eq "EdDSA: kid is the RFC 7638 thumbprint" "$tp" "$(kid EdDSA)"
check_eq "the JWK Set holds only public members" \
    '["alg","crv","kid","kty","use","x"] ["alg","crv","kid","kty","use","x","y"] ["alg","e","kid","kty","n","use"]' \
    "$(for a in $ALGS; do jq -c '.keys[0] | keys' "$T_TMP/$a/jwks.json"; done | tr '\n' ' ' | sed 's/ $//')"

# ---------------------------------------------------------------------------
# Attacks, each beside its control

K=$(kid EdDSA)
pub_pem=$(openssl pkey -in "$(key EdDSA)" -pubout)
pub_jwk=$(jq -c '.keys[0]' "$T_TMP/EdDSA/jwks.json")
pub_raw=$(b64url_decode "$(jq -r '.keys[0].x' "$T_TMP/EdDSA/jwks.json")" | hex)
for form in pem jwk raw; do
	case $form in
	pem) hk=$(printf '%s\n' "$pub_pem" | hex) ;;
	jwk) hk=$(printf '%s' "$pub_jwk" | hex) ;;
	raw) hk=$pub_raw ;;
	esac
	get "alg confusion: HS256 keyed with the public key ($form), with kid" 403 EdDSA \
	    "$(hs_token "$(hdr HS256 "$K")" "$(claims)" "$hk")"
	get "alg confusion: HS256 keyed with the public key ($form), no kid" 403 EdDSA \
	    "$(hs_token '{"alg":"HS256","typ":"JWT"}' "$(claims)" "$hk")"
	get "alg confusion ($form) inside the HS256 window too" 403 EdDSA \
	    "$(hs_token '{"alg":"HS256","typ":"JWT"}' "$(claims $((NOW - 700)))" "$hk")" \
	    TOKEN_SECRET="$SECRET" TOKEN_ACCEPT_HS256_UNTIL="$(utc $((NOW + 1200)))"
done
none=$(printf '%s' "$(hdr none "$K")" | b64url).$(claims | b64url)
get "alg none, no signature" 403 EdDSA "$none."
get "alg none, some signature" 403 EdDSA "$none.AAAA"
get "alg EdDSA spelled eddsa (alg must equal the key's exactly)" 403 EdDSA \
    "$(jws_sign EdDSA "$(hdr eddsa "$K")" "$(claims)" "$(key EdDSA)")"
get "alg ES256 on the Ed25519 key's kid" 403 EdDSA \
    "$(jws_sign EdDSA "$(hdr ES256 "$K")" "$(claims)" "$(key EdDSA)")"
for k in "unknown:$(kid ES256)" "path:../../../../etc/passwd" \
    "sql:' OR 1=1 --" "empty:"; do
	get "kid ${k%%:*} is refused" 403 EdDSA \
	    "$(jws_sign EdDSA "$(hdr EdDSA "${k#*:}")" "$(claims)" "$(key EdDSA)")"
done
long=$(head -c 10240 /dev/zero | tr '\0' a)
get "kid of 10 KiB is refused" 403 EdDSA \
    "$(jws_sign EdDSA "$(hdr EdDSA "$long")" "$(claims)" "$(key EdDSA)")"
get "kid that is a number is refused" 403 EdDSA \
    "$(jws_sign EdDSA '{"alg":"EdDSA","kid":7}' "$(claims)" "$(key EdDSA)")"
# A key the attacker holds, offered in the header, with our kid or none.
openssl genpkey -algorithm ed25519 -out "$T_TMP/evil.pem" 2>/dev/null
evil_x=$(openssl pkey -in "$T_TMP/evil.pem" -pubout -outform DER | tail -c 32 | b64url)
get "a token signed by another Ed25519 key under our kid" 403 EdDSA \
    "$(jws_sign EdDSA "$(hdr EdDSA "$K")" "$(claims)" "$T_TMP/evil.pem")"
for h in "jwk:{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"$evil_x\"}" \
    'jku:"https://evil.example/jwks.json"' 'x5u:"https://evil.example/c.pem"' \
    'x5c:["MIIB"]'; do
	get "header ${h%%:*} offering the attacker's key: refused" 403 EdDSA \
	    "$(jws_sign EdDSA "{\"alg\":\"EdDSA\",\"${h%%:*}\":${h#*:}}" "$(claims)" "$T_TMP/evil.pem")"
	get "header ${h%%:*} on a token our key signed: refused all the same" 403 EdDSA \
	    "$(jws_sign EdDSA "{\"alg\":\"EdDSA\",\"kid\":\"$K\",\"${h%%:*}\":${h#*:}}" "$(claims)" "$(key EdDSA)")"
done

# ES256: the DER form, and r or s out of range (CVE-2022-21449).
E=$(kid ES256)
good=$(jws_sign ES256 "$(hdr ES256 "$E")" "$(claims)" "$(key ES256)")
get "ES256 R||S signature (the control)" 200 ES256 "$good"
get "ES256 DER signature of the same text: refused" 403 ES256 \
    "$(jws_sign ES256 "$(hdr ES256 "$E")" "$(claims)" "$(key ES256)" der)"
sig=$(b64url_decode "${good##*.}" | hex)
R=${sig:0:64} S=${sig:64:64}
Z=$(printf '%064d' 0)
N=ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
F=$(printf 'f%.0s' {1..64})
get "ES256 r = s = 0 (psychic signature)" 403 ES256 "$(jws_resign_rs "$good" "$Z" "$Z")"
get "ES256 r = 0" 403 ES256 "$(jws_resign_rs "$good" "$Z" "$S")"
get "ES256 s = 0" 403 ES256 "$(jws_resign_rs "$good" "$R" "$Z")"
get "ES256 r = n" 403 ES256 "$(jws_resign_rs "$good" "$N" "$S")"
get "ES256 s = n" 403 ES256 "$(jws_resign_rs "$good" "$R" "$N")"
get "ES256 r = 2^256 - 1" 403 ES256 "$(jws_resign_rs "$good" "$F" "$S")"
get "ES256 the same r and s put back (control)" 200 ES256 "$(jws_resign_rs "$good" "$R" "$S")"
get "ES256 63-byte signature" 403 ES256 \
    "${good%.*}.$(printf '%s%s' "${R:2}" "$S" | hex_b64url)"

# ---------------------------------------------------------------------------
# Rotation: next, current, previous, retired

R0=$T_TMP/rot
keys "$R0" EdDSA
k0=$(kid rot)
mkdir -p "$T_TMP/rot"
tok0=$(jws_sign EdDSA "$(hdr EdDSA "$k0")" "$(claims)" "$R0/keys/signing.pem")
cp "$R0/keys/signing.pem" "$T_TMP/k0.pem"
keys "$R0" EdDSA
check_eq "generate again: a next key, published beside the current one" \
    "2 $k0" "$(jq -r '[(.keys | length), .keys[0].kid] | join(" ")' "$R0/jwks.json")"
err=$(keys "$R0" EdDSA rotate 2>&1)
check_eq "rotate refuses a next key published less than 10 minutes ago" \
    "1 $k0 says --force" "$? $(jq -r '.keys[0].kid' "$R0/jwks.json") $([[ $err == *--force* ]] && echo says --force)"
keys "$R0" EdDSA rotate --force
k1=$(jq -r '.keys[0].kid' "$R0/jwks.json")
rotenv=(TOKEN_VERIFY_KEYS_FILE="$R0/jwks.json" TOKEN_SIGNING_KEY_FILE="$R0/keys/signing.pem")
get "rotate --force: the old key's token still verifies (previous)" 200 EdDSA "$tok0" "${rotenv[@]}"
run login POST /api/login EdDSA "${rotenv[@]}" -- "$body"
tok1=$(json .access_token)
check_eq "after rotate login signs with the new key" "$k1" \
    "$(jwt_part "$tok1" 0 | jq -r .kid)"
get "the new key's token verifies" 200 EdDSA "$tok1" "${rotenv[@]}"
env -i TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$R0/keys/signing.pem" \
    TOKEN_VERIFY_KEYS_FILE="$R0/jwks.json" "$BUILD/authctl" key retire "$k0" >/dev/null
get "a retired key's token is refused" 403 EdDSA "$tok0" "${rotenv[@]}"
get "the current key's token still verifies after the retirement" 200 EdDSA "$tok1" "${rotenv[@]}"
check_eq "the retired key's private half is deleted" no \
    "$([ -e "$R0/keys/$k0.pem" ] && echo yes || echo no)"

# ---------------------------------------------------------------------------
# HS256 in asymmetric mode: only inside TOKEN_ACCEPT_HS256_UNTIL

hs_old=$(jwt_sign '{"alg":"HS256","typ":"JWT"}' "$(claims $((NOW - 700)))" "$SECRET")
hs_new=$(jwt_sign '{"alg":"HS256","typ":"JWT"}' "$(claims $((NOW - 500)))" "$SECRET")
win=(TOKEN_SECRET="$SECRET" TOKEN_ACCEPT_HS256_UNTIL="$(utc $((NOW + 1200)))")
get "asymmetric mode refuses HS256 tokens" 403 EdDSA "$hs_old" TOKEN_SECRET="$SECRET"
get "in the window: an HS256 token issued before the switch verifies" 200 EdDSA "$hs_old" "${win[@]}"
get "in the window: an HS256 token issued after the switch is refused" 403 EdDSA "$hs_new" "${win[@]}"
get "in the window: an HS256 token with an asymmetric key's kid is refused" 403 EdDSA \
    "$(jwt_sign "$(hdr HS256 "$K")" "$(claims $((NOW - 700)))" "$SECRET")" "${win[@]}"
get "after the window: the HS256 token is refused" 403 EdDSA "$hs_old" \
    TOKEN_SECRET="$SECRET" TOKEN_ACCEPT_HS256_UNTIL="$(utc $((NOW - 1)))"
get "in the window: EdDSA tokens verify as ever" 200 EdDSA \
    "$(jws_sign EdDSA "$(hdr EdDSA "$K")" "$(claims)" "$(key EdDSA)")" "${win[@]}"

# HS256 mode: the previous secret, until its window ends.
OLD="jws-old-$(openssl rand -hex 20)"
prev=(TOKEN_SECRET="$SECRET" TOKEN_SECRET_PREVIOUS="$OLD"
    TOKEN_SECRET_PREVIOUS_UNTIL="$(utc $((NOW + 1200)))")
get "HS256: a token of the current secret verifies (control)" 200 HS256 "$hs_new" "${prev[@]}"
get "HS256: the previous secret's token issued before the switch verifies" 200 HS256 \
    "$(jwt_sign '{"alg":"HS256","typ":"JWT"}' "$(claims $((NOW - 700)))" "$OLD")" "${prev[@]}"
get "HS256: the previous secret's token issued since (a signer not yet restarted) verifies" 200 HS256 \
    "$(jwt_sign '{"alg":"HS256","typ":"JWT"}' "$(claims $((NOW - 5)))" "$OLD")" "${prev[@]}"
get "HS256: the previous secret's token after its window is refused" 403 HS256 \
    "$(jwt_sign '{"alg":"HS256","typ":"JWT"}' "$(claims $((NOW - 700)))" "$OLD")" \
    TOKEN_SECRET="$SECRET" TOKEN_SECRET_PREVIOUS="$OLD" \
    TOKEN_SECRET_PREVIOUS_UNTIL="$(utc $((NOW - 1)))"
get "HS256: without TOKEN_SECRET_PREVIOUS the old secret's token is refused" 403 HS256 \
    "$(jwt_sign '{"alg":"HS256","typ":"JWT"}' "$(claims $((NOW - 700)))" "$OLD")" \
    TOKEN_SECRET="$SECRET"
run login POST /api/login HS256 "${prev[@]}" -- "$body"
check_eq "HS256: login signs with the current secret, never the previous" \
    "yes no" "$(jwt_verify "$(json .access_token)" "$SECRET" && echo yes || echo no) $(jwt_verify "$(json .access_token)" "$OLD" && echo yes || echo no)"

# ---------------------------------------------------------------------------
# Start-up: one line naming the variable, exit 1; each with its control

# starts NAME WANT EXE NAME=value...: EXE as CGI under env -i; WANT is
# "ok" (it answers) or the variable its one stderr line must name.
starts() {
	local name=$1 want=$2 exe=$3 err rc got
	shift 3
	err=$(env -i DATABASE_PATH="$DB" REQUEST_METHOD=GET REQUEST_URI=/api/nowhere \
	    "$@" "$BUILD/$exe" 2>&1 >/dev/null)
	rc=$?
	if [ "$want" = ok ]; then
		got="$rc $err"
		want="0 "
	elif [[ $err =~ ^$exe:\ $want:\ [^$'\n']*$ ]]; then
		got="$rc one line naming $want"
		want="1 one line naming $want"
	else
		got="$rc $err"
		want="1 $exe: $want: ... (one line)"
	fi
	check_eq "start-up: $name" "$want" "$got"
}
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$T_TMP/rsa1024.pem" 2>/dev/null
n=$(openssl rsa -in "$T_TMP/rsa1024.pem" -noout -modulus | sed 's/^Modulus=//' | hex_b64url)
printf '{"keys":[{"kty":"RSA","n":"%s","e":"AQAB"}]}' "$n" >"$T_TMP/rsa1024.json"
starts "an RSA-1024 key in the verify set is refused" TOKEN_VERIFY_KEYS_FILE userorders \
    TOKEN_ALG=RS256 TOKEN_VERIFY_KEYS_FILE="$T_TMP/rsa1024.json"
starts "an RSA-2048 verify set starts (control)" ok userorders \
    TOKEN_ALG=RS256 TOKEN_VERIFY_KEYS_FILE="$T_TMP/RS256/jwks.json"
starts "an RSA-1024 signing key is refused" TOKEN_SIGNING_KEY_FILE login \
    TOKEN_ALG=RS256 TOKEN_SIGNING_KEY_FILE="$T_TMP/rsa1024.pem"
starts "TOKEN_ALG HS512" TOKEN_ALG userorders TOKEN_ALG=HS512 TOKEN_SECRET="$SECRET"
starts "TOKEN_ALG none" TOKEN_ALG userorders TOKEN_ALG=none TOKEN_SECRET="$SECRET"
starts "EdDSA without any key file" TOKEN_ALG userorders TOKEN_ALG=EdDSA
starts "userorders with only a signing key" TOKEN_VERIFY_KEYS_FILE userorders \
    TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$(key EdDSA)"
starts "login with only a verify set" TOKEN_SIGNING_KEY_FILE login \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/EdDSA/jwks.json"
starts "login with its signing key (control)" ok login \
    TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$(key EdDSA)"
starts "a missing signing key file" TOKEN_SIGNING_KEY_FILE login \
    TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$T_TMP/none.pem"
starts "a public key as the signing key" TOKEN_SIGNING_KEY_FILE login \
    TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE=<(printf '%s\n' "$pub_pem")
starts "an ES256 key with TOKEN_ALG EdDSA" TOKEN_SIGNING_KEY_FILE login \
    TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$(key ES256)"
starts "a signing key whose public half is not in the verify set" TOKEN_SIGNING_KEY_FILE refresh \
    TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$T_TMP/k0.pem" TOKEN_VERIFY_KEYS_FILE="$T_TMP/EdDSA/jwks.json"
starts "a signing key on HS256" TOKEN_SIGNING_KEY_FILE login \
    TOKEN_SECRET="$SECRET" TOKEN_SIGNING_KEY_FILE="$(key EdDSA)"
printf '%s' "$pub_jwk" | jq -c '{keys: [. + {d: "AAAA"}]}' >"$T_TMP/private.json"
starts "a private member in the verify set" TOKEN_VERIFY_KEYS_FILE userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/private.json"
printf '{"keys":[{"kty":"oct","k":"%s"}]}' "$(printf '%s' "$SECRET" | b64url)" >"$T_TMP/oct.json"
starts "a symmetric (oct) key in the verify set" TOKEN_VERIFY_KEYS_FILE userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/oct.json"
printf '%s' "$pub_jwk" | jq -c --arg k "$(kid ES256)" '{keys: [. + {kid: $k}]}' >"$T_TMP/kid.json"
starts "a kid that is not the key's thumbprint" TOKEN_VERIFY_KEYS_FILE userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/kid.json"
jq -c '{keys: [.keys[0] | del(.kid) | .y = .x]}' "$T_TMP/ES256/jwks.json" >"$T_TMP/offcurve.json"
starts "an EC point that is not on P-256" TOKEN_VERIFY_KEYS_FILE userorders \
    TOKEN_ALG=ES256 TOKEN_VERIFY_KEYS_FILE="$T_TMP/offcurve.json"
printf '{"keys":[%s,%s]}' "$pub_jwk" "$pub_jwk" >"$T_TMP/twice.json"
starts "the same key twice" TOKEN_VERIFY_KEYS_FILE userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/twice.json"
starts "TOKEN_ACCEPT_HS256_UNTIL later than ACCESS_TOKEN_TTL from now" TOKEN_ACCEPT_HS256_UNTIL userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/EdDSA/jwks.json" \
    TOKEN_SECRET="$SECRET" TOKEN_ACCEPT_HS256_UNTIL="$(utc $((NOW + 1900)))"
starts "TOKEN_ACCEPT_HS256_UNTIL within ACCESS_TOKEN_TTL (control)" ok userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/EdDSA/jwks.json" \
    TOKEN_SECRET="$SECRET" TOKEN_ACCEPT_HS256_UNTIL="$(utc $((NOW + 1700)))"
starts "TOKEN_ACCEPT_HS256_UNTIL without TOKEN_SECRET" TOKEN_SECRET userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/EdDSA/jwks.json" \
    TOKEN_ACCEPT_HS256_UNTIL="$(utc $((NOW + 1700)))"
starts "TOKEN_ACCEPT_HS256_UNTIL not a time" TOKEN_ACCEPT_HS256_UNTIL userorders \
    TOKEN_ALG=EdDSA TOKEN_VERIFY_KEYS_FILE="$T_TMP/EdDSA/jwks.json" \
    TOKEN_SECRET="$SECRET" TOKEN_ACCEPT_HS256_UNTIL=tomorrow
starts "TOKEN_SECRET_PREVIOUS_UNTIL too late" TOKEN_SECRET_PREVIOUS_UNTIL userorders \
    TOKEN_SECRET="$SECRET" TOKEN_SECRET_PREVIOUS="$OLD" \
    TOKEN_SECRET_PREVIOUS_UNTIL="$(utc $((NOW + 1900)))"
starts "TOKEN_SECRET_PREVIOUS_UNTIL within ACCESS_TOKEN_TTL plus TOKEN_LEEWAY (control)" ok userorders \
    TOKEN_SECRET="$SECRET" TOKEN_SECRET_PREVIOUS="$OLD" TOKEN_LEEWAY=120 \
    TOKEN_SECRET_PREVIOUS_UNTIL="$(utc $((NOW + 1900)))"
starts "TOKEN_SECRET_PREVIOUS without its UNTIL" TOKEN_SECRET_PREVIOUS userorders \
    TOKEN_SECRET="$SECRET" TOKEN_SECRET_PREVIOUS="$OLD"
starts "TOKEN_SECRET_PREVIOUS equal to TOKEN_SECRET" TOKEN_SECRET_PREVIOUS userorders \
    TOKEN_SECRET="$SECRET" TOKEN_SECRET_PREVIOUS="$SECRET" \
    TOKEN_SECRET_PREVIOUS_UNTIL="$(utc $((NOW + 60)))"
err=$(env -i DATABASE_PATH="$DB" REQUEST_METHOD=GET REQUEST_URI=/ TOKEN_ALG=EdDSA \
    TOKEN_SIGNING_KEY_FILE="$(key ES256)" "$BUILD/login" 2>&1 >/dev/null)
check_eq "no start-up line quotes the private key" no \
    "$(grep -q -e PRIVATE -e "$(sed -n 2p "$(key ES256)" | cut -c1-16)" <<<"$err" && echo yes || echo no)"

# ---------------------------------------------------------------------------
# Privilege separation: userorders as a user that cannot read the private
# key verifies every token all the same (root only: it needs another user).

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	chmod 0711 "$T_TMP"
	mkdir -m 0700 "$T_TMP/priv"
	cp "$DB" "$T_TMP/priv/auth.db"
	chown -R nobody "$T_TMP/priv"
	# The executables where nobody may run them: the checkout may be
	# private to its owner (a clone in root's mode-0700 home).
	install -d -m 0755 "$T_TMP/bin"
	install -m 0755 "$BUILD/login" "$BUILD/userorders" "$T_TMP/bin/"
	# as_nobody EXE NAME=value...: EXE as CGI, user nobody, env -i.
	as_nobody() {
		local exe=$1 out
		shift
		out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		    env -i DATABASE_PATH="$T_TMP/priv/auth.db" REQUEST_METHOD=GET \
		    REQUEST_URI=/api/userOrders "$@" "$T_TMP/bin/$exe" 2>"$T_TMP/nobody.err")
		STATUS=$(printf '%s\n' "$out" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n1)
	}
	check_eq "control: user nobody cannot read the private key" denied \
	    "$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    cat "$(key EdDSA)" >/dev/null 2>&1 && echo read || echo denied)"
	for a in $ALGS; do
		run login POST /api/login "$a" -- "$body"
		as_nobody userorders TOKEN_ALG="$a" \
		    TOKEN_VERIFY_KEYS_FILE="$T_TMP/$a/jwks.json" \
		    HTTP_AUTHORIZATION="Bearer $(json .access_token)"
		check_eq "$a: userorders as a user without the private key verifies login's token" \
		    200 "$STATUS"
	done
	as_nobody login TOKEN_ALG=EdDSA TOKEN_SIGNING_KEY_FILE="$(key EdDSA)"
	check_match "control: login as that user cannot start (the key is unreadable)" \
	    '^login: TOKEN_SIGNING_KEY_FILE: cannot open .*Permission denied' \
	    "$(head -n 1 "$T_TMP/nobody.err")"
else
	echo "# privilege separation: skipped (needs root, user nobody and setpriv)"
fi

t_done
