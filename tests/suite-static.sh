#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Source rules that docs/security.md turns into "never": each is checked over
# common/ and cgi-bin/, and each checker is first shown to catch a planted
# offender (the positive control), so a check that cannot fail fails here.
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/lib.sh"
T_NAME=static	# read by t_done
export T_NAME
t_tmpdir

SRC=("$ROOT"/common/*.[ch] "$ROOT"/cgi-bin/*.c "$ROOT"/admin/*.[ch])

# Source lines matching an extended regex, comment lines left out.
code_grep() {
	grep -EHn "$1" "${SRC[@]}" | grep -Ev '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)'
}

# rule NAME REGEX PLANTED-LINE: no source line matches REGEX, and a file
# holding PLANTED-LINE does.
rule() {
	local name=$1 re=$2 planted=$3 hits
	printf '%s\n' "$planted" > "$T_TMP/planted.c"
	if grep -Eq "$re" "$T_TMP/planted.c"; then
		t_ok "control: the $name check catches a planted offender"
	else
		t_fail "control: the $name check catches a planted offender"
	fi
	hits=$(code_grep "$re")
	if [ -z "$hits" ]; then t_ok "$name"; else t_fail "$name" "$hits"; fi
}

# docs/security.md: fcgi_stdio.h redefines FILE and stdout under other libs.
rule "no fcgi_stdio.h (FCGX API only)" '#[[:space:]]*include[[:space:]]*[<"]fcgi_stdio\.h' \
	'#include <fcgi_stdio.h>'
# docs/security.md: libfcgi's printf truncates silently on %zu.
rule "no FCGX_FPrintF (snprintf + FCGX_PutStr instead)" '\bFCGX_V?FPrintF[[:space:]]*\(' \
	'	FCGX_FPrintF(out, "%zu", n);'
# docs/security.md: the secret leaves environ at accept: getenv only in config.
# (admin/authctl is no FastCGI program: environ is never replaced there.)
hits=$(code_grep '\bgetenv[[:space:]]*\(' | grep -v -e '/common/config\.c:' -e '/admin/')
if [ -z "$hits" ]; then t_ok "getenv only in config.c (read before the first accept)"; else t_fail "getenv only in config.c" "$hits"; fi
# docs/security.md: never compare secrets with strcmp/memcmp.
rule "no memcmp (sodium_memcmp for secrets)" '\bmemcmp[[:space:]]*\(' '	if (memcmp(sig, want, 32) == 0)'
# docs/design.md, source rules: what curl bans, and atoi.
rule "no sprintf/strcat/strncpy/strtok/atoi" '(^|[^n_])(sprintf|strcat|strncpy|strtok|atoi)[[:space:]]*\(' \
	'	sprintf(buf, "%s", s);'
# docs/security.md: jwt_decode trusts the header's alg and takes an empty
# key as none; the service verifies with hs256.c instead, never with it.
rule "no jwt_decode (token_verify + hs256_verify instead)" '\bjwt_decode[[:space:]]*\(' \
	'	if (jwt_decode(&jwt, tok, key, len) != 0)'
# ... and token_verify chooses the key and pins the alg (token_header)
# before any signature is checked (jws_verify, or token_hmac's HS256).
order=$(awk '/^token_verify\(/ { f = 1 } f && /token_header\(/ && !h { h = NR }
    f && /(hs256_verify|jws_verify|token_hmac)\(/ && !v { v = NR } f && /^}/ { f = 0 }
    END { print (h && v && h < v) ? "ok" : "bad" }' "$ROOT/common/token.c")
if [ "$order" = ok ]; then
	t_ok "token_verify checks the header's alg before the signature"
else
	t_fail "token_verify checks the header's alg before the signature"
fi
# docs/security.md: jwt_set_alg's result is checked, and the alg again.
if grep -A2 'jwt_set_alg(' "$ROOT/common/token.c" | grep -q 'jwt_get_alg(jwt) != JWT_ALG_HS256'; then
	t_ok "token.c checks jwt_set_alg and the algorithm before encoding"
else
	t_fail "token.c checks jwt_set_alg and the algorithm before encoding"
fi
# Includes run one way (docs/design.md): util <- domain <- request <-
# executables.  A file may include common/ headers of its own layer or a
# lower one, never a higher one; request.h and reply.h, included by every
# request-level file, include neither the configuration nor the store.
layer_of() {
	case $1 in
	bearer|clientaddr|dotenv|hs256|jsonout|jsonw|jwk|jws|keyring|origin|\
	pwhash|pwslot|query|rfc3339|rtoken|strictjson|tokcache|username) echo 0 ;;
	config|pgconn|pgmodule|sqlite_rc|store|store_backend|store_dispatch|store_key|\
	store_pg|store_rename|store_sqlite|token) echo 1 ;;
	auth|body|cookie|cors|field|grant|reply|request|seclog|server|\
	service|throttle) echo 2 ;;
	*) echo unknown ;;
	esac
}
# include_violations FILE...: "file: includes X (layer M over L)" lines.
include_violations() {
	local f base l inc il
	for f in "$@"; do
		base=$(basename "$f"); base=${base%.*}
		case $f in
		*/cgi-bin/*|*/admin/*) l=3 ;;
		*) l=$(layer_of "$base") ;;
		esac
		if [ "$l" = unknown ]; then
			echo "$f: not in a layer (add it to layer_of)"
			continue
		fi
		while IFS= read -r inc; do
			il=$(layer_of "$inc")
			if [ "$il" = unknown ] || [ "$il" -gt "$l" ]; then
				echo "$f: includes $inc.h (layer $il over $l)"
			fi
		done < <(sed -n 's|^#include "common/\([a-z0-9]*\)\.h".*|\1|p' "$f")
	done
	for f in "$@"; do
		case $f in */common/request.h|*/common/reply.h) ;; *) continue ;; esac
		grep -Hn '#include "common/\(config\|store\)\.h"' "$f"
	done
}
mkdir -p "$T_TMP/planted/common"
printf '#include "common/request.h"\n' >"$T_TMP/planted/common/store_sqlite.c"
printf '#include "common/store.h"\n' >"$T_TMP/planted/common/reply.h"
planted=$(include_violations "$T_TMP/planted/common/store_sqlite.c" "$T_TMP/planted/common/reply.h" | wc -l)
check_eq "control: the include-direction check catches a store_sqlite.c including request.h and a reply.h including store.h" 2 "$planted"
check_eq "includes run one way: util, domain, request, executables" "" \
    "$(include_violations "$ROOT"/common/*.[ch] "$ROOT"/cgi-bin/*.c "$ROOT"/admin/*.[ch])"

