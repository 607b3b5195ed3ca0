#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# deploy/deps.sh MODE: install the Debian 12 packages MODE needs, if any is
# missing.  Quiet when nothing is.
#
#	build	compiler, make, pkg-config and the -dev packages (libpq-dev:
#		the PostgreSQL store)
#	lint	build + cppcheck and shellcheck (make lint)
#	run	build + lighttpd
#	test	run + spawn-fcgi, cgi-fcgi (libfcgi-bin), curl, jq, node (18 or
#		newer) and npm (tests/node, tests/peer, tests/browser), valgrind, fail2ban (its
#		filter is tested with fail2ban-regex), stress-ng (busy-machine
#		runs), Apache's mod_auth_openidc (a third-party verifier of
#		asymmetric tokens), postgresql-15, pgbouncer and haproxy
#		(throwaway servers for tests/pg/lib.sh and deploy/cluster/; the
#		packages' own services are not started)
#	profile	test + linux-perf and strace (make profile)
#
# As root it runs apt-get itself (apt-get update at most once, and only when
# something must be installed), without starting the system lighttpd on
# port 80.  Otherwise it prints the one sudo line to run, and fails.
set -euo pipefail

prog=deploy/deps.sh
usage() { printf 'usage: %s build|lint|run|test|profile\n' "$prog" >&2; exit 2; }
[[ $# -eq 1 ]] || usage

build=(gcc make pkg-config libjwt-dev libfcgi-dev libjson-c-dev libssl-dev
	libsqlite3-dev libsodium-dev libpq-dev)
lint=("${build[@]}" cppcheck shellcheck)
run=("${build[@]}" lighttpd)
test=("${run[@]}" spawn-fcgi libfcgi-bin curl jq openssl sqlite3 valgrind
	nginx apache2 libapache2-mod-fcgid libapache2-mod-auth-openidc chromium
	systemd man-db
	clang libclang-rt-14-dev wrk python3 fail2ban stress-ng cppcheck
	shellcheck postgresql-15 pgbouncer haproxy)
profile=("${test[@]}" linux-perf strace)

case $1 in
build) want=("${build[@]}") ;;
lint) want=("${lint[@]}") ;;
run) want=("${run[@]}") ;;
test) want=("${test[@]}") ;;
profile) want=("${profile[@]}") ;;
*) usage ;;
esac

installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for p in "${want[@]}"; do
	installed "$p" || missing+=("$p")
done

# node and npm: any working ones will do (the machine may carry a newer
# nodejs from another repository, whose package also ships npm); Debian's
# own only when they are absent or broken.
if [[ $1 == test || $1 == profile ]]; then
	if ! node --version >/dev/null 2>&1; then
		missing+=(nodejs npm)
	elif ! npm --version >/dev/null 2>&1; then
		missing+=(npm)
	fi
fi

((${#missing[@]})) || exit 0

if [[ $(id -u) -ne 0 ]]; then
	printf 'sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}" >&2
	exit 1
fi

printf '%s: installing %s\n' "$prog" "${missing[*]}" >&2

# Keep the packages' maintainer scripts from starting services (lighttpd
# would take port 80): a policy-rc.d that refuses, for the install only.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
	trap 'rm -f "$policy"' EXIT
	printf '#!/bin/sh\n# Temporary, from %s: start no service while installing.\nexit 101\n' \
		"$prog" >"$policy"
	chmod 0755 "$policy"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if ((${#still[@]})); then
	printf '%s: still missing after apt-get install: %s\n' "$prog" "${still[*]}" >&2
	exit 1
fi
