#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Run the unit test binaries given as arguments, then every shell-level
# suite (tests/suite-*.sh, or those named in SUITES), and print the grand
# total as "N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 broken=()
suites=("$HERE"/suite-*.sh)
if [ -n "${SUITES:-}" ]; then
	suites=()
	for s in $SUITES; do suites+=("$HERE/suite-$s.sh"); done
fi
for suite in unit "${suites[@]}"; do
	if [ "$suite" = unit ]; then
		name=unit
		echo "## unit"
		out=$("$HERE/unit/run.sh" "$@" 2>&1); rc=$?
	else
		[ -e "$suite" ] || continue
		name=$(basename "$suite" .sh)
		echo "## $name"
		out=$(bash "$suite" 2>&1); rc=$?
	fi
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed$' | tail -n1)
	if [ -z "$line" ]; then
		broken+=("$name (exit $rc, no summary)")
		failed=$((failed + 1))
		continue
	fi
	f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		broken+=("$name (exit $rc)")
		failed=$((failed + 1))
	elif [ "$f" -gt 0 ]; then
		broken+=("$name ($f failed)")
	fi
done
# The closing lines name every suite that failed, so a long run's verdict
# needs no scrolling.
for b in "${broken[@]}"; do echo "not ok - suite $b"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
