# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# The beginning every PostgreSQL suite shares (tests/suite-pg.sh,
# suite-pgrestart.sh, suite-pgcopy.sh, suite-pgfailover.sh,
# suite-cluster.sh).  Source it right after tests/lib.sh: it sources
# tests/http/helpers.sh and tests/pg/lib.sh, runs in the C locale with
# umask 077, and sets LIGHTTPD and CONF (deploy/lighttpd.conf) for
# helpers.sh's start_lighttpd.  Then
#
#	pg_suite TOOL...	each TOOL there (t_require), a temporary
#				folder (T_TMP) and, on exit, cleanup: the
#				background requests (JOBS) and writers
#				stopped, lighttpd, PostgreSQL, the folder
#
# A suite with more to stop defines its own cleanup after pg_suite.
# (bench/pg.sh sources tests/pg/lib.sh alone: helpers.sh's start_lighttpd
# would replace bench/lib.sh's.)

# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
# shellcheck source=tests/pg/lib.sh
. "$ROOT/tests/pg/lib.sh"
export LC_ALL=C
umask 0077

LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
# shellcheck disable=SC2034 # CONF, BACKENDS: read by tests/http/helpers.sh
CONF=$ROOT/deploy/lighttpd.conf
LPID=
# shellcheck disable=SC2034
BACKENDS=()
JOBS=()

pg_suite() {
	t_require "$@"
	t_tmpdir
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

cleanup() {
	stop_pids "${JOBS[@]}"
	[ "${#WRITERS[@]}" -eq 0 ] || writers_stop
	stop_lighttpd >/dev/null
	pg_cleanup
	t_cleanup
}
