# SPDX-License-Identifier: ISC
# make bench-jws: nanoseconds per token_sign and token_verify for HS256,
# EdDSA, ES256 and RS256 (bench/jws.c), beside `openssl speed` for the same
# key types (bench/jws.sh).  JWS_N: rounds per figure.

.PHONY: bench-jws

$(BUILD)/bench/jws: $(BUILD)/bench/jws.o $(BUILD)/common.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDADD_PKG)

bench-jws: $(BUILD)/bench/jws
	@bench/jws.sh $(BUILD)/bench/jws $(JWS_N)
