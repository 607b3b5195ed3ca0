# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# shellcheck disable=SC2034 # SERVER_PIDS, SERVER_NOTE: read by tests/suite-servers.sh
# tests/servers/nginx.sh: nginx (deploy/nginx.conf, its @PLACEHOLDERS@
# substituted with sed into TMPDIR_SERVER) passing to the three executables,
# each started by deploy/spawn-fcgi.sh on a unix socket.  Sourced by
# tests/suite-servers.sh (the interface is described there).
#
# As root (CI): nginx's master stays root and its workers run as www-data
# (the conf's `user`); the executables run as www-data too (spawn-fcgi.sh -u
# www-data -G www-data), so their sockets are www-data:www-data 0660.
# Without root, everything runs as the caller (nginx ignores `user`).
# Layout of TMPDIR_SERVER (0711, from the suite):
#	nginx.conf	the substituted deploy/nginx.conf
#	run/		0750 root:www-data: the sockets, nginx.pid, nginx's
#			temp directories (@RUN_DIR@)
#	log/		nginx's logs (@LOG_DIR@), spawn-NAME.log (the
#			executables' stderr)
#	etc/auth.env	0640 root:www-data in 0750 root:www-data: TOKEN_SECRET
#	data/		0700, the executables' user: auth.db

# What nginx answers itself (deploy/nginx.conf's banner): 431 for a 9 KiB
# header (its 494), 413, 411, and 503 for an executable that is down.
SERVER_OWN_STATUS="431 413 411 503"

server_start() {
	local nginx name conf left
	nginx=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx) || {
		echo "nginx is not installed (deploy/deps.sh test)"
		return 1
	}
	command -v spawn-fcgi >/dev/null || {
		echo "spawn-fcgi is not installed (deploy/deps.sh test)"
		return 1
	}
	NGINX_PID=
	SPAWN_PIDS=
	NGX_RUN=$TMPDIR_SERVER/run
	NGX_LOG=$TMPDIR_SERVER/log
	conf=$TMPDIR_SERVER/nginx.conf
	local -a as=()
	mkdir -m 0750 "$NGX_RUN" "$TMPDIR_SERVER/etc" || return 1
	mkdir -m 0700 "$NGX_LOG" "$TMPDIR_SERVER/data" || return 1
	(umask 0027 && printf 'TOKEN_SECRET=%s\nCORS_ORIGINS=%s\n' "$SECRET" \
	    "$CORS_ORIGINS" >"$TMPDIR_SERVER/etc/auth.env") || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chgrp www-data "$NGX_RUN" "$TMPDIR_SERVER/etc" "$TMPDIR_SERVER/etc/auth.env" &&
		    chown www-data:www-data "$TMPDIR_SERVER/data" || return 1
		as=(-u www-data -G www-data)
	fi

	sed -e "s|@APP_ROOT@|$APP_ROOT|g" -e "s|@RUN_DIR@|$NGX_RUN|g" \
	    -e "s|@LOG_DIR@|$NGX_LOG|g" -e "s|@PORT@|$PORT|g" \
	    -e "s|@JWKS_FILE@|$JWKS_FILE|g" \
	    "$APP_ROOT/deploy/nginx.conf" >"$conf" || return 1
	if grep -n '@[A-Z_]*@' "$conf"; then
		echo "deploy/nginx.conf has a placeholder this script does not know (above)"
		return 1
	fi

	for name in login userorders refresh; do
		ENV_FILE=$TMPDIR_SERVER/etc/auth.env \
		    DATABASE_PATH=$TMPDIR_SERVER/data/auth.db \
		    "$APP_ROOT/deploy/spawn-fcgi.sh" "${as[@]}" "$name" "$NGX_RUN/$name.sock" \
		    </dev/null >"$NGX_LOG/spawn-$name.log" 2>&1 &
		SPAWN_PIDS="$SPAWN_PIDS $!"
	done
	SERVER_PIDS=$SPAWN_PIDS
	# Each listens once its socket exists (spawn-fcgi binds, then execs).
	for _ in $(seq 100); do
		left=
		for name in login userorders refresh; do
			[ -S "$NGX_RUN/$name.sock" ] || left="$left $name"
		done
		[ -z "$left" ] && break
		# shellcheck disable=SC2086 # one PID per word
		wait_gone 0 $SPAWN_PIDS && break
		sleep 0.1
	done
	for name in login userorders refresh; do
		if [ ! -S "$NGX_RUN/$name.sock" ]; then
			echo "deploy/spawn-fcgi.sh did not create $name.sock:"
			cat "$NGX_LOG/spawn-$name.log"
			server_stop
			return 1
		fi
	done

	if ! "$nginx" -t -q -c "$conf" -e "$NGX_LOG/nginx-error.log"; then
		echo "nginx -t refuses the substituted deploy/nginx.conf"
		server_stop
		return 1
	fi
	"$nginx" -c "$conf" -e "$NGX_LOG/nginx-error.log" -g 'daemon off;' \
	    </dev/null >>"$NGX_LOG/nginx.stderr" 2>&1 &
	NGINX_PID=$!
	SERVER_NOTE="$("$nginx" -v 2>&1 | sed -n 's|^nginx version: ||p') + spawn-fcgi"
	# shellcheck disable=SC2086
	if ! server_wait_http 200 "$NGINX_PID" $SPAWN_PIDS; then
		echo "nginx did not answer on 127.0.0.1:$PORT"
		tail -n 10 "$NGX_LOG/nginx.stderr" "$NGX_LOG/nginx-error.log" "$NGX_LOG"/spawn-*.log 2>/dev/null
		server_stop
		return 1
	fi
	SERVER_PIDS="$NGINX_PID $(children "$NGINX_PID" | tr '\n' ' ')$SPAWN_PIDS"
	return 0
}

# Down: the executables stopped (spawn-fcgi never starts them again); their
# sockets stay and refuse, and nginx answers 503.
server_stop_backends() {
	# shellcheck disable=SC2086 # one PID per word
	stop_pids $SPAWN_PIDS
}

# nginx first (SIGTERM: its master stops the workers and waits for them),
# then the executables (SIGTERM while idle: they leave at once).
server_stop() {
	local rc=0 workers=
	if [ -n "${NGINX_PID:-}" ]; then
		workers=$(children "$NGINX_PID" | tr '\n' ' ')
		stop_pids "$NGINX_PID" || rc=1
		# shellcheck disable=SC2086 # one PID per word
		if ! wait_gone 30 $workers; then
			echo "nginx workers still running after the master stopped: $workers"
			stop_pids $workers
			rc=1
		fi
		NGINX_PID=
	fi
	# shellcheck disable=SC2086
	if [ -n "${SPAWN_PIDS:-}" ]; then
		stop_pids $SPAWN_PIDS || rc=1
		SPAWN_PIDS=
	fi
	return "$rc"
}
