# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# tests/servers/apache-proxy-fcgi.sh: the service behind Apache 2.4
# mod_proxy_fcgi, from the real deploy/apache-proxy-fcgi.conf, for
# tests/suite-servers.sh (the interface is described there).  The three
# executables are started by the real deploy/spawn-fcgi.sh, in the
# foreground (one process each, children of this shell), as www-data with
# their sockets www-data:www-data 0660; Apache (root, children as www-data)
# proxies to them.  Without root, everything runs as the caller.
#
# Layout of TMPDIR_SERVER (0711, as the suite makes it):
#	site.conf, apache2.conf	the substituted deploy file, the top level
#	etc/		0750 root:www-data: auth.env, token_secret (0640)
#	data/		0700 www-data: auth.db
#	run/		0750 root:www-data: the sockets (@RUN_DIR@)
#	log/		Apache's logs (@LOG_DIR@), spawn-NAME.log (the
#			executables' stderr)
#	apache/		pid file, runtime files

# shellcheck source=tests/servers/apache-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/apache-common.sh"

PROXY_BACKENDS=		# deploy/spawn-fcgi.sh's PIDs (the executables')

# What Apache answers itself (deploy/apache-proxy-fcgi.conf's banner): 400
# for a 9 KiB header, 413, 411, and 503 for an executable that is down.
# shellcheck disable=SC2034 # read by tests/suite-servers.sh
SERVER_OWN_STATUS="400 413 411 503"

# proxy_spawn: start the three executables with deploy/spawn-fcgi.sh and
# wait (10 s at most) for their sockets.  Sets PROXY_BACKENDS.
proxy_spawn() {
	local t=$TMPDIR_SERVER name left deadline dead pid
	local -a as=()
	# as root: the executables as www-data, their sockets' group www-data
	[ -z "$APACHE_AS_ROOT" ] || as=(-u "$APACHE_USER" -G "$APACHE_GROUP")
	for name in login userorders refresh; do
		ENV_FILE=$t/etc/auth.env TOKEN_SECRET_FILE=$t/etc/token_secret \
		    DATABASE_PATH=$t/data/auth.db \
		    "$APP_ROOT/deploy/spawn-fcgi.sh" "${as[@]}" \
		    "$name" "$t/run/$name.sock" \
		    </dev/null >>"$t/log/spawn-$name.log" 2>&1 &
		PROXY_BACKENDS="$PROXY_BACKENDS $!"
	done
	deadline=$((SECONDS + 10))
	while :; do
		left=
		for name in login userorders refresh; do
			[ -S "$t/run/$name.sock" ] || left="$left $name"
		done
		[ -z "$left" ] && return 0
		dead=
		for pid in $PROXY_BACKENDS; do
			apache_alive "$pid" || dead=1
		done
		[ -n "$dead" ] || [ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.1
	done
	apache_say "deploy/spawn-fcgi.sh made no socket for:$left" \
	    "(or one exited); its output:"
	tail -n 5 "$t"/log/spawn-*.log >&2
	return 1
}

server_start() {
	local t=$TMPDIR_SERVER
	APACHE_WHO=apache-proxy-fcgi
	SERVER_PIDS=
	PROXY_BACKENDS=
	apache_prepare_tmp && apache_prepare_app && mkdir -m 0750 "$t/run" &&
	    apache_chown root:"$APACHE_GROUP" "$t/run" || return 1

	if ! proxy_spawn; then
		# shellcheck disable=SC2086 # a list of PIDs
		apache_stop $PROXY_BACKENDS
		return 1
	fi

	apache_subst "$APP_ROOT/deploy/apache-proxy-fcgi.conf" "$t/site.conf" \
	    WEB_DIR="$APP_ROOT/web" PORT="$PORT" RUN_DIR="$t/run" LOG_DIR="$t/log" \
	    JWKS_FILE="$JWKS_FILE" &&
	    apache_main_conf "$t/apache2.conf" "$t/site.conf" \
	    authz_core alias dir headers mime proxy proxy_fcgi &&
	    apache_start "$t/apache2.conf" "http://127.0.0.1:$PORT"
	# shellcheck disable=SC2181 # the chain above
	if [ $? -ne 0 ]; then
		# shellcheck disable=SC2086 # a list of PIDs
		apache_stop $PROXY_BACKENDS
		return 1
	fi
	SERVER_PIDS="$APACHE_PID$PROXY_BACKENDS"
	# shellcheck disable=SC2034 # read by tests/suite-servers.sh
	SERVER_NOTE="$(apache_version) mod_proxy_fcgi + spawn-fcgi"
}

# Down: the executables stopped (spawn-fcgi never starts them again); their
# sockets stay and refuse, and Apache answers 503.
server_stop_backends() {
	# shellcheck disable=SC2086 # a list of PIDs
	apache_stop_pids 30 $PROXY_BACKENDS
}

server_stop() {
	# SERVER_PIDS is empty when server_start was interrupted early
	# shellcheck disable=SC2086 # a list of PIDs
	apache_stop ${SERVER_PIDS:-$APACHE_PID $PROXY_BACKENDS}
}
