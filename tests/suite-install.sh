#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `make install DESTDIR=<tmp> PREFIX=/usr`: every file where README says,
# with its mode and contents, nothing else in DESTDIR, and nothing written
# outside it (make runs in a private mount namespace where every other
# file system is read-only, with a planted write as the control).  Then
# the installed programs run (--help; login served as the systemd unit
# would run it), the man page renders without a warning, and the systemd
# units pass `systemd-analyze verify` pointed at the installed binaries.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME="install"

SYSTEMD_ANALYZE=$(PATH=$PATH:/usr/bin:/bin command -v systemd-analyze)
SYSUSERS=$(PATH=$PATH:/usr/bin:/bin command -v systemd-sysusers)
SPAWN_FCGI=$(PATH=$PATH:/usr/sbin:/sbin command -v spawn-fcgi)
missing=()
for tool in make groff man unshare cgi-fcgi cmp; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -n "$SYSTEMD_ANALYZE" ] || missing+=(systemd-analyze)
[ -n "$SYSUSERS" ] || missing+=(systemd-sysusers)
[ -n "$SPAWN_FCGI" ] || missing+=(spawn-fcgi)
if [ ${#missing[@]} -gt 0 ]; then
	t_fail "the tools are installed: ${missing[*]} missing (packages systemd, groff-base, man-db, util-linux, libfcgi-bin, spawn-fcgi)"
	t_done
	exit 1
fi

t_tmpdir
D=$T_TMP/dest
CGI_FCGI=$(command -v cgi-fcgi)

# check_cmd NAME COMMAND... — ok when COMMAND succeeds.
check_cmd() {
	local name=$1
	shift
	if "$@"; then t_ok "$name"; else t_fail "$name" "failed: $*"; fi
}

# ---------------------------------------------------------------------------
# Install, with everything but DESTDIR and the build tree read-only

# install_to DESTDIR PREFIX — `make install` into DESTDIR.  As root, in a
# private mount namespace where every mounted file system is read-only
# except DESTDIR, /dev, /proc and /sys, and two places that are not
# install locations: $BUILD (`install: all` may refresh the build) and a
# scratch TMPDIR (for the compiler, then).  A write anywhere else fails
# with EROFS and so fails the install.  First, as a control, writes to the
# repository, the temporary folder and /usr must fail there.  Sets RC and
# LOG; SANDBOXED=1 when the namespace was used.
install_to() {
	local dest=$1 prefix=$2 scratch=$T_TMP/scratch
	mkdir -p "$dest" "$scratch"
	LOG=$T_TMP/install.log
	SANDBOXED=0
	if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
		SANDBOXED=1
		# shellcheck disable=SC2016	# expanded by the inner bash
		TMPDIR=$scratch unshare -m bash -c '
			dest=$1 root=$2 build=$3 prefix=$4 probe=$5
			mount --make-rprivate / || exit 90
			findmnt -rn -o TARGET | while read -r m; do
				m=$(printf "%b" "$m")	# findmnt escapes spaces
				case $m in
				/proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;;
				esac
				mount -o remount,bind,ro "$m" 2>/dev/null
			done
			for w in "$dest" "$build" "$TMPDIR"; do
				mount --bind "$w" "$w" &&
				    mount -o remount,bind,rw "$w" || exit 90
			done
			# The control: these writes must fail.
			for p in "$root/.install-probe" "$probe" /usr/.install-probe; do
				if : 2>/dev/null >"$p"; then
					echo "sandbox leak: could write $p"
					exit 91
				fi
			done
			exec make -C "$root" --no-print-directory install \
			    DESTDIR="$dest" PREFIX="$prefix" BUILD="$build"
		' _ "$dest" "$ROOT" "$BUILD" "$prefix" "$T_TMP/.install-probe" \
		    >"$LOG" 2>&1
		RC=$?
	else
		make -C "$ROOT" --no-print-directory install DESTDIR="$dest" \
		    PREFIX="$prefix" BUILD="$BUILD" >"$LOG" 2>&1
		RC=$?
	fi
}

# Built first, outside the sandbox: the install should find nothing to do.
make -C "$ROOT" --no-print-directory all BUILD="$BUILD" >"$T_TMP/build.log" 2>&1 ||
    t_fail "make all" "$(tail -n 20 "$T_TMP/build.log")"
install_to "$D" /usr
if [ "$RC" = 0 ]; then
	t_ok "make install DESTDIR=... PREFIX=/usr: exit 0"
else
	t_fail "make install DESTDIR=... PREFIX=/usr: exit 0" "exit $RC" \
	    "$(tail -n 20 "$LOG")"
fi
if [ "$SANDBOXED" = 1 ]; then
	check_eq "control: in the sandbox, writes outside DESTDIR fail (repository, /tmp, /usr)" \
	    "" "$(grep '^sandbox leak' "$LOG")"
	if [ "$RC" = 0 ]; then
		t_ok "make install wrote nothing outside DESTDIR (and the build tree): all else read-only"
	else
		t_fail "make install wrote nothing outside DESTDIR (and the build tree): all else read-only" \
		    "$(grep -i 'read-only' "$LOG" | head -n5)"
	fi
else
	t_fail "make install ran in a read-only sandbox (needs root and unshare -m)"
fi
for p in "$ROOT/.install-probe" "$T_TMP/.install-probe" /usr/.install-probe; do
	[ -e "$p" ] && t_fail "the planted write $p did not happen"
done

# A PREFIX no rule may touch without DESTDIR: it must not appear at all.
OUTSIDE=$T_TMP/outside-prefix
install_to "$T_TMP/dest2" "$OUTSIDE"
check_eq "make install with PREFIX=$OUTSIDE and a DESTDIR: exit 0" 0 "$RC"
if [ -e "$OUTSIDE" ]; then
	t_fail "nothing was written at PREFIX itself, only under DESTDIR" \
	    "$(find "$OUTSIDE" | head -n5)"
else
	t_ok "nothing was written at PREFIX itself, only under DESTDIR"
fi
check_cmd "that install put login under DESTDIR/PREFIX/lib/jwt-auth" \
    test -x "$T_TMP/dest2$OUTSIDE/lib/jwt-auth/login"

# ---------------------------------------------------------------------------
# The layout: every expected file with its mode and contents, nothing else

declare -A WANT_MODE WANT_SRC	# installed path (under D) -> mode, source
want() { WANT_MODE[$1]=$2; WANT_SRC[$1]=$3; }
for exe in login userorders refresh authorize; do
	want "usr/lib/jwt-auth/$exe" 755 "$BUILD/$exe"
done
want usr/lib/jwt-auth/jwt-auth-pg.so 644 "$BUILD/jwt-auth-pg.so"
want usr/sbin/authctl 755 "$BUILD/authctl"
want usr/share/man/man8/authctl.8 644 "$ROOT/admin/authctl.8"
want usr/share/jwt-auth/.env.example 644 "$ROOT/.env.example"
for f in "$ROOT"/deploy/*.conf; do
	[ -e "$f" ] && want "usr/share/jwt-auth/deploy/${f##*/}" 644 "$f"
done
for f in "$ROOT"/deploy/*.sh; do
	[ -e "$f" ] && want "usr/share/jwt-auth/deploy/${f##*/}" 755 "$f"
