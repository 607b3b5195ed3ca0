#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# shellcheck source-path=SCRIPTDIR
# Apache mod_auth_openidc (Debian's libapache2-mod-auth-openidc 2.4.12) as
# a resource server for our asymmetric tokens: AuthType oauth20 with
# OIDCOAuthVerifyJwksUri pointed at our JWK Set, which it fetches only
# over https (a throwaway certificate here, OIDCOAuthSSLValidateServer
# Off).  Tokens login signs with RS256 and ES256 reach the protected
# location with REMOTE_USER the user; a changed signature, an expired
# token, and a key not in the set are refused.  (It knows no EdDSA:
# README's table of verifiers.)
set -u
export LC_ALL=C
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck source=http/helpers.sh disable=SC1091
. "$HERE/http/helpers.sh"
# shellcheck source=cgi/jwt.sh disable=SC1091
. "$HERE/cgi/jwt.sh"
# shellcheck source=cgi/jws.sh disable=SC1091
. "$HERE/cgi/jws.sh"
# shellcheck source=servers/apache-common.sh disable=SC1091
. "$HERE/servers/apache-common.sh"
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME=openidc

t_require curl jq openssl basenc
for f in "$APACHE_BIN" "$APACHE_MODDIR/mod_auth_openidc.so" "$APACHE_MODDIR/mod_ssl.so" \
    "$BUILD/authctl"; do
	if [ ! -e "$f" ]; then
		t_fail "prerequisites" "missing: $f (deploy/deps.sh test installs libapache2-mod-auth-openidc)"
		t_done
		exit 1
	fi
done

t_tmpdir
chmod 0711 "$T_TMP"
trap 'apache_stop $APACHE_PID >/dev/null 2>&1; t_cleanup' EXIT
trap 'exit 130' INT TERM HUP
TMPDIR_SERVER=$T_TMP/srv
mkdir -m 0711 "$TMPDIR_SERVER"
APACHE_WHO=openidc
DB=$T_TMP/auth.db
BODY_PW='{"username":"alice","password":"correct horse battery"}'

