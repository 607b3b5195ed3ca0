# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# tests/servers/apache-common.sh: what tests/servers/apache-proxy-fcgi.sh
# and tests/servers/apache-fcgid.sh share.  Source it; it defines only
# apache_* functions and APACHE_* variables.
#
# Apache runs in the foreground (`apache2 -d DIR -f CONF -DFOREGROUND`, a
# background job of the caller, from an empty environment) on a minimal
# top-level configuration generated in TMPDIR_SERVER, which Includes the
# real deploy/ file after its @PLACEHOLDERS@ are substituted with sed.  As
# root its children drop to www-data.  Every process is stopped by PID,
# with bounded waits.  Messages go to stderr.

APACHE_BIN=${APACHE_BIN:-/usr/sbin/apache2}
APACHE_MODDIR=${APACHE_MODDIR:-/usr/lib/apache2/modules}
# As root (CI), Apache's children and the executables run as www-data; as
# anyone else, everything runs as the caller.
if [ "$(id -u)" -eq 0 ]; then
	APACHE_AS_ROOT=1
	APACHE_USER=www-data
	APACHE_GROUP=www-data
else
	APACHE_AS_ROOT=
	APACHE_USER=$(id -un)
	APACHE_GROUP=$(id -gn)
fi
APACHE_PID=

apache_say() { printf '%s: %s\n' "${APACHE_WHO:-apache}" "$*" >&2; }

# apache_as_user CMD...: run CMD as APACHE_USER (to check what it may
# reach).
apache_as_user() {
	if [ -z "$APACHE_AS_ROOT" ]; then
		"$@"
		return
	fi
	setpriv --reuid="$APACHE_USER" --regid="$APACHE_GROUP" --init-groups \
	    --reset-env -- "$@"
}

# apache_chown OWNER[:GROUP] PATH...: chown, as root only (otherwise
# everything already belongs to the caller).
apache_chown() {
	[ -z "$APACHE_AS_ROOT" ] || chown "$@"
}

