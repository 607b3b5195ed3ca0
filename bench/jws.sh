#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/jws.sh BIN [N]: what `make bench-jws` prints: BIN (build/bench/jws)
# for each token algorithm, then `openssl speed` for the same key types,
# one second each, as the floor a verification here cannot beat.
set -eu
"$1" "${2:-2000}"
echo "# openssl speed, one second each (sign/s verify/s):"
openssl speed -seconds 1 ed25519 ecdsap256 rsa2048 2>/dev/null |
    grep -E '^ *(rsa|[0-9]+ bits)' | sed 's/^ */# /'
