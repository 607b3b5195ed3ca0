#!/bin/sh
# SPDX-License-Identifier: ISC
# Run each libFuzzer target given: replay tests/fuzz/regress/<target>/,
# then fuzz for $FUZZ_SECONDS on a copy of tests/fuzz/corpus/<target>/
# (new inputs go to the copy, never into tests/).  Prints execs, cov and
# ft per target; exits 1 if any target crashed, after running them all.
# Used by `make fuzz` (mk/fuzz.mk).

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
here=tests/fuzz
failed=""
summary=""

# Inputs a target may take: a header-sized token, or a 16 KiB body.
max_len() {
	case $1 in
	fuzz_bearer_token) echo 8192 ;;
	fuzz_request_path) echo 4096 ;;
	*) echo 20000 ;;
	esac
}

for bin in "$@"; do
	t=${bin##*/}
	work="$FUZZ_DIR/work/$t"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$here/corpus/$t" ]; then
		cp "$here/corpus/$t"/* "$work/corpus/" 2>/dev/null
	fi
	opts="-max_len=$(max_len "$t") -timeout=10 -rss_limit_mb=2048"
	opts="$opts -artifact_prefix=$work/artifacts/"
	[ -f "$here/$t.dict" ] && opts="$opts -dict=$here/$t.dict"

	# Regressions first: libFuzzer runs file arguments once each.
	regress=""
	if [ -d "$here/regress/$t" ]; then
		regress=$(find "$here/regress/$t" -type f | sort)
	fi
	if [ -n "$regress" ]; then
		n=$(echo "$regress" | wc -l)
		# shellcheck disable=SC2086
		if ! "$bin" $opts $regress >"$work/regress.log" 2>&1; then
			echo "FAIL $t: a regression input crashes" \
			    "(log: $work/regress.log)"
			grep -E '^(==[0-9]+==ERROR|SUMMARY|Running:)|runtime error' \
			    "$work/regress.log" | head -20
			failed="$failed $t"
			summary="$summary
$t: regressions FAIL"
			continue
		fi
		echo "ok   $t: $n regression input(s) replayed"
	fi

	# shellcheck disable=SC2086
	"$bin" $opts -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
	    "$work/corpus" >"$work/fuzz.log" 2>&1
	rc=$?
	runs=$(sed -n "s/^stat::number_of_executed_\(runs\|units\): *//p" "$work/fuzz.log")
	rss=$(sed -n "s/^stat::peak_rss_mb: *//p" "$work/fuzz.log")
	last=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	line="$t: ${FUZZ_SECONDS}s execs=${runs:-?} cov=${cov:-?} ft=${ft:-?} rss=${rss:-?}MB"
	if [ $rc -ne 0 ]; then
		echo "FAIL $line exit=$rc (log: $work/fuzz.log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY)|runtime error|deadly signal|Test unit written' \
		    "$work/fuzz.log" | head -20
		failed="$failed $t"
		line="$line CRASH"
	else
		echo "ok   $line"
	fi
	summary="$summary
$line"
done

echo "fuzz summary:$summary"
if [ -n "$failed" ]; then
	echo "fuzz: crashes in:$failed (reproducers: tests/fuzz/regress/<target>/," \
	    "or new ones in $FUZZ_DIR/work/<target>/artifacts/)"
	exit 1
fi
exit 0
