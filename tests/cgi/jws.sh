# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# Asymmetric JWS helpers for tests/suite-jws.sh, on the openssl command:
# sign any header and payload with a PEM private key as EdDSA, ES256 (the
# JWS R||S form, or the DER openssl makes) or RS256.  Source it after
# tests/cgi/jwt.sh (b64url).

# hex_b64url: hex digits on stdin -> base64url of those bytes.
hex_b64url() { tr -d ' \n' | tr a-f A-F | basenc --base16 -d | b64url; }

# jws_der_raw: a DER ECDSA signature on stdin -> R||S as 128 hex digits.
jws_der_raw() {
	openssl asn1parse -inform DER 2>/dev/null |
	    awk -F: '/INTEGER/ { printf "%064s", $NF }' | tr ' ' 0
}

# jws_sig ALG KEY [der]: stdin -> base64url signature of it with KEY.
jws_sig() {
	local f
	f=$(mktemp)
	cat >"$f"
	case $1 in
	EdDSA) openssl pkeyutl -sign -inkey "$2" -rawin -in "$f" | b64url ;;
	RS256) openssl dgst -sha256 -sign "$2" "$f" | b64url ;;
	ES256)
		if [ "${3:-}" = der ]; then
			openssl dgst -sha256 -sign "$2" "$f" | b64url
		else
			openssl dgst -sha256 -sign "$2" "$f" | jws_der_raw |
			    hex_b64url
		fi ;;
	esac
	rm -f "$f"
}

# jws_sign ALG HEADER PAYLOAD KEY [der]: a token over the exact texts.
jws_sign() {
	local h p
	h=$(printf '%s' "$2" | b64url)
	p=$(printf '%s' "$3" | b64url)
	printf '%s.%s.%s' "$h" "$p" \
	    "$(printf '%s.%s' "$h" "$p" | jws_sig "$1" "$4" "${5:-}")"
}

# jws_resign_rs TOKEN R S: TOKEN with its ES256 signature replaced by the
# scalars R and S (64 hex digits each).
jws_resign_rs() {
	printf '%s.%s' "${1%.*}" "$(printf '%s%s' "$2" "$3" | hex_b64url)"
}
