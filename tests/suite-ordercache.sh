#!/usr/bin/env bash
# tests/suite-ordercache.sh: the order-list cache across processes.  Several
# userorders workers (each its own process under `spawn-fcgi -n`, as a web
# server runs them) share one database; a list one worker has cached must
# never hide an order another worker has acknowledged.  Also: the copy is
# byte for byte what the database gives; ORDERS_CACHE_TTL bounds what an
# edit made with the sqlite3 shell can go unseen, and 0 turns the cache
# off; a writer that died mid-way (the counter left odd) turns caching off
# until the next write; the -gen file has the database's mode.  Ends with
# "ordercache: N passed, N failed".
T_NAME=ordercache
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/http/helpers.sh
. "$ROOT/tests/http/helpers.sh"
# shellcheck source=tests/fcgi/helpers.sh
. "$ROOT/tests/fcgi/helpers.sh"
export LC_ALL=C
umask 0077

CGI_FCGI=$(command -v cgi-fcgi)
SPAWN_FCGI=$(PATH=$PATH:/usr/sbin:/sbin command -v spawn-fcgi)
missing=
for tool in cgi-fcgi spawn-fcgi jq sqlite3 od perl timeout; do
	PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null || missing="$missing $tool"
done
for exe in login userorders; do
	[ -x "$BUILD/$exe" ] || missing="$missing $BUILD/$exe"
done
if [ -n "$missing" ]; then
	t_fail "prerequisites" "missing:$missing (make all; deploy/deps.sh test)"
	t_done
	exit 1
fi

