#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# authctl(8), the operator's command (admin/authctl.c): every subcommand
# with its exact output, messages and exit codes (0 done, 1 failure, 2
# usage), and what it does seen through the service: a user it adds logs
# in through build/login, "user passwd" changes which password works,
# "user revoke" makes that user's refresh tokens answer 403, and "token
# check" judges tokens from build/login, expired ones, forged ones and
# alg-none ones with the service's own reasons.  Also --help on the three
# executables.
#
# authctl runs under env -i: only the variables a test names reach it.
# The executables run through lib.sh's cgi with CGI_ENV.  Everything lives
# in a fresh temporary folder, which is also the working directory.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh disable=SC1091
. "$HERE/lib.sh"
# shellcheck source=cgi/jwt.sh disable=SC1091
. "$HERE/cgi/jwt.sh"
# shellcheck disable=SC2034	# read by t_done (lib.sh)
T_NAME="admin"

AUTHCTL=$BUILD/authctl
t_require jq openssl base64 script "$AUTHCTL"

t_tmpdir
WORK=$T_TMP/cwd
mkdir -p "$WORK"
cd "$WORK" || exit 1
# Nothing from the caller's shell reaches the executables run through cgi.
unset TOKEN_SECRET ACCESS_TOKEN_SECRET TOKEN_SECRET_FILE ENV_FILE \
    DATABASE_PATH ACCESS_TOKEN_TTL REFRESH_TOKEN_TTL TOKEN_ISSUER \
    TOKEN_AUDIENCE TOKEN_LEEWAY AUTH_INVALID_STATUS AUTH_COOKIES

SECRET="admin-suite-$(openssl rand -hex 20)"	# 52 bytes, used as bytes
DB=$T_TMP/auth.db
CFG=(TOKEN_SECRET="$SECRET" DATABASE_PATH="$DB")
CGI_ENV=("${CFG[@]}")
PW='correct horse battery'
USAGE_RE='usage: authctl gen-secret'

# ctl [NAME=value]... ARG... — run authctl under env -i with CFG, then the
# NAME=value settings (the later wins), with $IN on stdin (no stdin when
# IN is unset).  Sets RC, OUT and ERR (stdout and stderr, final newlines
# dropped).
ctl() {
	local -a env=("${CFG[@]}")
	local kv
	for kv in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -n "${!kv:-}" ] && env+=("$kv=${!kv}")
	done
	while [ $# -gt 0 ] && [[ $1 == [A-Z_]*=* ]]; do
		env+=("$1")
		shift
	done
	if [ -n "${IN+x}" ]; then
		printf '%s' "$IN" >"$T_TMP/in"
	else
		: >"$T_TMP/in"
	fi
	env -i "${env[@]}" "$AUTHCTL" "$@" <"$T_TMP/in" >"$T_TMP/out" \
	    2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}

# check_cmd NAME COMMAND... — ok when COMMAND succeeds.
check_cmd() {
	local name=$1
	shift
	if "$@"; then t_ok "$name"; else t_fail "$name" "failed: $*"; fi
}
not() { ! "$@"; }

# ctl0 — ctl without CFG: only the NAME=value settings given.
ctl0() {
	local -a CFG=()
	ctl "$@"
}

# check_run NAME RC STDOUT STDERR — the last ctl's exit code and output.
check_run() {
	check_eq "$1" "rc=$2 out=[$3] err=[$4]" "rc=$RC out=[$OUT] err=[$ERR]"
}

# login USER PASSWORD — POST /api/login through build/login.
login() {
	cgi login POST /api/login "$(jq -cn --arg u "$1" --arg p "$2" \
	    '{username: $u, password: $p}')"
}

# rfc3339 SECONDS — the UTC time authctl prints.
rfc3339() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# ---------------------------------------------------------------------------
# Usage

for h in --help -h help; do
	ctl "$h"
	check_match "authctl $h: exit 0, usage on stdout" "^0 $USAGE_RE" \
	    "$RC $OUT"
done
check_eq "authctl --help: nothing on stderr" "" "$ERR"
check_match "authctl --help names every command" \
    'user add name.*user passwd name.*user list.*user revoke name.*user disable name.*user enable name.*user delete \[--with-orders\] name.*token check token \| -.*token issue name' \
    "$(printf '%s' "$OUT" | tr '\n' ' ')"
ctl
check_eq "no command: exit 2" 2 "$RC"
check_eq "no command: says so, then the usage" \
    "authctl: wants a command|usage: authctl gen-secret [--force] [--env-file path]" \
    "$(printf '%s\n' "$ERR" | head -n2 | paste -sd'|')"
ctl frob
check_eq "unknown command: exit 2, named" "2 authctl: unknown command: frob" \
    "$RC $(head -n1 <<<"$ERR")"
ctl user frob
check_eq "unknown user subcommand: exit 2, named" \
    "2 authctl: unknown subcommand: frob" "$RC $(head -n1 <<<"$ERR")"