# Every source, script and configuration file names its licence (SPDX)
# in its first lines; data the servers send verbatim, fuzz inputs, lock
# files and prose are left out.
no_spdx() {
	local f
	for f in "$@"; do
		head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ISC' || echo "$f"
	done
}
printf '#!/bin/sh\necho hi\n' >"$T_TMP/planted.sh"
check_eq "control: the SPDX check catches a file without the line" \
    "$T_TMP/planted.sh" "$(no_spdx "$T_TMP/planted.sh")"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t licensed < <(git -C "$ROOT" ls-files | grep -Ev \
	    '^(tests/fuzz/(corpus|regress)/|deploy/(cluster/)?errors/)|\.(md|json|png)$|(^|/)(LICENSE|VERSION|\.gitignore)$' |
	    sed "s|^|$ROOT/|")
	check_eq "every source, script and configuration file carries an SPDX line (${#licensed[@]} files)" \
	    "" "$(no_spdx "${licensed[@]}")"
fi

# The build refuses warnings.
if grep -Eq '^WERROR[[:space:]]*\?=[[:space:]]*-Werror' "$ROOT/Makefile" &&
   grep -q -- '-Wall -Wextra' "$ROOT/Makefile"; then
	t_ok "the build uses -Wall -Wextra -Werror"
else
	t_fail "the build uses -Wall -Wextra -Werror"
fi
t_done