t_tmpdir
WORKERS=()
cleanup() {
	stop_pids "${WORKERS[@]}"
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

SECRET=$(od -An -tx1 -N48 /dev/urandom | tr -d ' \n')
DB=$T_TMP/auth.db
GEN=$DB-gen
FCGI_ENV=()
FCGI_CT=

# uo NAME TTL: a userorders worker on $T_TMP/NAME.sock with that
# ORDERS_CACHE_TTL.
uo() {
	start_worker "$T_TMP/$1.sock" userorders TOKEN_SECRET="$SECRET" \
	    ENV_FILE=/dev/null ORDERS_CACHE_TTL="$2" ||
		t_fail "worker $1 (ORDERS_CACHE_TTL=$2) starts" "$(tail -n 3 "$T_TMP/workers.log")"
}
# items NAME: the item names worker NAME lists for the token in $ACCESS.
items() {
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
	fcgi "$T_TMP/$1.sock" GET /api/userOrders
	FCGI_ENV=()
	[ "$STATUS" = 200 ] || { echo "status $STATUS"; return; }
	json '[.orders[].item] | join(",")'
}
# add NAME ITEM: POST an order through worker NAME; prints the status.
add() {
	FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
	fcgi "$T_TMP/$1.sock" POST /api/userOrders "{\"item\":\"$2\",\"quantity\":1}"
	FCGI_ENV=()
	echo "$STATUS"
}
# shell_add ITEM: an order written with the sqlite3 shell, as an operator
# would: nothing in the service hears of it.
shell_add() {
	sqlite3 -cmd '.timeout 5000' "$DB" \
	    "INSERT INTO orders (username, item, quantity, created_at) VALUES ('carol', '$1', 1, strftime('%s','now'))"
}
# gen: the counter as a number (8 bytes, this machine's byte order).
gen() { od -An -tu8 -N8 "$GEN" | tr -d ' '; }
# set_gen N: what a writer that died between its two moves leaves.
set_gen() {
	perl -e 'print pack("Q", shift)' "$1" |
	    dd of="$GEN" bs=8 count=1 conv=notrunc status=none
}

start_worker "$T_TMP/login.sock" login TOKEN_SECRET="$SECRET" ENV_FILE=/dev/null
check_eq "login worker starts" 404 "$STATUS"
fcgi "$T_TMP/login.sock" POST /api/createNewUser '{"username":"carol","password":"carol password 1"}'
check_eq "carol signs up" 201 "$STATUS"
ACCESS=$(json .access_token)

# Two workers that would keep a list for an hour, one that never keeps one.
uo a 3600
uo b 3600
uo off 0
check_eq "the -gen file is beside the database, with its mode" "$(stat -c %a "$DB")" "$(stat -c %a "$GEN" 2>&1)"
check_eq "the counter starts even" 0 "$(( $(gen) % 2 ))"

check_eq "an order through a" 201 "$(add a one)"
check_eq "a lists it (and keeps the list)" one "$(items a)"
check_eq "b lists it (and keeps the list)" one "$(items b)"
g0=$(gen)
check_eq "an order through a" 201 "$(add a two)"
check_eq "the write moved the counter by two, to even" "$((g0 + 2))" "$(gen)"
check_eq "b, which kept the old list, lists the order a acknowledged" one,two "$(items b)"
check_eq "a lists it too" one,two "$(items a)"
check_eq "an order through b" 201 "$(add b three)"
check_eq "a, which kept the old list, lists the order b acknowledged" one,two,three "$(items a)"

# Byte for byte: a kept list is what the database gives.
FCGI_ENV=(HTTP_AUTHORIZATION="Bearer $ACCESS")
fcgi "$T_TMP/b.sock" GET /api/userOrders
fcgi "$T_TMP/b.sock" GET /api/userOrders
kept_h=$HEADERS kept_b=$BODY
fcgi "$T_TMP/off.sock" GET /api/userOrders
FCGI_ENV=()
check_eq "a kept answer has the same headers as a fresh one" "$HEADERS" "$kept_h"
check_eq "a kept answer has the same body as a fresh one" "$BODY" "$kept_b"

# The shell: unseen by the cache for up to ORDERS_CACHE_TTL, seen at once
# with 0.  (That b still shows the old list is what proves it keeps one.)
shell_add four
check_eq "ORDERS_CACHE_TTL=0: the shell's order is listed at once" one,two,three,four "$(items off)"
check_eq "ORDERS_CACHE_TTL=3600: b still sends the list it kept (the documented bound)" one,two,three "$(items b)"

# A writer that died between its two moves leaves the counter odd: no
# worker trusts or keeps a copy until the next write.
set_gen "$(( $(gen) + 1 ))"
check_eq "counter left odd" 1 "$(( $(gen) % 2 ))"
check_eq "odd counter: b reads the database" one,two,three,four "$(items b)"
shell_add five
check_eq "odd counter: b kept nothing meanwhile" one,two,three,four,five "$(items b)"
g1=$(gen)
check_eq "the next write" 201 "$(add a six)"
check_eq "the next write moves an odd counter to a new even value" "$((g1 + 3))" "$(gen)"
check_eq "b lists it" one,two,three,four,five,six "$(items b)"
shell_add seven
check_eq "after that write, b keeps lists again" one,two,three,four,five,six "$(items b)"
check_eq "positive control: the database has seven" one,two,three,four,five,six,seven "$(items off)"

# ORDERS_CACHE_TTL=1: a list is kept within one second at most.
uo one 1
items one >/dev/null
shell_add eight
sleep 2
check_eq "ORDERS_CACHE_TTL=1: the shell's order is listed two seconds later" \
    one,two,three,four,five,six,seven,eight "$(items one)"

# Out of range values are refused at start-up, with the variable named.
out=$(env -i PATH="$PATH" DATABASE_PATH="$DB" TOKEN_SECRET="$SECRET" ENV_FILE=/dev/null \
    ORDERS_CACHE_TTL=3601 "$BUILD/userorders" </dev/null 2>&1; echo "rc=$?")
check_match "ORDERS_CACHE_TTL=3601 is refused at start-up" 'ORDERS_CACHE_TTL: .*rc=1$' "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"

# The counter file must be a file of ours: a symlink is refused.
mv "$GEN" "$T_TMP/elsewhere"
ln -s "$T_TMP/elsewhere" "$GEN"
out=$(env -i PATH="$PATH" DATABASE_PATH="$DB" TOKEN_SECRET="$SECRET" ENV_FILE=/dev/null \
    "$BUILD/userorders" </dev/null 2>&1; echo "rc=$?")
check_match "a symlink in the -gen file's place is refused at start-up" "DATABASE_PATH: cannot open .*-gen.*rc=1" "$(tr '\n' ' ' <<<"$out")"
rm -f "$GEN"
mv "$T_TMP/elsewhere" "$GEN"
t_done
