# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# tests/servers/apache-fcgid.sh: the service behind Apache 2.4 mod_fcgid,
# from the real deploy/apache-fcgid.conf, for tests/suite-servers.sh.
# Apache (root, its children as www-data; without root, everything as the
# caller) spawns the three executables itself; they get PATH plus
# ENV_FILE, TOKEN_SECRET_FILE and DATABASE_PATH, all in TMPDIR_SERVER: the
# secret is in a file, never in the configuration.
#
# Layout of TMPDIR_SERVER (0711, as the suite makes it):
#	site.conf, apache2.conf	the substituted deploy file, the top level
#	etc/		0750 root:www-data: auth.env, token_secret (0640)
#	data/		0700 www-data: auth.db
#	fcgid/		mod_fcgid's sockets (sock/) and process table (shm)
#	log/		error.log (Apache's and the executables' stderr),
#			jwt-auth-*.log
#	apache/		pid file, runtime files

# shellcheck source=tests/servers/apache-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/apache-common.sh"

# What Apache answers itself (deploy/apache-fcgid.conf's banner): 400 for a
# 9 KiB header, 413, 411, and 500 for an executable that cannot start.
# shellcheck disable=SC2034 # read by tests/suite-servers.sh
SERVER_OWN_STATUS="400 413 411 500"

server_start() {
	local t=$TMPDIR_SERVER
	APACHE_WHO=apache-fcgid
	SERVER_PIDS=
	apache_prepare_tmp && apache_prepare_app &&
	    mkdir -m 0755 "$t/fcgid" || return 1
	apache_subst "$APP_ROOT/deploy/apache-fcgid.conf" "$t/site.conf" \
	    BIN_DIR="$APP_ROOT/build" WEB_DIR="$APP_ROOT/web" PORT="$PORT" \
	    FCGID_DIR="$t/fcgid" LOG_DIR="$t/log" ENV_FILE="$t/etc/auth.env" \
	    TOKEN_SECRET_FILE="$t/etc/token_secret" \
	    DATABASE_PATH="$t/data/auth.db" JWKS_FILE="$JWKS_FILE" || return 1
	if grep -qF "$SECRET" "$t/site.conf"; then
		apache_say "the secret is in the generated site configuration"
		return 1
	fi
	apache_main_conf "$t/apache2.conf" "$t/site.conf" \
	    authz_core alias dir headers mime fcgid || return 1
	apache_start "$t/apache2.conf" "http://127.0.0.1:$PORT" || return 1
	SERVER_PIDS=$APACHE_PID
	# shellcheck disable=SC2034 # read by tests/suite-servers.sh
	SERVER_NOTE="$(apache_version) mod_fcgid; secret via TOKEN_SECRET_FILE"
}

# Down for good: a secret the executables refuse at start-up (too short),
# then SIGTERM to every one mod_fcgid runs; it starts them again on demand,
# they exit at once, and Apache answers 500.
server_stop_backends() {
	local p
	local -a exes=()
	printf 'too-short\n' >"$TMPDIR_SERVER/etc/token_secret" || return 1
	for p in $(apache_descendants "$APACHE_PID"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		login | userorders | refresh) exes+=("$p") ;;
		esac
	done
	apache_stop_pids 30 "${exes[@]}"
}

server_stop() {
	# SERVER_PIDS is empty when server_start was interrupted early
	# shellcheck disable=SC2086 # a list of PIDs
	apache_stop ${SERVER_PIDS:-$APACHE_PID}
}