ctl token frob
check_eq "unknown token subcommand: exit 2, named" \
    "2 authctl: unknown subcommand: frob" "$RC $(head -n1 <<<"$ERR")"
ctl user
check_eq "user without a subcommand: exit 2" \
    "2 authctl: user: wants a subcommand" "$RC $(head -n1 <<<"$ERR")"
ctl user add
check_eq "user add without a name: exit 2" \
    "2 authctl: user add: wants a name" "$RC $(head -n1 <<<"$ERR")"
ctl token check
check_eq "token check without a token: exit 2" \
    "2 authctl: token check: wants a token" "$RC $(head -n1 <<<"$ERR")"
ctl user list extra
check_eq "user list with an argument: exit 2" \
    "2 authctl: too many arguments: extra" "$RC $(head -n1 <<<"$ERR")"
IN="$PW" ctl user add alice "$PW"
check_eq "a password on the command line is refused: exit 2" \
    "2 authctl: too many arguments: $PW" "$RC $(head -n1 <<<"$ERR")"
ctl user add --bogus alice
check_eq "unknown option: exit 2" "2 authctl: unknown option: --bogus" \
    "$RC $(head -n1 <<<"$ERR")"
ctl user add alice --help
check_match "user add NAME --help: usage, exit 0" "^0 $USAGE_RE" "$RC $OUT"
ctl gen-secret --bogus
check_eq "gen-secret with an unknown argument: exit 2" \
    "2 authctl: gen-secret: unknown argument: --bogus" \
    "$RC $(head -n1 <<<"$ERR")"
ctl gen-secret --env-file
check_eq "gen-secret --env-file without a path: exit 2" \
    "2 authctl: gen-secret: --env-file wants a path" \
    "$RC $(head -n1 <<<"$ERR")"
check_cmd "usage errors touch no database" test ! -e "$DB"

# The executables' --help and --version; authctl's --version.
VERSION=$(cat "$ROOT/VERSION")
for exe in login userorders refresh; do
	out=$(env -i "$BUILD/$exe" --help 2>&1); rc=$?
	check_match "$exe --help: exit 0 with a usage line" \
	    "^0 usage: $exe \[--help \| --version\]" "$rc $out"
	out=$(env -i "$BUILD/$exe" --version 2>&1); rc=$?
	check_eq "$exe --version: exit 0, its name and VERSION" \
	    "0 $exe (jwt-auth) $VERSION" "$rc $out"
done
ctl0 --version
check_run "authctl --version: exit 0, needing no configuration" 0 \
    "authctl (jwt-auth) $VERSION" ""

