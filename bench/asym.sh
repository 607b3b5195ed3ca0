# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# bench/asym.sh: the asymmetric part of `make bench`, sourced by
# bench/run.sh after its own cases (its functions, knobs and bench/lib.sh
# are this file's).  For each of BENCH_ALGS (EdDSA ES256):
#   1. the service behind lighttpd with TOKEN_ALG and a key set made by
#      authctl key generate, and the bench's users seeded through it (their
#      tokens signed with the key); a bare FastCGI ceiling beside it;
#   2. ROUNDS rounds in turn: the many-user GET (bench/load.lua, every
#      user's token round robin: the verified-token cache holds them all),
#      the ceiling under the same script, and the cold GET: BENCH_COLD
#      tokens made by build/bench/mint, more than a round sends, so no
#      token repeats within a round, and SIGHUP to the workers before each
#      cold round empties their caches (no warm-up: it would fill them);
#      every other round in the reverse order; medians;
#   3. an Express app verifying the same tokens with `jose` and only our
#      JWKS (bench/peer-jose) on the many-user GET.
# Then the workers' private memory with the cache full, a table and the
# targets: many-user GET >= 0.80 x the ceiling, faster than the jose peer.

ALGS=${BENCH_ALGS-EdDSA ES256}
COLD=${BENCH_COLD:-60000}
ASYM_MEM=()

# asym_keys DIR ALG: a signing key and its JWK Set in DIR.
asym_keys() {
	mkdir -p "$1"
	env - PATH="$PATH" TOKEN_ALG="$2" TOKEN_SIGNING_KEY_FILE="$1/signing.pem" \
	    TOKEN_VERIFY_KEYS_FILE="$1/jwks.json" "$ROOT/build/authctl" key generate >/dev/null ||
		{ echo "bench: authctl key generate failed for $2" >&2; exit 1; }
}

# start_jose_peer ALG DIR: node bench/peer-jose/server.js on a free port,
# with DIR's JWK Set and the bench's users; checks 200, 401 and 403 as the
# service's.  Sets PEER_PID and PEER_BASE (stop_peer stops it).
start_jose_peer() {
	local log=$TMP/peer-jose.log
	"$ROOT/tests/node/ensure-modules.sh" "$ROOT/tests/node" >&2 || exit 1
	(
		exec ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} env - PATH="$PATH" \
		    PORT=0 JWKS_FILE="$2/jwks.json" TOKEN_ALG="$1" USERS_FILE="$NAMES" \
		    ORDERS="$ORDERS" NODE_ENV=production node "$ROOT/bench/peer-jose/server.js"
	) >"$log" 2>&1 &
	# shellcheck disable=SC2034 # PEER_PID: peer_wait's and stop_peer's
	PEER_PID=$!
	peer_wait "$log" "the jose peer"
	expect_cases "$PEER_BASE" "$TOKEN" "the jose peer"
}