# apache_alive PID: the process exists and is not a zombie.
apache_alive() {
	local st
	st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" \
	    2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# apache_wait_gone TENTHS PID...: 0 once every PID is gone, 1 after
# TENTHS/10 seconds.
apache_wait_gone() {
	local n=$1 p alive
	shift
	while :; do
		alive=
		for p in "$@"; do
			apache_alive "$p" && alive=1 && break
		done
		[ -z "$alive" ] && return 0
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		sleep 0.1
	done
}

# apache_descendants PID: every live descendant of PID, one per line.
apache_descendants() {
	local f line pid ppid
	local -A kids=()
	local -a todo=("$1")
	for f in /proc/[0-9]*/stat; do
		# "pid (comm) state ppid ..."; comm may hold spaces and ")"
		read -r line 2>/dev/null <"$f" || continue
		pid=${line%% *}
		line=${line##*) }
		line=${line#* }
		ppid=${line%% *}
		kids[$ppid]="${kids[$ppid]:-} $pid"
	done
	while [ "${#todo[@]}" -gt 0 ]; do
		pid=${todo[0]}
		todo=("${todo[@]:1}")
		for f in ${kids[$pid]:-}; do
			echo "$f"
			todo+=("$f")
		done
	done
}

# apache_stop_pids TENTHS PID...: SIGTERM, up to TENTHS/10 s to leave, then
# SIGKILL and 2 s more.  Our own children are reaped.  1 when one needed
# SIGKILL (or would not die).
apache_stop_pids() {
	local n=$1 p rc=0
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	if ! apache_wait_gone "$n" "$@"; then
		rc=1
		kill -KILL "$@" 2>/dev/null
		apache_wait_gone 20 "$@"
	fi
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
	return "$rc"
}

# apache_subst SRC DST NAME=VALUE...: copy SRC to DST replacing each
# @NAME@ by VALUE; fails when a placeholder outside the comments is left.
apache_subst() {
	local src=$1 dst=$2 kv name val left
	local -a expr=()
	shift 2
	for kv in "$@"; do
		name=${kv%%=*}
		val=${kv#*=}
		val=${val//\\/\\\\}
		val=${val//|/\\|}
		val=${val//&/\\&}
		expr+=(-e "s|@${name}@|${val}|g")
	done
	sed "${expr[@]}" "$src" >"$dst" || return 1
	left=$(grep -v '^[[:space:]]*#' "$dst" | grep -o '@[A-Z_]*@' |
	    sort -u | tr '\n' ' ')
	if [ -n "$left" ]; then
		apache_say "$src: placeholders left unsubstituted: $left"
		return 1
	fi
}

# apache_prepare_tmp: check that www-data can reach TMPDIR_SERVER (the
# suite makes it 0711 on a 0711 path), run the binaries in APP_ROOT/build
# and read APP_ROOT/web (the suite's copy of the checkout, which may be
# closed to www-data); create log/ and apache/ (root's, 0755) in
# TMPDIR_SERVER.
apache_prepare_tmp() {
	local exe
	mkdir -m 0755 "$TMPDIR_SERVER/log" "$TMPDIR_SERVER/apache" || return 1
	if ! apache_as_user test -x "$TMPDIR_SERVER"; then
		apache_say "$APACHE_USER cannot enter $TMPDIR_SERVER" \
		    "(a parent directory is closed to it)"
		return 1
	fi
	for exe in login userorders refresh; do
		if ! apache_as_user test -x "$APP_ROOT/build/$exe"; then
			apache_say "$APACHE_USER cannot run $APP_ROOT/build/$exe" \
			    "(make all; every parent directory must let it through)"
			return 1
		fi
	done
	if ! apache_as_user test -r "$APP_ROOT/web/index.html"; then
		apache_say "$APACHE_USER cannot read $APP_ROOT/web/index.html"
		return 1
	fi
}

# apache_prepare_app: the executables' configuration and data in
# TMPDIR_SERVER: etc/ (0750, group www-data) with token_secret (SECRET,
# one line) and auth.env (CORS_ORIGINS; the contract's defaults for the
# rest), both 0640;
# data/ (0700, www-data's) for the database.
apache_prepare_app() {
	local t=$TMPDIR_SERVER
	mkdir -m 0750 "$t/etc" && mkdir -m 0700 "$t/data" || return 1
	(umask 0027 &&
	    printf '%s\n' "$SECRET" >"$t/etc/token_secret" &&
	    printf '# the secret is in token_secret\nCORS_ORIGINS=%s\n' \
	    "$CORS_ORIGINS" >"$t/etc/auth.env") ||
	    return 1
	apache_chown root:"$APACHE_GROUP" "$t/etc" "$t/etc/token_secret" \
	    "$t/etc/auth.env" &&
	    apache_chown "$APACHE_USER:$APACHE_GROUP" "$t/data"
}

# apache_version: "Apache 2.4.71".
apache_version() {
	"$APACHE_BIN" -v | sed -n 's|^Server version: Apache/\([^ ]*\).*|Apache \1|p'
}

# apache_main_conf OUT SITE MODULE...: write the minimal top-level
# configuration that loads the event MPM plus each MODULE (a name such as
# proxy_fcgi, from APACHE_MODDIR) and Includes SITE (the substituted deploy
# file, which brings its own Listen and <VirtualHost>).  What Debian's
# apache2.conf would otherwise provide: User/Group www-data, the "combined"
# log format, MIME types, and / closed to everyone (symbolic links
# followed, as there).
apache_main_conf() {
	local out=$1 site=$2 m t=$TMPDIR_SERVER
	shift 2
	{
		printf '# generated by tests/servers/apache-common.sh\n'
		printf 'ServerRoot "%s"\n' "$t"
		printf 'ServerName 127.0.0.1\n'
		printf 'DefaultRuntimeDir "%s/apache"\n' "$t"
		printf 'PidFile "%s/apache/apache2.pid"\n' "$t"
		printf 'ErrorLog "%s/log/error.log"\n' "$t"
		printf 'LogLevel warn\n'
		[ -z "$APACHE_AS_ROOT" ] ||
		    printf 'User %s\nGroup %s\n' "$APACHE_USER" "$APACHE_GROUP"
		for m in mpm_event "$@"; do
			printf 'LoadModule %s_module "%s/mod_%s.so"\n' \
			    "$m" "$APACHE_MODDIR" "$m"
		done
		cat <<-'EOF'
		StartServers 1
		ServerLimit 2
		ThreadsPerChild 32
		MaxRequestWorkers 64
		MinSpareThreads 8
		MaxSpareThreads 64
		Timeout 30
		KeepAlive On
		ServerTokens Prod
		ServerSignature Off
		TraceEnable Off
		TypesConfig /etc/mime.types
		LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
		<Directory />
			Options FollowSymLinks
			AllowOverride None
			Require all denied
		</Directory>
		EOF
		printf 'Include "%s"\n' "$site"
	} >"$out"
}

# apache_start CONF URL: check CONF, start Apache on it and wait (15 s at
# most, whatever the requests take) until URL/api/nope answers 404: Apache
# is up and a backend answered.  Sets APACHE_PID.
apache_start() {
	local conf=$1 url=$2 t=$TMPDIR_SERVER code='' deadline
	if ! env - PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C \
	    "$APACHE_BIN" -d "$t" -f "$conf" -t >"$t/log/configtest.out" 2>&1; then
		apache_say "apache2 -t refuses $conf:"
		sed 's/^/    /' "$t/log/configtest.out" >&2
		return 1
	fi
	env - PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C \
	    "$APACHE_BIN" -d "$t" -f "$conf" -DFOREGROUND \
	    </dev/null >>"$t/log/apache2.out" 2>&1 &
	APACHE_PID=$!
	deadline=$((SECONDS + 15))
	while :; do
		if ! apache_alive "$APACHE_PID"; then
			wait "$APACHE_PID" 2>/dev/null
			apache_say "apache2 exited at start-up; the end of $t/log/:"
			tail -n 20 "$t"/log/*.log "$t/log/apache2.out" >&2 2>/dev/null
			APACHE_PID=
			return 1
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    "$url/api/nope" 2>/dev/null)
		[ "$code" = 404 ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.1
	done
	apache_say "no 404 from $url/api/nope within 15 s" \
	    "(last status '$code'); the end of $t/log/:"
	tail -n 20 "$t"/log/*.log >&2 2>/dev/null
	apache_stop "$APACHE_PID"
	return 1
}

# apache_stop PID...: stop Apache's parent and whatever else PID... names
# (backends it did not start), and every descendant they have now
# (Apache's children; mod_fcgid's process manager and its FastCGI
# processes): SIGTERM to the PIDs (Apache's parent stops its own
# descendants), up to 10 s for them and 5 s more for the descendants, then
# SIGKILL.  1 when one needed SIGKILL.
apache_stop() {
	local rc=0 p
	local -a pids=("$@") desc=()
	[ $# -gt 0 ] || return 0
	for p in "${pids[@]}"; do
		mapfile -t -O "${#desc[@]}" desc < <(apache_descendants "$p")
	done
	apache_stop_pids 100 "${pids[@]}" || rc=1
	if [ "${#desc[@]}" -gt 0 ] && ! apache_wait_gone 50 "${desc[@]}"; then
		apache_say "descendants outlived their parents: ${desc[*]}"
		apache_stop_pids 0 "${desc[@]}"
		rc=1
	fi
	APACHE_PID=
	return "$rc"
}
