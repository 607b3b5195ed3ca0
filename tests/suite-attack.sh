#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/suite-attack.sh: tests/attack.sh (the hostile tokens and bodies)
# against lighttpd started from the real deploy/lighttpd.conf, as
# tests/suite-http.sh starts it: a free port on 127.0.0.1, its own temporary
# folder, a fresh 128-hex-digit TOKEN_SECRET (given to attack.sh as
# ATTACK_SECRET through the environment, never on a command line), and
# lighttpd and every backend it spawned stopped by PID at the end.  Ends
# with "attack: N passed, N failed" (attack.sh's checks plus this suite's).
T_NAME=attack
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
export LC_ALL=C
umask 0077

LIGHTTPD=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd)
CONF=$ROOT/deploy/lighttpd.conf
t_require curl jq openssl lighttpd

t_tmpdir
LPID=
BACKENDS=()
cleanup() {
	stop_lighttpd >/dev/null
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

SECRET=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')	# 128 hex digits
RUN_DIR=$T_TMP/run
LOG_DIR=$T_TMP/log
mkdir -p "$RUN_DIR" "$LOG_DIR"
ENV_FILE=$T_TMP/auth.env
printf 'TOKEN_SECRET=%s\n' "$SECRET" >"$ENV_FILE"
DATABASE_PATH=$T_TMP/auth.db
ERRLOG=$LOG_DIR/lighttpd-error.log
STDERR=$T_TMP/lighttpd.stderr


t0=$(now_ms)
if ! start_lighttpd; then
	t_fail "lighttpd starts from deploy/lighttpd.conf" "$(tail -n 5 "$STDERR" "$ERRLOG" 2>/dev/null)"
	t_done
	exit 1
fi
t_ok "lighttpd starts from deploy/lighttpd.conf on 127.0.0.1:$PORT"

# attack.sh, with the secret in its environment only.
ATTACK_SECRET=$SECRET ATTACK_INVALID_STATUS=403 ATTACK_HEADER_LIMIT_STATUS=431 \
    bash "$ROOT/tests/attack.sh" "$URL" >"$T_TMP/attack.out" 2>&1
rc=$?
summary=$(grep -E '^attack: [0-9]+ passed, [0-9]+ failed$' "$T_TMP/attack.out" | tail -n1)
grep -vE '^attack: [0-9]+ passed, [0-9]+ failed$' "$T_TMP/attack.out"
if [ -z "$summary" ]; then
	t_fail "tests/attack.sh ends with its summary" "exit $rc; last lines:" "$(tail -n 5 "$T_TMP/attack.out")"
else
	p=${summary#attack: }
	p=${p%% *}
	f=${summary%% failed}
	f=${f##* }
	T_PASS=$((T_PASS + p))
	T_FAIL=$((T_FAIL + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		t_fail "tests/attack.sh exits 0 when nothing failed" "exit $rc"
	fi
fi
grep -q 'not run:' "$T_TMP/attack.out" &&
    t_fail "every attack ran (ATTACK_SECRET was given)" "$(awk '/not run:/ { f = 1; next } f && /^#   / { print }' "$T_TMP/attack.out")"

alive=0
for p in "${BACKENDS[@]}"; do pid_alive "$p" && alive=$((alive + 1)); done
check_eq "the ${#BACKENDS[@]} backends spawned at start all survived the attacks" "${#BACKENDS[@]}" "$alive"
check_eq "no backend died (no \"child exited\" in the logs)" "" \
    "$(grep -i 'child exited' "$ERRLOG" "$STDERR" 2>/dev/null | head -n 3)"
check_eq "the secret is in no log" "" "$(grep -lF -e "$SECRET" "$LOG_DIR"/* "$STDERR" 2>/dev/null)"
if stop_lighttpd >/dev/null; then
	t_ok "SIGTERM stops lighttpd and all its backends"
else
	t_fail "SIGTERM stops lighttpd and all its backends" "SIGKILL was needed"
fi
echo "# run time: $(($(now_ms) - t0)) ms"
t_done