done
for f in "$ROOT"/deploy/systemd/*; do
	[ -e "$f" ] && want "usr/share/jwt-auth/deploy/systemd/${f##*/}" 644 "$f"
done
# The JSON error bodies lighttpd sends (server.errorfile-prefix).
for f in "$ROOT"/deploy/errors/*; do
	[ -e "$f" ] && want "usr/share/jwt-auth/deploy/errors/${f##*/}" 644 "$f"
done
# The fail2ban filter and example jail (deploy/fail2ban/).
for f in "$ROOT"/deploy/fail2ban/*/*; do
	[ -e "$f" ] && want "usr/share/jwt-auth/deploy/fail2ban/${f#"$ROOT"/deploy/fail2ban/}" 644 "$f"
done
while IFS= read -r f; do
	want "usr/share/jwt-auth/$f" 644 "$ROOT/$f"
done < <(cd "$ROOT" && find web -type f | sort)

bad_mode=() bad_content=() absent=()
for p in "${!WANT_MODE[@]}"; do
	if [ ! -f "$D/$p" ]; then
		absent+=("$p")
		continue
	fi
	m=$(stat -c %a "$D/$p")
	[ "$m" = "${WANT_MODE[$p]}" ] || bad_mode+=("$p: $m, not ${WANT_MODE[$p]}")
	case $p in
	*/deploy/systemd/*)
		# The units get this PREFIX's executables (and nothing else).
		cmp -s <(sed 's|/usr/local/lib/jwt-auth/|/usr/lib/jwt-auth/|g' \
		    "${WANT_SRC[$p]}") "$D/$p" || bad_content+=("$p")
		;;
	*)
		cmp -s "${WANT_SRC[$p]}" "$D/$p" || bad_content+=("$p")
		;;
	esac
done
check_eq "every expected file is installed (${#WANT_MODE[@]} files)" "" "${absent[*]}"
check_eq "every installed file has its mode (0755 programs and scripts, 0644 data)" \
    "" "${bad_mode[*]}"
check_eq "every installed file holds its source" "" "${bad_content[*]}"
extra=$(cd "$D" && find . ! -type d | sed 's|^\./||' | sort |
    while IFS= read -r p; do [ -n "${WANT_MODE[$p]+x}" ] || echo "$p"; done)
check_eq "nothing else is installed" "" "$extra"
check_eq "every installed folder is 0755" "" \
    "$(find "$D" -mindepth 1 -type d ! -perm 0755 -printf '%P %m\n')"
check_eq "the executables and the PostgreSQL module are in PREFIX/lib/jwt-auth, authctl in PREFIX/sbin" \
    "lib/jwt-auth/authorize lib/jwt-auth/jwt-auth-pg.so lib/jwt-auth/login lib/jwt-auth/refresh lib/jwt-auth/userorders sbin/authctl" \
    "$(cd "$D/usr" && find lib sbin -type f | sort | paste -sd' ')"
check_eq "the service unit runs PREFIX/lib/jwt-auth/%i" \
    "ExecStart=/usr/lib/jwt-auth/%i" \
    "$(grep '^ExecStart=' "$D/usr/share/jwt-auth/deploy/systemd/jwt-auth@.service")"
check_eq "with the default PREFIX, the unit says /usr/local/lib/jwt-auth/%i" \
    "ExecStart=/usr/local/lib/jwt-auth/%i" \
    "$(grep '^ExecStart=' "$ROOT/deploy/systemd/jwt-auth@.service")"
check_eq "... and PREFIX=$OUTSIDE gives its own path" \
    "ExecStart=$OUTSIDE/lib/jwt-auth/%i" \
    "$(grep '^ExecStart=' "$T_TMP/dest2$OUTSIDE/share/jwt-auth/deploy/systemd/jwt-auth@.service")"

# ---------------------------------------------------------------------------
# The installed programs run

for exe in usr/lib/jwt-auth/login usr/lib/jwt-auth/userorders \
    usr/lib/jwt-auth/refresh usr/lib/jwt-auth/authorize usr/sbin/authctl; do
	out=$(env -i "$D/$exe" --help 2>&1); rc=$?
	check_match "installed ${exe##*/} --help: exit 0 with a usage line" \
	    "^0 usage: ${exe##*/} " "$rc $out"
done

# login as jwt-auth@login.service runs it: the listening socket on fd 0
# (spawn-fcgi does what StandardInput=socket does), the secret from a
# credential file through TOKEN_SECRET_FILE, the database in the state
# folder, the working directory there, nothing else in the environment.
STATE=$T_TMP/state CRED=$T_TMP/credentials SOCK=$T_TMP/login.sock
mkdir -p "$STATE" "$CRED"
(umask 077; openssl rand -hex 64 >"$CRED/token_secret")
(cd "$STATE" && exec env -i TOKEN_SECRET_FILE="$CRED/token_secret" \
    DATABASE_PATH="$STATE/auth.db" \
    "$SPAWN_FCGI" -n -s "$SOCK" -M 0660 -- "$D/usr/lib/jwt-auth/login" \
    >"$T_TMP/worker.log" 2>&1) &
# shellcheck disable=SC2034	# read by t_cleanup (lib.sh)
T_PIDS="$!"
# fcgi METHOD URI [BODY] — one request to the worker; sets RESP.
fcgi() {
	local body=${3-}
	local -a env=(REQUEST_METHOD="$1" REQUEST_URI="$2"
	    SERVER_PROTOCOL=HTTP/1.1)
	[ $# -ge 3 ] && env+=(CONTENT_TYPE=application/json
	    CONTENT_LENGTH="${#body}")
	RESP=$(printf '%s' "$body" | timeout 10 env -i "${env[@]}" \
	    "$CGI_FCGI" -bind -connect "$SOCK" 2>&1)
}
# Up when it answers (slow under make sanitize: Argon2 at start-up).
for _ in $(seq 150); do
	if [ -S "$SOCK" ]; then
		fcgi GET /api/nope
		[[ $RESP == Status:\ 404* ]] && break
	fi
	kill -0 "$T_PIDS" 2>/dev/null || break
	sleep 0.1
done
fcgi POST /api/createNewUser '{"username":"unit","password":"correct horse battery"}'
check_match "installed login, run as the unit runs it, signs a user up: 201" \
    '^Status: 201' "$RESP"$'\n'"$(cat "$T_TMP/worker.log")"
check_cmd "... and created its database in the state folder" \
    test -f "$STATE/auth.db"
check_eq "the socket has mode 0660, as SocketMode= says" 660 \
    "$(stat -c %a "$SOCK" 2>/dev/null)"

# ---------------------------------------------------------------------------
# The man page

MAN=$D/usr/share/man/man8/authctl.8
check_eq "groff -ww -mandoc -z: no warning" "" "$(groff -ww -mandoc -z "$MAN" 2>&1)"
out=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN" 2>&1 >/dev/null)
check_eq "man -l renders it without a warning" "" "$out"
check_match "man -l renders its sections" \
    'NAME.*SYNOPSIS.*DESCRIPTION.*ENVIRONMENT.*FILES.*EXIT STATUS' \
    "$(MANWIDTH=80 man -E UTF-8 -l "$MAN" 2>/dev/null | tr '\n' ' ')"
check_match "man finds it under DESTDIR's MANPATH" "^$D/usr/share/man/man8/authctl\\.8" \
    "$(MANPATH=$D/usr/share/man man -w authctl 2>&1)"
for c in gen-secret 'user add' 'user passwd' 'user list' 'user revoke' \
    'token check' 'token issue'; do
	grep -q "^\.Cm $c\$" "$MAN" || t_fail "the man page documents $c"
done

# ---------------------------------------------------------------------------
# The systemd units

UNITS=$D/usr/share/jwt-auth/deploy/systemd
SVC=$UNITS/jwt-auth@.service SOCKU=$UNITS/jwt-auth@.socket
for f in "$SVC" "$SOCKU" "$UNITS/jwt-auth.sysusers"; do
	check_match "${f##*/} opens with a banner comment naming itself (after its SPDX line)" \
	    "^# ${f##*/}: " "$(grep -v '^# SPDX-License-Identifier: ' "$f" | head -n1)"
done
# have FILE LINE... — each exact line is in FILE.
have() {
	local f=$1 l miss=()
	shift
	for l in "$@"; do grep -qxF -- "$l" "$f" || miss+=("$l"); done
	check_eq "${f##*/} has: $*" "" "${miss[*]}"
}
have "$SOCKU" 'ListenStream=/run/jwt-auth/%i.sock' 'SocketMode=0660' \
    'SocketUser=jwt-auth' 'SocketGroup=www-data'
have "$SVC" 'StandardInput=socket' 'User=jwt-auth' 'Group=jwt-auth' \
    'LoadCredential=token_secret:/etc/jwt-auth/token_secret' \
    'Environment=TOKEN_SECRET_FILE=%d/token_secret' \
    'Environment=DATABASE_PATH=/var/lib/jwt-auth/auth.db' \
    'StateDirectory=jwt-auth' 'Restart=on-failure'
have "$SVC" 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
    'PrivateTmp=yes' 'PrivateDevices=yes' 'RestrictAddressFamilies=AF_UNIX' \
    'CapabilityBoundingSet=' 'SystemCallFilter=@system-service'
if grep -Eq '^(Environment=TOKEN_SECRET=|Environment=ACCESS_TOKEN_SECRET=)' "$SVC"; then
	t_fail "no secret in the unit"
else
	t_ok "no secret in the unit"
fi

# verify_units DIR — `systemd-analyze verify` of the three instances of
# both templates copied in DIR.  PID 1 need not be systemd for this.
# MANPATH puts DESTDIR's man pages first, so Documentation=man:authctl(8)
# is checked against the installed page.  Sets VRC, VOUT (what it said
# about our units), VNOISE (what was filtered) and VOTHER (anything else).
#
# The one filter: "Command 'man systemd.exec(5)' failed" when that page of
# systemd's is missing on this machine (minimal Debian images drop
# /usr/share/man), and only then; our own page is never filtered.
verify_units() {
	local dir=$1 i line page sec out
	local -a args=()
	for i in login userorders refresh authorize; do
		ln -sf 'jwt-auth@.service' "$dir/jwt-auth@$i.service"
		ln -sf 'jwt-auth@.socket' "$dir/jwt-auth@$i.socket"
		args+=("./jwt-auth@$i.socket" "./jwt-auth@$i.service")
	done
	out=$(cd "$dir" && MANPATH="$D/usr/share/man:$(manpath 2>/dev/null)" \
	    SYSTEMD_LOG_COLOR=0 "$SYSTEMD_ANALYZE" verify "${args[@]}" 2>&1)
	VRC=$?
	VOUT="" VNOISE="" VOTHER=""
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [[ $line =~ ^jwt-auth@[a-z]+\.(service|socket):\ Command\ \'man\ (systemd\.[a-z]+\([0-9]\))\'\ failed\ with\ code\ [0-9]+$ ]]; then
			page=${BASH_REMATCH[2]} sec=${BASH_REMATCH[2]//[^0-9]/}
			if ! man -w "$sec" "${page%(*}" >/dev/null 2>&1; then
				VNOISE+="$line"$'\n'
				continue
			fi
		fi
		if [[ $line == *jwt-auth* || $line == *"$dir"* ]]; then
			VOUT+="$line"$'\n'
		else
			VOTHER+="$line"$'\n'
		fi
	done <<<"$out"
}

# verify_ok NAME — the last verify_units passed: nothing about our units,
# and a failing exit only when explained by the filtered noise.
verify_ok() {
	if [ -n "$VOUT" ] || { [ "$VRC" != 0 ] && [ -z "$VNOISE" ]; }; then
		t_fail "$1" "exit $VRC" "$VOUT$VOTHER"
	else
		t_ok "$1"
		[ -z "$VNOISE$VOTHER" ] ||
		    printf '%s' "$VNOISE$VOTHER" | sed 's/^/    # noise: /'
	fi
}

# The installed units, ExecStart pointed at the installed binaries.
V=$T_TMP/units
mkdir -p "$V"
for f in "$SVC" "$SOCKU"; do
	sed "s|^ExecStart=/usr/lib/jwt-auth/|ExecStart=$D/usr/lib/jwt-auth/|" \
	    "$f" >"$V/${f##*/}"
done
verify_units "$V"
verify_ok "systemd-analyze verify: the installed units (3 instances each) report nothing"

# The control: a broken copy must be reported, so the check can fail.
B=$T_TMP/broken
mkdir -p "$B"
cp "$V/jwt-auth@.socket" "$B/"
sed -e 's|^ExecStart=.*|ExecStart=/nonexistent/jwt-auth/%i|' \
    -e 's|^Restart=on-failure|Restart=on-failure\nBogusSetting=yes|' \
    "$V/jwt-auth@.service" >"$B/jwt-auth@.service"
verify_units "$B"
check_match "control: verify reports a missing ExecStart binary" \
    "jwt-auth@login\\.service: Command /nonexistent/jwt-auth/login is not executable" "$VOUT"
check_match "control: verify reports an unknown setting" \
    "Unknown key 'BogusSetting'" "$VOUT"

# The system user, as systemd-sysusers would create it.
mkdir -p "$T_TMP/sysroot/etc"
out=$("$SYSUSERS" --root="$T_TMP/sysroot" --dry-run - \
    <"$UNITS/jwt-auth.sysusers" 2>&1); rc=$?
check_match "systemd-sysusers --dry-run accepts jwt-auth.sysusers and makes user jwt-auth" \
    "^0 .*Creating user 'jwt-auth'" "$rc $(tr '\n' ' ' <<<"$out")"

# ---------------------------------------------------------------------------
# make uninstall: everything install put there goes, the operator's
# configuration and data stay.

mkdir -p "$D/etc/jwt-auth" "$D/var/lib/jwt-auth"
echo keep >"$D/etc/jwt-auth/env"
echo keep >"$D/var/lib/jwt-auth/auth.db"
make -C "$ROOT" --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr \
    >"$T_TMP/uninstall.log" 2>&1
check_eq "make uninstall: exit 0" 0 "$?"
check_eq "… removes every file install put in place" "" \
    "$(cd "$D" && find usr -type f 2>/dev/null | sort | paste -sd' ')"
check_eq "… and leaves the operator's configuration and database" \
    "etc/jwt-auth/env var/lib/jwt-auth/auth.db" \
    "$(cd "$D" && find etc var -type f | sort | paste -sd' ')"
check_eq "… and no folder of its own behind (PREFIX/lib/jwt-auth, PREFIX/share/jwt-auth)" \
    "" "$(cd "$D" && find usr/lib/jwt-auth usr/share/jwt-auth 2>/dev/null)"

t_done