# admin/ keeps the rules suite-static.sh checks in common/ and cgi-bin/.
hits=$(grep -EHn '#[[:space:]]*include[[:space:]]*[<"]fcgi' "$ROOT"/admin/*.[ch])
check_eq "admin/ includes no libfcgi header" "" "$hits"
hits=$(grep -EHn '(^|[^n_])(sprintf|strcat|strncpy|strtok|atoi)[[:space:]]*\(|\bmemcmp[[:space:]]*\(' \
    "$ROOT"/admin/*.[ch] | grep -Ev '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')
check_eq "admin/ uses no sprintf/strcat/strncpy/strtok/atoi/memcmp" "" "$hits"

# ---------------------------------------------------------------------------
# Configuration errors: one line naming the variable, exit 1

ctl0 DATABASE_PATH="$DB" user list
check_run "no secret: exit 1, the service's own message" 1 "" \
    "authctl: TOKEN_SECRET: not set (environment or .env); make one with: authctl gen-secret"
ctl TOKEN_SECRET=0123456789abcdef0123456789abcde user list
check_run "a 31-byte secret: exit 1" 1 "" \
    "authctl: TOKEN_SECRET: shorter than 32 bytes"
ctl ACCESS_TOKEN_TTL=soon user list
check_run "a bad ACCESS_TOKEN_TTL: exit 1" 1 "" \
    "authctl: ACCESS_TOKEN_TTL: not a duration (900, 1800s, 30m, 1h or 7d) from 1s to 315360000s"
ctl ENV_FILE="$T_TMP/nothing-here" user list
check_run "ENV_FILE naming a missing file: exit 1" 1 "" \
    "authctl: ENV_FILE: cannot read $T_TMP/nothing-here: No such file or directory"
ctl DATABASE_PATH="$T_TMP/no/such/dir/auth.db" user list
check_match "a database in a missing folder: exit 1, DATABASE_PATH named" \
    "^1 authctl: DATABASE_PATH: cannot open $T_TMP/no/such/dir/auth.db" \
    "$RC $ERR"
# The dotenv file, as the executables read it: environment first.
printf 'TOKEN_SECRET=%s\nDATABASE_PATH=%s\n' "$SECRET" "$T_TMP/from-env-file.db" \
    >"$T_TMP/cfg.env"
ctl0 ENV_FILE="$T_TMP/cfg.env" user list
check_run "configuration from ENV_FILE alone: exit 0, empty list" 0 "" ""
check_cmd "the database named in ENV_FILE was created" \
    test -f "$T_TMP/from-env-file.db"
ctl0 ENV_FILE="$T_TMP/cfg.env" DATABASE_PATH="$T_TMP/env-wins.db" user list
check_cmd "the environment wins over ENV_FILE (DATABASE_PATH)" \
    test -f "$T_TMP/env-wins.db"
printf 'TOKEN_SECRET=%s\nDATABASE_PATH=%s\n' "$SECRET" "$T_TMP/dot-env.db" >.env
ctl0 user list
check_cmd "without ENV_FILE, .env in the working directory is read" \
    test -f "$T_TMP/dot-env.db"
rm -f .env
printf '%s\n' "$SECRET" >"$T_TMP/secret.txt"
ctl0 DATABASE_PATH="$DB" TOKEN_SECRET_FILE="$T_TMP/secret.txt" user list
check_run "TOKEN_SECRET_FILE is honoured (the systemd credential way)" 0 "" ""

# ---------------------------------------------------------------------------
# user add, and the user logs in through build/login

ctl user list
check_run "user list on an empty database: nothing, exit 0" 0 "" ""
before=$EPOCHSECONDS
IN="$PW"$'\n' ctl user add alice
check_run "user add alice (password on stdin): exit 0" 0 "added user alice" ""
ctl user list
created=$(cut -f2 <<<"$OUT")
check_match "user list: the name, a tab, created_at in RFC 3339 UTC" \
    $'^alice\t[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "$OUT"
t=$(date -u -d "$created" +%s 2>/dev/null || echo 0)
if [ "$t" -ge "$before" ] && [ "$t" -le "$((EPOCHSECONDS + 1))" ]; then
	t_ok "user list: created_at is the time of user add"
else
	t_fail "user list: created_at is the time of user add" "got $created"
fi
login alice "$PW"
check_eq "the user authctl added logs in through build/login: 200" 200 "$STATUS"
ALICE_AT=$(json .access_token)
login alice "wrong password"
check_eq "control: a wrong password for that user: 401 invalid_credentials" \
    "401 invalid_credentials" "$STATUS $(json .error)"
cgi login POST /api/createNewUser "{\"username\":\"alice\",\"password\":\"$PW\"}"
check_eq "sign-up of the same name through the service: 409 user_exists" \
    "409 user_exists" "$STATUS $(json .error)"

IN="$PW" ctl user add alice
check_run "user add of an existing user: exit 1" 1 "" "authctl: user exists: alice"
IN="$PW" ctl user add 'bad/name'
check_run "user add of an invalid name: exit 1, the rule" 1 "" \
    "authctl: invalid user name: 1 to 64 bytes of A-Z a-z 0-9 . _ @ -"
long=$(printf 'a%.0s' {1..65})
IN="$PW" ctl user add "$long"
check_eq "user add of a 65-byte name: exit 1" 1 "$RC"
IN="$PW" ctl user add "${long%a}"
check_run "user add of a 64-byte name: exit 0" 0 "added user ${long%a}" ""
IN="seven77" ctl user add bob
check_run "a 7-byte password: exit 1" 1 "" \
    "authctl: password: shorter than 8 bytes"
IN="eight888" ctl user add bob8
check_run "an 8-byte password: exit 0" 0 "added user bob8" ""
IN=$(printf 'p%.0s' {1..1025}) ctl user add bob
check_run "a 1025-byte password: exit 1" 1 "" \
    "authctl: password: longer than 1024 bytes"
pw1024=$(printf 'p%.0s' {1..1024})
IN="$pw1024" ctl user add bob1024
check_run "a 1024-byte password: exit 0" 0 "added user bob1024" ""
login bob1024 "$pw1024"
check_eq "the 1024-byte password logs in" 200 "$STATUS"
unset IN
ctl user add bob
check_run "user add with nothing on stdin: exit 1" 1 "" \
    "authctl: no password on standard input"
IN=$'\xff\xfe-not-utf8' ctl user add bob
check_run "a password that is not UTF-8 (JSON could not carry it): exit 1" 1 \
    "" "authctl: password: not valid UTF-8 text"
IN=$'crlf password\r\nsecond line ignored\n' ctl user add crlf
check_run "user add: only the first line, without its CR LF" 0 "added user crlf" ""
login crlf "crlf password"
check_eq "that user logs in with the line without its CR" 200 "$STATUS"
IN="$PW" ctl user add -- --help
check_run "-- ends the options: a user called --help" 0 "added user --help" ""
ctl user list
check_eq "user list: every user, by name (bytewise)" \
    "--help ${long%a} alice bob1024 bob8 crlf" \
    "$(cut -f1 <<<"$OUT" | paste -sd' ')"
if grep -qF -- "$PW" "$T_TMP/out" "$T_TMP/err" || grep -q -- "$SECRET" "$T_TMP/out" "$T_TMP/err"; then
	t_fail "user commands print no password and no secret"
else
	t_ok "user commands print no password and no secret"
fi

# On a terminal: asked twice, without echo.
tty_add() {
	(sleep 1; printf '%s\n' "$2"; sleep 1; printf '%s\n' "$3"; sleep 1) |
	    env -i "${CFG[@]}" script -qec "$AUTHCTL user add $1" /dev/null \
	    2>&1 | tr -d '\r'
}
out=$(tty_add dave 'tty password 1' 'tty password 1')
check_match "on a terminal: both prompts, then added" \
    'New password for dave: .*Repeat the password: .*added user dave' \
    "$(tr '\n' ' ' <<<"$out")"
if grep -q 'tty password' <<<"$out"; then
	t_fail "on a terminal: the password is not echoed" "$out"
else
	t_ok "on a terminal: the password is not echoed"
fi
login dave 'tty password 1'
check_eq "the user added on a terminal logs in" 200 "$STATUS"
out=$(tty_add erin 'tty password 1' 'tty password 2')
check_match "on a terminal: two different passwords are refused" \
    'authctl: the passwords differ' "$out"
ctl user list
check_cmd "no user after a mismatch" not grep -q '^erin' "$T_TMP/out"

# ---------------------------------------------------------------------------
# user passwd

NEWPW='new correct horse'
IN="$NEWPW" ctl user passwd alice
check_run "user passwd alice: exit 0" 0 "changed the password of user alice" ""
login alice "$PW"
check_eq "after user passwd the old password fails: 401" 401 "$STATUS"
login alice "$NEWPW"
check_eq "after user passwd the new password logs in: 200" 200 "$STATUS"
IN="$NEWPW" ctl user passwd nobody
check_run "user passwd of an unknown user: exit 1" 1 "" \
    "authctl: no such user: nobody"
IN="short" ctl user passwd alice
check_run "user passwd with a short password: exit 1" 1 "" \
    "authctl: password: shorter than 8 bytes"
login alice "$NEWPW"
check_eq "a refused passwd leaves the password as it was" 200 "$STATUS"

# ---------------------------------------------------------------------------
# user revoke: the refresh tokens of that user answer 403

IN="$PW" ctl user add carol
ctl user revoke carol
check_run "a user just added has no session to revoke" 0 \
    "revoked 0 sessions of user carol" ""
login carol "$PW"; R1=$(json .refresh_token)
login carol "$PW"; R2=$(json .refresh_token)
login alice "$NEWPW"; RA=$(json .refresh_token)
cgi refresh POST /api/token "{\"refresh_token\":\"$R1\"}"
check_eq "control: carol's refresh token works before the revoke: 200" 200 "$STATUS"
R1b=$(json .refresh_token)
ctl user revoke carol
check_run "user revoke carol: both sessions (two logins, one rotated)" 0 \
    "revoked 2 sessions of user carol" ""
cgi refresh POST /api/token "{\"refresh_token\":\"$R2\"}"
check_eq "after user revoke, carol's refresh token: 403 invalid_token" \
    "403 invalid_token" "$STATUS $(json .error)"
cgi refresh POST /api/token "{\"refresh_token\":\"$R1b\"}"
check_eq "after user revoke, carol's rotated refresh token: 403" 403 "$STATUS"
cgi refresh POST /api/token "{\"refresh_token\":\"$RA\"}"
check_eq "control: another user's refresh token still works: 200" 200 "$STATUS"
ctl user revoke carol
check_run "revoking again: 0 sessions" 0 "revoked 0 sessions of user carol" ""
login carol "$PW"
ctl user revoke carol
check_run "one session: singular" 0 "revoked 1 session of user carol" ""
ctl user revoke nobody
check_run "user revoke of an unknown user: exit 1" 1 "" \
    "authctl: no such user: nobody"
ctl user revoke 'bad name'
check_run "user revoke of an invalid name: exit 1" 1 "" \
    "authctl: invalid user name: 1 to 64 bytes of A-Z a-z 0-9 . _ @ -"

# ---------------------------------------------------------------------------
# user disable / enable: no login, no refresh, sessions end; enable undoes

IN="$PW" ctl user add dora
login dora "$PW"; RD=$(json .refresh_token); AD=$(json .access_token)
ctl user disable dora
check_run "user disable dora: her one session ends" 0 \
    "disabled user dora and revoked 1 session" ""
login dora "$PW"
check_eq "a disabled user's right password: 401 invalid_credentials (as an unknown user)" \
    "401 invalid_credentials" "$STATUS $(json .error)"
cgi refresh POST /api/token "{\"refresh_token\":\"$RD\"}"
check_eq "a disabled user's refresh token: 403 invalid_token" \
    "403 invalid_token" "$STATUS $(json .error)"
CGI_ENV=("${CFG[@]}" HTTP_AUTHORIZATION="Bearer $AD")
cgi userorders GET /api/userOrders
CGI_ENV=("${CFG[@]}")
check_eq "her access token lives until it expires (ACCESS_TOKEN_TTL): 200" 200 "$STATUS"
ctl user list
check_match "user list marks her disabled" $'(^|\n)dora\t[0-9TZ:-]+\tdisabled($|\n)' "$OUT"
check_match "… and no one else" $'(^|\n)alice\t[0-9TZ:-]+($|\n)' "$OUT"
ctl user disable dora
check_run "disabling again: nothing more to revoke" 0 \
    "disabled user dora and revoked 0 sessions" ""
ctl user enable dora
check_run "user enable dora" 0 "enabled user dora" ""
login dora "$PW"
check_eq "enabled again, she logs in: 200" 200 "$STATUS"
cgi refresh POST /api/token "{\"refresh_token\":\"$RD\"}"
check_eq "… but the session that ended stays ended: 403" 403 "$STATUS"
ctl user disable nobody
check_run "user disable of an unknown user: exit 1" 1 "" "authctl: no such user: nobody"
ctl user enable nobody
check_run "user enable of an unknown user: exit 1" 1 "" "authctl: no such user: nobody"

# ---------------------------------------------------------------------------
# user delete: the user and their sessions; orders with --with-orders

IN="$PW" ctl user add eve
login eve "$PW"; RE=$(json .refresh_token); AE=$(json .access_token)
CGI_ENV=("${CFG[@]}" HTTP_AUTHORIZATION="Bearer $AE")
cgi userorders POST /api/userOrders '{"item":"kept","quantity":1}'
CGI_ENV=("${CFG[@]}")
check_eq "set-up: eve adds an order" 201 "$STATUS"
ctl user delete eve
check_run "user delete eve (not a terminal: no question)" 0 \
    "deleted user eve and 1 session; their orders are kept" ""
login eve "$PW"
check_eq "a deleted user cannot log in: 401" 401 "$STATUS"
cgi refresh POST /api/token "{\"refresh_token\":\"$RE\"}"
check_eq "… nor refresh: 403" 403 "$STATUS"
check_eq "… her order is kept" 1 "$(sqlite3 "$DB" "SELECT count(*) FROM orders WHERE username = 'eve'")"
cgi login POST /api/createNewUser "{\"username\":\"eve\",\"password\":\"$PW\"}"
check_eq "nobody can sign up as eve while her orders are kept: 409 user_exists" \
    "409 user_exists" "$STATUS $(json .error)"
ctl user delete eve
check_run "deleting her again without --with-orders: no such user" 1 "" "authctl: no such user: eve"
ctl user delete --with-orders eve
check_run "… with --with-orders: the orders left under her name go" 0 \
    "deleted user eve, 0 sessions and 1 order" ""
ctl user delete --with-orders nobody2
check_run "… but a name never used is no such user" 1 "" "authctl: no such user: nobody2"

IN="$PW" ctl user add fay
login fay "$PW"; AF=$(json .access_token)
CGI_ENV=("${CFG[@]}" HTTP_AUTHORIZATION="Bearer $AF")
cgi userorders POST /api/userOrders '{"item":"gone","quantity":1}'
cgi userorders POST /api/userOrders '{"item":"gone","quantity":2}'
CGI_ENV=("${CFG[@]}")
ctl user delete --with-orders fay
check_run "user delete --with-orders fay" 0 \
    "deleted user fay, 1 session and 2 orders" ""
check_eq "… her orders are gone" 0 "$(sqlite3 "$DB" "SELECT count(*) FROM orders WHERE username = 'fay'")"
cgi login POST /api/createNewUser "{\"username\":\"fay\",\"password\":\"$PW\"}"
check_eq "the name stays taken while her access tokens live (ACCESS_TOKEN_TTL): 409" 409 "$STATUS"
ctl ACCESS_TOKEN_TTL=1 user delete --with-orders nobody
check_run "user delete of an unknown user: exit 1" 1 "" "authctl: no such user: nobody"
# How long a deleted name stays taken is the service's to say (its
# ACCESS_TOKEN_TTL and TOKEN_LEEWAY at sign-up), not authctl's.
IN="$PW" ctl user add gus
ctl user delete --with-orders gus
check_eq "set-up: gus deleted" 0 "$RC"
CGI_ENV=("${CFG[@]}" ACCESS_TOKEN_TTL=1 TOKEN_LEEWAY=600 SIGNUP_MAX_PER_ADDRESS=0)
cgi login POST /api/createNewUser "{\"username\":\"gus\",\"password\":\"$PW\"}"
check_eq "a 1 s token lifetime but a 600 s leeway: his tokens may still be accepted, the name is taken (409)" 409 "$STATUS"
CGI_ENV=("${CFG[@]}" ACCESS_TOKEN_TTL=1 SIGNUP_MAX_PER_ADDRESS=0)
deadline=$((SECONDS + 30))
while cgi login POST /api/createNewUser "{\"username\":\"gus\",\"password\":\"$PW\"}"
    [ "$STATUS" = 409 ] && [ $SECONDS -lt $deadline ]; do
	sleep 0.2
done
check_eq "once his tokens have expired (1 s, no leeway) and no order is kept, the name is free: 201" 201 "$STATUS"
CGI_ENV=("${CFG[@]}")
ctl user delete --with-order fay
check_eq "a misspelt option: exit 2" 2 "$RC"
ctl user revoke --with-orders alice
check_eq "--with-orders on another command: exit 2" 2 "$RC"

# On a terminal it asks, and only "y" or "yes" deletes.
IN="$PW" ctl user add hal
for answer in n '' yes; do
	printf '%s\n' "$answer" >"$T_TMP/answer"
	script -qec "env -i ${CFG[*]} $AUTHCTL user delete hal" /dev/null \
	    <"$T_TMP/answer" >"$T_TMP/tty" 2>&1
	case $answer in
	yes) check_match "on a terminal, answering yes deletes" 'Delete user hal\? \[y/N\].*deleted user hal' "$(tr -d '\r' <"$T_TMP/tty" | tr '\n' ' ')" ;;
	*) check_match "on a terminal, answering '$answer' deletes nothing" 'Delete user hal\? \[y/N\].*nothing deleted' "$(tr -d '\r' <"$T_TMP/tty" | tr '\n' ' ')" ;;
	esac
done

# ---------------------------------------------------------------------------
# token check

exp_of() { jwt_part "$1" 1 | jq -r .exp; }

ctl token check "$ALICE_AT"
check_run "token check of a token from build/login: valid, its user and exp" \
    0 "valid: user alice, expires $(rfc3339 "$(exp_of "$ALICE_AT")")" ""
IN="$ALICE_AT"$'\n' ctl token check -
check_run "token check - reads the token from stdin" \
    0 "valid: user alice, expires $(rfc3339 "$(exp_of "$ALICE_AT")")" ""
IN="  $ALICE_AT  "$'\r\n' ctl token check -
check_eq "token check -: white space around the token is ignored" 0 "$RC"
unset IN
ctl token check -
check_run "token check - with nothing on stdin: malformed" 1 \
    "invalid: The token is malformed" ""
IN=$(printf 'a%.0s' {1..9000}) ctl token check -
check_run "token check - of 9000 bytes: too long" 1 \
    "invalid: The token is too long" ""
ctl token check "$(printf 'a%.0s' {1..4097})"
check_run "token check of 4097 bytes: too long" 1 \
    "invalid: The token is too long" ""
if grep -q -- "$SECRET" "$T_TMP/out" "$T_TMP/err"; then
	t_fail "token check never prints the secret"
else
	t_ok "token check never prints the secret"
fi

NOW=$EPOCHSECONDS
claims() { printf '{"sub":"%s","username":"%s","iat":%d,"exp":%d}' "$1" "$1" "$2" "$3"; }
HS256='{"alg":"HS256","typ":"JWT"}'

tok=$(jwt_sign "$HS256" "$(claims alice $((NOW - 100)) $((NOW - 10)))" "$SECRET")
ctl token check "$tok"
check_run "an expired token (exp 10 s ago, right signature): expired" 1 \
    "invalid: The token expired" ""
tok=$(jwt_sign "$HS256" "$(claims alice "$NOW" $((NOW + 600)))" "$SECRET")
ctl token check "$tok"
check_run "control: the same token with exp ahead: valid" 0 \
    "valid: user alice, expires $(rfc3339 $((NOW + 600)))" ""
ctl TOKEN_LEEWAY=60 token check "$(jwt_sign "$HS256" \
    "$(claims alice $((NOW - 100)) $((NOW - 10)))" "$SECRET")"
check_eq "TOKEN_LEEWAY=60 is honoured: 10 s past exp is still valid" 0 "$RC"

ctl ACCESS_TOKEN_TTL=1 token issue alice
short=$OUT
sleep 2
ctl token check "$short"
check_run "a token authctl issued with ACCESS_TOKEN_TTL=1, 2 s later: expired" \
    1 "invalid: The token expired" ""

tok=$(jwt_sign "$HS256" "$(claims alice "$NOW" $((NOW + 600)))" "another-secret-0123456789abcdef0123456789")
ctl token check "$tok"
check_run "a token signed with another secret: bad signature" 1 \
    "invalid: The token signature is invalid" ""
h=${ALICE_AT%%.*} s=${ALICE_AT##*.}
p=$(printf '%s' "$(jwt_part "$ALICE_AT" 1 | sed 's/"alice"/"admin"/g')" | b64url)
ctl token check "$h.$p.$s"
check_run "a token from build/login with its payload changed: bad signature" 1 \
    "invalid: The token signature is invalid" ""
ctl token check "${ALICE_AT%?}$( [ "${ALICE_AT: -1}" = A ] && echo B || echo A)"
check_run "a token from build/login with its last character changed: bad signature" \
    1 "invalid: The token signature is invalid" ""

none=$(printf '{"alg":"none","typ":"JWT"}' | b64url).$(claims alice "$NOW" $((NOW + 600)) | b64url)
ctl token check "$none."
check_run "alg none, unsigned (empty signature segment): malformed" 1 \
    "invalid: The token is malformed" ""
ctl token check "$none.$(printf x | b64url)"
check_run "alg none with a signature segment: algorithm not accepted" 1 \
    "invalid: The token algorithm is not accepted" ""
tok=$(jwt_sign '{"alg":"HS512","typ":"JWT"}' "$(claims alice "$NOW" $((NOW + 600)))" "$SECRET" sha512)
ctl token check "$tok"
check_run "HS512 with the right secret: algorithm not accepted" 1 \
    "invalid: The token algorithm is not accepted" ""
tok=$(jwt_sign "$HS256" "{\"sub\":\"alice\",\"iat\":$NOW}" "$SECRET")
ctl token check "$tok"
check_run "no exp: no valid expiry" 1 "invalid: The token has no valid expiry" ""
ctl TOKEN_ISSUER=auth.example token check "$ALICE_AT"
check_run "TOKEN_ISSUER set, token without iss: issuer not accepted" 1 \
    "invalid: The token issuer is not accepted" ""
ctl token check "not-a-token"
check_run "not a JWT: malformed" 1 "invalid: The token is malformed" ""
ctl token check ""
check_run "an empty token: malformed" 1 "invalid: The token is malformed" ""
ctl0 DATABASE_PATH="$DB" token check "$ALICE_AT"
check_run "token check without a secret: a configuration error, exit 1" 1 "" \
    "authctl: TOKEN_SECRET: not set (environment or .env); make one with: authctl gen-secret"

# ---------------------------------------------------------------------------
# token issue

ctl token issue alice
check_match "token issue alice: a JWT on stdout, exit 0" \
    '^0 [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$RC $OUT"
ISSUED=$OUT
if jwt_verify "$ISSUED" "$SECRET"; then
	t_ok "the issued token is HS256-signed with the configured secret"
else
	t_fail "the issued token is HS256-signed with the configured secret"
fi
check_eq "the issued token names alice in sub and username, lives ACCESS_TOKEN_TTL" \
    "alice alice 1800" \
    "$(jwt_part "$ISSUED" 1 | jq -r '"\(.sub) \(.username) \(.exp - .iat)"')"
ctl token check "$ISSUED"
check_match "token check says the issued token is valid" \
    '^0 valid: user alice, expires ' "$RC $OUT"
CGI_ENV=("${CFG[@]}" HTTP_AUTHORIZATION="Bearer $ISSUED")
cgi userorders GET /api/userOrders
check_eq "the issued token opens GET /api/userOrders: 200, alice's" \
    "200 alice" "$STATUS $(json .username)"
CGI_ENV=("${CFG[@]}")
ctl token issue nobody
check_run "token issue for an unknown user: exit 1" 1 "" \
    "authctl: no such user: nobody"
ctl token issue 'bad name'
check_eq "token issue for an invalid name: exit 1" 1 "$RC"

# ---------------------------------------------------------------------------
# gen-secret

HEX_RE='^TOKEN_SECRET=[0-9a-f]{128}$'
ctl0 gen-secret
check_run "gen-secret without configuration writes ./.env: exit 0" 0 \
    "wrote TOKEN_SECRET in .env" ""
check_match "the file holds TOKEN_SECRET: 128 hex characters (64 bytes)" \
    "$HEX_RE" "$(cat .env)"
check_eq "the file has mode 0600" 600 "$(stat -c %a .env)"
first=$(cat .env)
if grep -q -- "${first#TOKEN_SECRET=}" "$T_TMP/out" "$T_TMP/err"; then
	t_fail "gen-secret does not print the secret"
else
	t_ok "gen-secret does not print the secret"
fi
ctl0 gen-secret
check_run "gen-secret again without --force: refused, exit 1" 1 "" \
    "authctl: .env already sets TOKEN_SECRET; --force replaces it, and every token signed with it stops verifying"
check_eq "the refused run left the file as it was" "$first" "$(cat .env)"
ctl0 gen-secret --force
check_run "gen-secret --force: replaced, and says what follows" 0 \
    "replaced TOKEN_SECRET in .env"$'\n'"restart the service: tokens signed with the old secret no longer verify" \
    ""
second=$(cat .env)
check_match "the new secret is 128 hex characters" "$HEX_RE" "$second"
check_cmd "--force wrote a different secret" test "$first" != "$second"

# The secret works for the service: login starts and signs with it.
# shellcheck disable=SC2034	# read by cgi (lib.sh)
CGI_ENV=(DATABASE_PATH="$DB" ENV_FILE="$WORK/.env")
login alice "$NEWPW"
tok=$(json .access_token)
check_eq "build/login runs with the generated secret: 200" 200 "$STATUS"
if jwt_verify "$tok" "${second#TOKEN_SECRET=}"; then
	t_ok "its token is signed with the generated secret (used as its hex text)"
else
	t_fail "its token is signed with the generated secret (used as its hex text)"
fi
ctl0 DATABASE_PATH="$DB" ENV_FILE="$WORK/.env" token check "$tok"
check_match "authctl token check reads the same file: valid" '^0 valid: user alice' "$RC $OUT"
ctl token check "$tok"
check_run "checked against the old secret: bad signature" 1 \
    "invalid: The token signature is invalid" ""

# An existing file: other lines kept byte for byte, mode forced to 0600.
ENVF=$T_TMP/app.env
printf '# settings\r\nPORT=8080\nexport TOKEN_SECRET="old-secret-0123456789abcdef0123456789"  # x\nMULTI="a\nTOKEN_SECRET=inside-a-value\n"\nACCESS_TOKEN_SECRET=old-secret-0123456789abcdef0123456789\nLAST=no-newline' >"$ENVF"
chmod 0644 "$ENVF"
cp "$ENVF" "$ENVF.orig"
ctl0 gen-secret --env-file "$ENVF"
check_eq "--env-file PATH with a secret, no --force: exit 1" 1 "$RC"
ctl0 gen-secret --force --env-file "$ENVF"
check_eq "--env-file PATH --force: exit 0" 0 "$RC"
new=$(sed -n 's/^export TOKEN_SECRET=\([0-9a-f]*\)$/\1/p' "$ENVF")
check_match "the export line keeps its export and gets the new value" '^[0-9a-f]{128}$' "$new"
check_eq "every other line kept byte for byte (CR LF, quotes spanning lines, no final newline)" \
    "$(sed '3d;7d' "$ENVF.orig" | od -c)" "$(sed '3d;7d' "$ENVF" | od -c)"
check_eq "the alias ACCESS_TOKEN_SECRET gets the same value" \
    "ACCESS_TOKEN_SECRET=$new" "$(sed -n 7p "$ENVF")"
check_cmd "no trace of the old secret is left" not grep -q old-secret "$ENVF"
check_eq "an existing 0644 file becomes 0600" 600 "$(stat -c %a "$ENVF")"
left=("$T_TMP"/.authctl.*)
check_cmd "no temporary file is left" test ! -e "${left[0]}"

printf 'TOKEN_SECRET=\nX=1\n' >"$T_TMP/empty.env"
ctl0 gen-secret --env-file="$T_TMP/empty.env"
check_run "an empty TOKEN_SECRET is filled in without --force" 0 \
    "wrote TOKEN_SECRET in $T_TMP/empty.env" ""
check_match "... on its own line, the rest kept" \
    '^TOKEN_SECRET=[0-9a-f]{128} X=1$' "$(paste -sd' ' "$T_TMP/empty.env")"
printf 'ACCESS_TOKEN_SECRET=old-secret-0123456789abcdef0123456789\n' >"$T_TMP/alias.env"
ctl0 gen-secret --env-file "$T_TMP/alias.env"
check_eq "a secret under the alias ACCESS_TOKEN_SECRET also needs --force" 1 "$RC"
ctl0 ENV_FILE="$T_TMP/via-env-file.env" gen-secret
check_run "gen-secret writes ENV_FILE when no --env-file is given" 0 \
    "wrote TOKEN_SECRET in $T_TMP/via-env-file.env" ""
ln -s app.env "$T_TMP/link.env"
ctl0 gen-secret --force --env-file "$T_TMP/link.env"
if [ -L "$T_TMP/link.env" ] && [ "$RC" = 0 ] &&
    ! grep -q "$new" "$ENVF"; then
	t_ok "a symbolic link is written through, not replaced"
else
	t_fail "a symbolic link is written through, not replaced"
fi
ctl0 gen-secret --env-file "$T_TMP/no/such/dir/.env"
check_run "gen-secret into a missing folder: exit 1" 1 "" \
    "authctl: cannot create a file in $T_TMP/no/such/dir: No such file or directory"
ctl0 gen-secret --env-file "$T_TMP"
check_run "gen-secret onto a folder: exit 1" 1 "" \
    "authctl: $T_TMP: not a regular file"
ctl TOKEN_SECRET_FILE=/etc/hostname gen-secret --env-file "$T_TMP/warn.env"
check_eq "a secret in the environment (which wins over the file) is pointed out" \
    "0 authctl: warning: the environment sets the secret, and wins over $T_TMP/warn.env" \
    "$RC $ERR"

t_done
