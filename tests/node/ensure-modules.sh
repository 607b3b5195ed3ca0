#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/node/ensure-modules.sh DIR...: give each DIR (a folder with a
# package.json and a package-lock.json: tests/node, tests/peer,
# tests/browser) the node_modules its lock file pins, for the suites and
# for make bench.  node_modules is never committed (.gitignore).
#
# For each DIR, in order:
#   - node and npm are there; node is at least what DIR's package.json asks
#     in engines.node (">=MAJOR[.MINOR[.PATCH]]"); npm is 7 or newer (it
#     reads lock files of version 3);
#   - unless DIR/node_modules was installed from this very package.json and
#     lock file (a stamp holds their checksum), `npm ci` with
#     --engine-strict (a package asking for a newer Node is refused) and
#     --ignore-scripts (no dependency here needs an install script);
#   - every dependency in package.json is an exact version, and is the one
#     installed.
# Prints "# npm ci in DIR took N s" when it installed.  On failure: one
# line on stderr saying what and why, and exit status 1.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STAMP=.jwt-auth-installed

die() {
	printf 'ensure-modules: %s\n' "$*" >&2
	exit 1
}

command -v node >/dev/null || die "node is not installed (deploy/deps.sh test installs Debian's nodejs)"
command -v npm >/dev/null || die "npm is not installed (deploy/deps.sh test installs Debian's npm)"
NODE_VERSION=$(node -p 'process.versions.node' 2>/dev/null) || die "node does not run: $(node --version 2>&1 | head -n 1)"
NPM_VERSION=$(npm --version 2>/dev/null) || die "npm does not run: $(npm --version 2>&1 | head -n 1)"
[ "${NPM_VERSION%%.*}" -ge 7 ] 2>/dev/null ||
	die "npm $NPM_VERSION is too old: npm ci of a lockfileVersion 3 needs npm 7 or newer"

# version_ge A B: A >= B, both dotted numbers.
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

# The checksum of what npm ci installs from.
lock_sum() {
	cat "$1/package.json" "$1/package-lock.json" | sha256sum | cut -d' ' -f1
}

# pins DIR: "name version" per dependency of DIR/package.json.
pins() {
	(cd "$1" && node -e '
		const deps = require("./package.json").dependencies || {};
		for (const [n, v] of Object.entries(deps)) console.log(n + " " + v);')
}

ensure() {
	local dir=$1 rel want floor sum t0 log why name pin got
	rel=${dir#"$ROOT"/}
	if [ ! -f "$dir/package.json" ] || [ ! -f "$dir/package-lock.json" ]; then
		die "$rel: package.json and package-lock.json are both needed"
	fi

	want=$(cd "$dir" && node -p 'String((require("./package.json").engines || {}).node || "")') ||
		die "$rel/package.json cannot be read"
	[[ $want =~ ^\>=\ *([0-9]+(\.[0-9]+){0,2})$ ]] ||
		die "$rel/package.json: engines.node is \"$want\", not of the form >=MAJOR[.MINOR[.PATCH]]"
	floor=${BASH_REMATCH[1]}
	version_ge "$NODE_VERSION" "$floor" ||
		die "node $NODE_VERSION is too old for $rel, which needs node $want (its package.json engines); install Node $floor or newer (Debian 12's nodejs is 18.20)"

	sum=$(lock_sum "$dir")
	if [ "$(cat "$dir/node_modules/$STAMP" 2>/dev/null)" != "$sum" ]; then
		t0=$SECONDS
		log=$(mktemp -t npm-ci.XXXXXX) || die "mktemp failed"
		# Few, short retries: an unreachable registry fails in seconds.
		if ! (cd "$dir" && timeout 300 npm ci --no-audit --no-fund \
			--engine-strict --ignore-scripts --update-notifier=false \
			--fetch-retries=1 --fetch-retry-mintimeout=2000 \
			--fetch-retry-maxtimeout=5000) >"$log" 2>&1; then
			why=$(grep -m 4 -E 'npm (error|ERR!)' "$log") || why=$(tail -n 4 "$log")
			rm -f "$log"
			die "npm ci in $rel failed (node $NODE_VERSION, npm $NPM_VERSION):" "${why//$'\n'/ }"
		fi
		rm -f "$log"
		printf '%s\n' "$sum" >"$dir/node_modules/$STAMP"
		echo "# npm ci in $rel took $((SECONDS - t0)) s (node $NODE_VERSION, npm $NPM_VERSION)"
	fi

	while read -r name pin; do
		[ -n "$name" ] || continue
		[[ $pin =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
			die "$rel/package.json: $name is \"$pin\", not one exact version"
		got=$(node -e 'try {
			const f = process.argv[1] + "/node_modules/" + process.argv[2] + "/package.json";
			console.log(JSON.parse(require("fs").readFileSync(f, "utf8")).version);
		} catch (e) { /* not installed */ }' "$dir" "$name")
		[ "$got" = "$pin" ] ||
			die "$rel/node_modules has $name ${got:-missing}, not the pinned $pin"
	done < <(pins "$dir")
}

[ $# -gt 0 ] || die "usage: tests/node/ensure-modules.sh DIR..."
for d in "$@"; do
	[ -d "$d" ] || die "$d: no such folder"
	ensure "$(cd "$d" && pwd)"
done