# BASE and LPID: set by start_ceiling (bench/lib.sh).
# shellcheck disable=SC2153
[[ -z $ALGS ]] || { start_ceiling; ACEIL_BASE=$BASE ACEIL_PID=$LPID; }
for alg in $ALGS; do
	kdir=$TMP/keys-$alg
	asym_keys "$kdir" "$alg"
	# The bench's ENV_FILE holds the signing key for login and refresh
	# too: one user runs them all here (README: privilege separation).
	start_lighttpd "$ROOT" "${BENCH_ENV[@]}" TOKEN_ALG="$alg" \
	    TOKEN_SIGNING_KEY_FILE="$kdir/signing.pem" \
	    TOKEN_VERIFY_KEYS_FILE="$kdir/jwks.json"
	APID=$LPID ABASE=$BASE
	bench_users
	env - PATH="$PATH" ENV_FILE="$LDIR/env" DATABASE_PATH="$LDIR/auth.db" \
	    "$ROOT/build/bench/mint" "$COLD" "$NAMES" >"$TMP/cold-$alg" ||
		{ echo "bench: mint failed" >&2; exit 1; }
	RM=() RC=() RK=()
	for r in $(seq "$ROUNDS"); do
		kill -HUP $(pgrep -P "$APID") 2>/dev/null || true
		if ((r % 2)); then
			WARMUP=0 round_case "${alg}_cold_r$r" get "$TMP/cold-$alg" "$ABASE/api/userOrders"
			round_case "${alg}_many_r$r" get "$TOKENS" "$ABASE/api/userOrders"
			round_case "${alg}_ceiling_r$r" get "$TOKENS" "$ACEIL_BASE/api/userOrders"
		else
			round_case "${alg}_ceiling_r$r" get "$TOKENS" "$ACEIL_BASE/api/userOrders"
			round_case "${alg}_many_r$r" get "$TOKENS" "$ABASE/api/userOrders"
			kill -HUP $(pgrep -P "$APID") 2>/dev/null || true
			WARMUP=0 round_case "${alg}_cold_r$r" get "$TMP/cold-$alg" "$ABASE/api/userOrders"
		fi
		# A cold round that sent more requests than there are tokens
		# repeated some: say so rather than report a warm rate as cold.
		awk -v r="${RPS[${alg}_cold_r$r]}" -v d="$(secs "$ROUND_DURATION")" -v n="$COLD" \
		    'BEGIN { exit !(r * d >= n) }' &&
			echo "# $alg cold round $r sent more requests than the $COLD tokens: raise BENCH_COLD"
		RM+=("${alg}_many_r$r") RC+=("${alg}_ceiling_r$r") RK+=("${alg}_cold_r$r")
	done
	median_case "${alg}_many" "${RM[@]}"
	median_case "${alg}_ceiling" "${RC[@]}"
	median_case "${alg}_cold" "${RK[@]}"
	for pid in $(pgrep -P "$APID"); do
		[[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *userorders* ]] || continue
		ASYM_MEM+=("$(awk -v p="$pid" -v a="$alg" '/^RssAnon/ { r = $2 }
		    END { printf "worker userorders %s pid=%-7s rss_anon_kb=%s (the cache full)", a, p, r }' \
		    "/proc/$pid/status")")
	done
	stop_lighttpd "$APID"
	if command -v node >/dev/null; then
		start_jose_peer "$alg" "$kdir"
		wrk_case "${alg}_jose" get "$TOKENS" "$PEER_BASE/api/userOrders"
		stop_peer
	fi
done
[[ -z $ALGS ]] || stop_lighttpd "$ACEIL_PID"

asym_report() {
	local alg
	[[ -n $ALGS ]] || return 0
	echo
	echo "Asymmetric tokens: the same many-user GET with TOKEN_ALG EdDSA and ES256 ($ROUNDS rounds of $ROUND_DURATION each, medians); cold: every token verified for the first time"
	echo
	echo "| case | requests/s | p50 ms | p99 ms | max ms | non-2xx or errors |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for alg in $ALGS; do
		row "$alg GET /api/userOrders, many users (200)" "${alg}_many"
		row "$alg GET /api/userOrders, cold (200)" "${alg}_cold"
		row "bare FastCGI ceiling, same script" "${alg}_ceiling"
		row "$alg Express + jose (bench/peer-jose)" "${alg}_jose"
	done
	echo
	for alg in $ALGS; do
		echo "ratio $alg many-user GET / ceiling: $(ratio "${RPS[${alg}_many]}" "${RPS[${alg}_ceiling]}") (target >= 0.80); cold / ceiling: $(ratio "${RPS[${alg}_cold]}" "${RPS[${alg}_ceiling]}"); many-user GET / jose peer: $(ratio "${RPS[${alg}_many]}" "${RPS[${alg}_jose]:-}") (target > 1)"
	done
	printf '%s\n' "${ASYM_MEM[@]}"
}
