#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Run the unit test binaries given as arguments; print their lines and a
# total "unit: N passed, N failed"; fail if a test failed or a binary died.
set -u
passed=0 failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	echo "# $name"
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1)
	if [ -z "$line" ]; then
		echo "not ok - $name exited $rc without a summary"
		failed=$((failed + 1))
		continue
	fi
	read -r p _ f _ <<<"$line"
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $rc"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
