# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# JWT helpers for tests/suite-cgi.sh: base64url and an HS* signer built on
# openssl, so a test can mint a token with any header and payload, and check
# the signature of a token the service issued.  Source it (bash).

# b64url: stdin -> base64url, no padding, no newline.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '=\n'; }

# b64url_decode STRING: the decoded bytes on stdout.
b64url_decode() {
	local s=${1//-/+}
	s=${s//_/\/}
	while (( ${#s} % 4 )); do s+='='; done
	printf '%s' "$s" | base64 -d 2>/dev/null
}

# jwt_mac SECRET DIGEST: stdin -> base64url HMAC-DIGEST, the secret used as
# its raw bytes (as jsonwebtoken does).
jwt_mac() { openssl dgst "-$2" -hmac "$1" -binary | b64url; }

# jwt_sign HEADER PAYLOAD SECRET [DIGEST]: a token signed with HMAC-DIGEST
# (sha256 unless told) over the exact header and payload text given.
jwt_sign() {
	local h p
	h=$(printf '%s' "$1" | b64url)
	p=$(printf '%s' "$2" | b64url)
	printf '%s.%s.%s' "$h" "$p" \
	    "$(printf '%s.%s' "$h" "$p" | jwt_mac "$3" "${4:-sha256}")"
}

# jwt_part TOKEN N: segment N decoded (0 the header, 1 the payload).
jwt_part() {
	local -a seg
	IFS=. read -r -a seg <<<"$1"
	b64url_decode "${seg[$2]:-}"
}

# jwt_verify TOKEN SECRET: true when the token's HS256 signature is right
# for SECRET.
jwt_verify() {
	[ -n "$1" ] &&
	    [ "$(printf '%s' "${1%.*}" | jwt_mac "$2" sha256)" = "${1##*.}" ]
}