# A port nothing listens on.
port() {
	local p
	for _ in $(seq 20); do
		# Below the ephemeral range (32768 up), where client sockets take theirs.
		p=$((20000 + RANDOM % 12768))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# Keys: RS256 and ES256, and one JWK Set of both, readable by www-data.
mkdir -m 0700 "$T_TMP/keys"
for alg in RS256 ES256; do
	env -i TOKEN_ALG="$alg" TOKEN_SIGNING_KEY_FILE="$T_TMP/keys/$alg/signing.pem" \
	    TOKEN_VERIFY_KEYS_FILE="$T_TMP/$alg.json" "$BUILD/authctl" key generate >/dev/null
done
jq -s -c '{keys: map(.keys[])}' "$T_TMP/RS256.json" "$T_TMP/ES256.json" >"$T_TMP/jwks.json"
chmod 0644 "$T_TMP/jwks.json"
printf 'protected\n' >"$T_TMP/protected.txt"
chmod 0644 "$T_TMP/protected.txt"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -keyout "$TMPDIR_SERVER/tls.key" -out "$TMPDIR_SERVER/tls.crt" 2>/dev/null

mkdir -m 0755 "$TMPDIR_SERVER/log" "$TMPDIR_SERVER/apache"
# site_conf: the configuration for the ports HTTP and HTTPS.
site_conf() {
	cat >"$TMPDIR_SERVER/site.conf" <<EOF
# The JWK Set over https (mod_auth_openidc fetches no other), and the
# resource server over http.
Listen 127.0.0.1:$HTTPS
Listen 127.0.0.1:$HTTP
<VirtualHost 127.0.0.1:$HTTPS>
	SSLEngine on
	SSLCertificateFile "$TMPDIR_SERVER/tls.crt"
	SSLCertificateKeyFile "$TMPDIR_SERVER/tls.key"
	Alias /.well-known/jwks.json "$T_TMP/jwks.json"
	<Location /.well-known/jwks.json>
		Require all granted
		ForceType application/jwk-set+json
	</Location>
</VirtualHost>
<VirtualHost 127.0.0.1:$HTTP>
	OIDCOAuthVerifyJwksUri https://127.0.0.1:$HTTPS/.well-known/jwks.json
	OIDCOAuthSSLValidateServer Off
	OIDCOAuthRemoteUserClaim sub
	Alias /orders "$T_TMP/protected.txt"
	<Location /orders>
		AuthType oauth20
		Require valid-user
		Header always set X-Remote-User "expr=%{REMOTE_USER}"
	</Location>
	# What apache_start waits for: a 404 from the server.
	<Location /api/nope>
		Require all granted
	</Location>
</VirtualHost>
EOF
	apache_main_conf "$TMPDIR_SERVER/apache2.conf" "$TMPDIR_SERVER/site.conf" \
	    authz_core authz_user authn_core alias mime headers ssl socache_shmcb \
	    auth_openidc
}
# A free port may be taken before Apache binds it (other tests run
# beside this one): up to three pairs of ports.
started=
for _ in 1 2 3; do
	HTTP=$(port) HTTPS=$(port)
	site_conf
	if apache_start "$TMPDIR_SERVER/apache2.conf" "http://127.0.0.1:$HTTP"; then
		started=1
		break
	fi
done
if [ -z "$started" ]; then
	t_fail "Apache with mod_auth_openidc starts"
	t_done
	exit 1
fi

# get TOKEN: "STATUS REMOTE_USER" of GET /orders with the bearer TOKEN.
get() {
	curl -s -o /dev/null -D "$T_TMP/h" --max-time 20 -w '%{http_code}' \
	    -H "Authorization: Bearer $1" "http://127.0.0.1:$HTTP/orders" >"$T_TMP/st"
	printf '%s %s' "$(cat "$T_TMP/st")" \
	    "$(tr -d '\r' <"$T_TMP/h" | sed -n 's/^X-Remote-User: //Ip')"
}
# login ALG: the access token login signs for alice with ALG's key.
login() {
	printf '%s' "$BODY_PW" | env -i TOKEN_ALG="$1" \
	    TOKEN_SIGNING_KEY_FILE="$T_TMP/keys/$1/signing.pem" DATABASE_PATH="$DB" \
	    REQUEST_METHOD=POST REQUEST_URI=/api/"$2" CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="${#BODY_PW}" "$BUILD/login" | tail -n 1 | jq -r .access_token
}

check_eq "control: no token → 401" "401 " "$(get '')"
login RS256 createNewUser >/dev/null
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$T_TMP/evil.pem" 2>/dev/null
for alg in RS256 ES256; do
	tok=$(login "$alg" login)
	kid=$(jq -r .keys[0].kid "$T_TMP/$alg.json")
	check_eq "$alg: login's token passes, REMOTE_USER alice" "200 alice" "$(get "$tok")"
	sig=${tok##*.}
	check_eq "$alg: with a changed signature → 401" "401 " \
	    "$(get "${tok%.*}.$([ "${sig:0:1}" = A ] && echo B || echo A)${sig:1}")"
	check_eq "$alg: expired an hour ago, signed with our key → 401" "401 " \
	    "$(get "$(jws_sign "$alg" "{\"alg\":\"$alg\",\"typ\":\"JWT\",\"kid\":\"$kid\"}" \
	    "{\"sub\":\"alice\",\"username\":\"alice\",\"iat\":$((EPOCHSECONDS - 7200)),\"exp\":$((EPOCHSECONDS - 3600))}" \
	    "$T_TMP/keys/$alg/signing.pem")")"
done
check_eq "ES256 under our kid, signed by a key not in the set → 401" "401 " \
    "$(get "$(jws_sign ES256 "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"$(jq -r .keys[0].kid "$T_TMP/ES256.json")\"}" \
    "{\"sub\":\"alice\",\"iat\":$EPOCHSECONDS,\"exp\":$((EPOCHSECONDS + 600))}" "$T_TMP/evil.pem")")"
t_done
