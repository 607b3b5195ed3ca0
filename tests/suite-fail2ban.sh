#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The fail2ban filter and jail (deploy/fail2ban/): fail2ban-regex over
# sample error logs in each server's layout, as captured from lighttpd
# 1.4.69, nginx 1.22.1 and Apache 2.4.71 (mod_proxy_fcgi, mod_fcgid), a
# plain CGI's stderr, and journal entries as fail2ban's systemd backend
# formats them, asserting the exact lines matched and the
# exact addresses taken; lines that must not match (other events, forged
# records in client-controlled text, a hostile user name) matching none;
# the jail loading in fail2ban and banning exactly the addresses that
# reach maxretry; and the real build/login's line for a wrong password.
#
# The security line (cgi-bin/login.c, cgi-bin/refresh.c):
#	<program>: security: time=<UTC> event=<event> user=<%XX-encoded> addr=<ip>
set -u
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/lib.sh"
T_NAME=fail2ban	# read by t_done
export T_NAME
t_tmpdir

FILTER=$ROOT/deploy/fail2ban/filter.d/jwt-auth.conf
JAIL=$ROOT/deploy/fail2ban/jail.d/jwt-auth.conf

if ! command -v fail2ban-regex >/dev/null ||
    ! command -v fail2ban-client >/dev/null; then
	t_fail "fail2ban is installed" "install it: deploy/deps.sh test"
	t_done
	exit
fi
for f in "$FILTER" "$JAIL"; do
	[ -f "$f" ] || t_fail "${f#"$ROOT"/} exists"
done

# matched LOG: "M of N", the lines the filter matched of those read.
matched() {
	fail2ban-regex "$1" "$FILTER" 2>&1 |
	    sed -n 's/^Lines: \([0-9]*\) lines, [0-9]* ignored, \([0-9]*\) matched.*/\2 of \1/p'
}

# addrs LOG: the address each matched line yields, in order, on one line.
addrs() {
	fail2ban-regex -o ip "$1" "$FILTER" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}

# check_log NAME LOG "M of N" "ADDR ...": both at once.
check_log() {
	check_eq "$1: lines matched" "$3" "$(matched "$2")"
	check_eq "$1: addresses taken" "$4" "$(addrs "$2")"
}

test_lighttpd_log_matched() {
	local log=$T_TMP/lighttpd-error.log
	# The server's own time is local (here UTC+9); the events' is UTC.
	cat >"$log" <<'EOF'
2026-12-06 11:29:59: (server.c.1704) server started (lighttpd/1.4.69)
2026-12-06 11:30:00: (mod_fastcgi.c.449) FastCGI-stderr:login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.1
2026-12-06 11:30:01: (mod_fastcgi.c.449) FastCGI-stderr:login: security: time=2026-12-06T02:30:01Z event=login_throttled user=bob%20x addr=2001:db8::7
2026-12-06 11:30:02: (mod_fastcgi.c.449) FastCGI-stderr:login: security: time=2026-12-06T02:30:02Z event=signup_throttled user=- addr=192.0.2.2
2026-12-06 11:30:03: (mod_fastcgi.c.449) FastCGI-stderr:refresh: security: time=2026-12-06T02:30:03Z event=refresh_reuse user=alice addr=192.0.2.3
2026-12-06 11:30:04: (mod_fastcgi.c.449) FastCGI-stderr:login: store failed: still locked after the busy timeout
2026-12-06 11:30:05: (server.c.2078) server stopped by UID = 0 PID = 1888
EOF
	check_log "lighttpd mod_fastcgi error log" "$log" "3 of 7" \
	    "192.0.2.1 2001:db8::7 192.0.2.2"
}

# The time is the event's time= (UTC, "Z"), not the server's local
# prefix, whatever the time zone fail2ban runs in.
test_date_is_the_time_field() {
	local log=$T_TMP/date.log rows
	cat >"$log" <<'EOF'
2026-12-06 11:30:00: (mod_fastcgi.c.449) FastCGI-stderr:login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.1
2026/12/06 11:30:00 [error] 7#7: *1 FastCGI sent in stderr: "login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.1" while reading response header from upstream, client: 192.0.2.1, server: localhost, request: "POST /api/login HTTP/1.1", upstream: "fastcgi://unix:/run/jwt-auth/login.sock:", host: "localhost"
login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.1
EOF
	# 2026-12-06T02:30:00Z
	rows=$(TZ=Asia/Tokyo fail2ban-regex -o row "$log" "$FILTER" 2>&1 |
	    awk -F'\t' '{ print $2 }' | tr -d ',' | tr '\n' ' ' | sed 's/ $//')
	check_eq "the date is time= in UTC, under any TZ" \
	    "1796524200 1796524200 1796524200" "$rows"
}

test_nginx_log_matched() {
	local log=$T_TMP/nginx-error.log
	cat >"$log" <<'EOF'
2026/12/06 02:29:58 [notice] 120#120: signal process started
2026/12/06 02:30:00 [error] 123#123: *1 FastCGI sent in stderr: "login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.1" while reading response header from upstream, client: 192.0.2.1, server: localhost, request: "POST /api/login HTTP/1.1", upstream: "fastcgi://unix:/run/jwt-auth/login.sock:", host: "127.0.0.1:8080"
2026/12/06 02:30:01 [error] 123#123: *3 FastCGI sent in stderr: "login: security: time=2026-12-06T02:30:01Z event=login_throttled user=bob%20x addr=2001:db8::7" while reading response header from upstream, client: 2001:db8::7, server: localhost, request: "POST /api/login HTTP/1.1", upstream: "fastcgi://unix:/run/jwt-auth/login.sock:", host: "[::1]:8080"
2026/12/06 02:30:02 [error] 123#123: *5 FastCGI sent in stderr: "login: security: time=2026-12-06T02:30:02Z event=login_failed user=x%20addr%3D6.6.6.6 addr=192.0.2.5" while reading response header from upstream, client: 192.0.2.5, server: localhost, request: "POST /api/login?x addr=6.6.6.6 HTTP/1.1", upstream: "fastcgi://unix:/run/jwt-auth/login.sock:", host: "addr=6.6.6.6"
2026/12/06 02:30:03 [error] 123#123: *7 FastCGI sent in stderr: "refresh: security: time=2026-12-06T02:30:03Z event=refresh_reuse user=alice addr=192.0.2.3" while reading response header from upstream, client: 192.0.2.3, server: localhost, request: "POST /api/token HTTP/1.1", upstream: "fastcgi://unix:/run/jwt-auth/refresh.sock:", host: "localhost"
2026/12/06 02:30:04 [error] 123#123: *9 open() "/srv/web/favicon.ico" failed (2: No such file or directory), client: 192.0.2.9, server: localhost, request: "GET /favicon.ico HTTP/1.1", host: "localhost"
EOF
	check_log "nginx error log" "$log" "3 of 6" \
	    "192.0.2.1 2001:db8::7 192.0.2.5"
}

test_apache_log_matched() {
	local log=$T_TMP/apache-error.log
	cat >"$log" <<'EOF'
[Sun Dec 06 02:29:59.000001 2026] [mpm_event:notice] [pid 6055:tid 6055] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations
[Sun Dec 06 02:30:00.123456 2026] [proxy_fcgi:error] [pid 6059:tid 6107] [client 192.0.2.1:47642] AH01071: Got error 'login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.1\n'
[Sun Dec 06 02:30:01.090616 2026] [proxy_fcgi:error] [pid 6059:tid 6109] [client 2001:db8::7:58130] AH01071: Got error 'login: security: time=2026-12-06T02:30:01Z event=login_throttled user=bob%20x addr=2001:db8::7\n'
[Sun Dec 06 02:30:02.103886 2026] [proxy_fcgi:error] [pid 6057:tid 6088] [client 192.0.2.5:47658] AH01071: Got error 'login: security: time=2026-12-06T02:30:02Z event=login_failed user=bob addr=192.0.2.5\n', referer: http://x/ addr=6.6.6.6
[Sun Dec 06 02:30:03.662006 2026] [fcgid:warn] [pid 6190:tid 6196] [client 192.0.2.6:56204] mod_fcgid: stderr: login: security: time=2026-12-06T02:30:03Z event=signup_throttled user=- addr=192.0.2.6
[Sun Dec 06 02:30:04.676736 2026] [fcgid:warn] [pid 6191:tid 6217] [client 2001:db8::8:38080] mod_fcgid: stderr: login: security: time=2026-12-06T02:30:04Z event=login_failed user=alice addr=2001:db8::8, referer: http://x/ addr=6.6.6.6
[Sun Dec 06 02:30:05.000001 2026] [proxy_fcgi:error] [pid 6059:tid 6110] [client 192.0.2.3:47700] AH01071: Got error 'refresh: security: time=2026-12-06T02:30:05Z event=refresh_reuse user=alice addr=192.0.2.3\n'
[Sun Dec 06 02:30:06.000001 2026] [mpm_event:notice] [pid 6055:tid 6055] AH00491: caught SIGTERM, shutting down
EOF
	check_log "Apache mod_proxy_fcgi and mod_fcgid error log" "$log" \
	    "5 of 8" "192.0.2.1 2001:db8::7 192.0.2.5 192.0.2.6 2001:db8::8"
}

# A plain CGI's stderr, and journal entries as fail2ban's systemd backend
# writes them ("host ident[pid]: message").
test_plain_and_journal_matched() {
	local log=$T_TMP/plain.log
	cat >"$log" <<'EOF'
login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=127.0.0.1
login: security: time=2026-12-06T02:30:01Z event=login_throttled user=bob%20x addr=2001:db8::7
refresh: security: time=2026-12-06T02:30:02Z event=refresh_reuse user=alice addr=::1
login: security: time=2026-12-06T02:30:03Z event=login_failed user=carol addr=::ffff:192.0.2.44
login: TOKEN_SECRET is shorter than 32 bytes
web1 login[4242]: login: security: time=2026-12-06T02:30:04Z event=signup_throttled user=- addr=192.0.2.6
web1 lighttpd[77]: 2026-12-06 02:30:05: (mod_fastcgi.c.449) FastCGI-stderr:login: security: time=2026-12-06T02:30:05Z event=login_failed user=dave addr=2001:db8::9
EOF
	# An IPv4-mapped address bans the IPv4 address it carries.
	check_log "plain stderr and journal lines" "$log" "5 of 7" \
	    "127.0.0.1 2001:db8::7 192.0.2.44 192.0.2.6 2001:db8::9"
}

# Each of these is an attack or a near miss; the positive controls are the
# genuine lines in the tests above, which hold the same client-controlled
# text after the address.
test_forged_and_other_lines_ignored() {
	local log=$T_TMP/hostile.log
	cat >"$log" <<'EOF'
login: security: time=2026-12-06T02:30:00Z event=refresh_reuse user=alice addr=192.0.2.66
login: security: time=2026-12-06T02:30:00Z event=login_throttled_name user=alice addr=192.0.2.66
refresh: security: time=2026-12-06T02:30:00Z event=refresh_reuse user=- addr=2001:db8::66
login: security: time=2026-12-06T02:30:00Z event=login_ok user=alice addr=192.0.2.66
login: security: time=2026-12-06T02:30:00Z event=login_failedx user=alice addr=192.0.2.66
login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6 addr=192.0.2.66
login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=192.0.2.66 addr=6.6.6.6
login: security: time=2026-12-06T02:30:00Z event=login_failed user=x"y addr=6.6.6.6
login: security: time=2026-12-06T02:30:00Z event=login_failed user= addr=6.6.6.6
login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.66:5555
login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=[2001:db8::66]:443
login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=-
login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=6.6.6.6 port=1
mallory: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=6.6.6.6
login: store failed: login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6
2026-12-06 02:30:00: (mod_fastcgi.c.449) FastCGI-stderr:login: cannot read login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6
2026-12-06 02:30:00: (response.c.1) GET /login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6
2026-12-06 02:30:00: (response.c.1) GET /(mod_fastcgi.c.449) FastCGI-stderr:login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6
2026-12-06 02:30:00: (mod_fastcgi.c.449) FastCGI-stderr:login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.66:5555
2026/12/06 02:30:00 [error] 123#123: *1 FastCGI sent in stderr: "login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.66:5555" while reading response header from upstream, client: 192.0.2.66, server: localhost, request: "POST /api/login HTTP/1.1", host: "localhost"
[Sun Dec 06 02:30:00.000001 2026] [proxy_fcgi:error] [pid 1:tid 2] [client 192.0.2.66:5555] AH01071: Got error 'login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.66:5555\n'
[Sun Dec 06 02:30:00.000001 2026] [fcgid:warn] [pid 1:tid 2] [client 192.0.2.66:5555] mod_fcgid: stderr: login: security: time=2026-12-06T02:30:00Z event=login_failed user=alice addr=192.0.2.66:5555
2026/12/06 02:30:00 [error] 123#123: *1 FastCGI sent in stderr: "login: store failed: still locked" while reading response header from upstream, client: 192.0.2.66, server: localhost, request: "POST /api/login?login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6" HTTP/1.1", host: "localhost"
2026/12/06 02:30:00 [error] 123#123: *1 open() "/srv/web/x" failed (2: No such file or directory), client: 192.0.2.66, server: localhost, request: "GET /x HTTP/1.1", host: "FastCGI sent in stderr: "login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6""
[Sun Dec 06 02:30:00.000001 2026] [proxy_fcgi:error] [pid 1:tid 2] [client 192.0.2.66:5555] AH01071: Got error 'login: store failed\n', referer: AH01071: Got error 'login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6\n'
[Sun Dec 06 02:30:00.000001 2026] [fcgid:warn] [pid 1:tid 2] [client 192.0.2.66:5555] mod_fcgid: stderr: login: store failed, referer: http://x/ mod_fcgid: stderr: login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6
2026/12/06 02:30:00 [error] 123#123: *1 open() "/srv/web/ [error] 1#1: *1 FastCGI sent in stderr: "login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6"" failed (2: No such file or directory), client: 192.0.2.66, server: localhost, request: "GET /x HTTP/1.1", host: "localhost"
[Sun Dec 06 02:30:00.000001 2026] [proxy_fcgi:error] [pid 1:tid 2] [client 192.0.2.66:5555] AH01071: Got error 'login: store failed\n', referer: http://x/] [proxy_fcgi:error] [pid 1:tid 2] [client 6.6.6.6:1] AH01071: Got error 'login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6\n'
[Sun Dec 06 02:30:00.000001 2026] [core:error] [pid 1:tid 2] [client 192.0.2.66:5555] AH00126: Invalid URI in request GET /login: security: time=2026-12-06T02:30:00Z event=login_failed user=x addr=6.6.6.6 HTTP/1.1
EOF
	check_log "other events, forged and malformed lines" "$log" \
	    "0 of 29" ""
}

# The jail file loads in fail2ban (with the log path pointed at a file
# that exists) and names the filter.
test_jail_loads() {
	local conf=$1 out
	out=$(fail2ban-client -c "$conf" -t 2>&1)
	check_match "fail2ban loads the jail and the filter" \
	    'OK: configuration test is successful' "$out"
}

# A copy of the system's fail2ban configuration with only our jail in it,
# logging to LOG, banning into $T_TMP/banned through a recording action,
# its database in memory.  Prints the directory.
f2b_conf() {
	local conf=$T_TMP/f2b-conf log=$1
	cp -r /etc/fail2ban "$conf" || return 1
	rm -f "$conf"/jail.d/* "$conf"/jail.local
	cp "$FILTER" "$conf/filter.d/jwt-auth.conf"
	cp "$JAIL" "$conf/jail.d/jwt-auth.local"
	mkdir -p "$conf/fail2ban.d"
	printf '[Definition]\ndbfile = :memory:\n' \
	    >"$conf/fail2ban.d/zz-test.local"
	cat >"$conf/action.d/test-record.conf" <<EOF
[Definition]
actionban = printf '%%s\n' <ip> >> $T_TMP/banned
actionunban =
EOF
	printf '[jwt-auth]\nlogpath = %s\nbackend = polling\naction = test-record\n' \
	    "$log" >"$conf/jail.d/zz-test.local"
	echo "$conf"
}

# The jail bans an address once it has maxretry matching lines, IPv4 and
# IPv6 alike; one line fewer, or refresh_reuse, bans nothing.  The
# timestamps are now, inside findtime.
test_jail_bans_at_maxretry() {
	local conf=$1 log=$2 sock=$T_TMP/f2b.sock now max i n pid st
	max=$(fail2ban-client -c "$conf" -d 2>/dev/null |
	    sed -n "s/^\['set', 'jwt-auth', 'maxretry', \([0-9]*\)\]$/\1/p")
	check_match "the jail sets maxretry (>= 2)" '^([2-9]|[1-9][0-9]+)$' "$max"
	[ -n "$max" ] || max=10
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	: >"$log"
	# The ones that must not be banned first: once the last two are,
	# every line before them has been read.
	for i in $(seq "$max"); do
		[ "$i" -lt "$max" ] &&
		    echo "login: security: time=$now event=login_failed user=u$i addr=192.0.2.11"
		echo "refresh: security: time=$now event=refresh_reuse user=u$i addr=192.0.2.12"
	done >>"$log"
	for i in $(seq "$max"); do
		echo "login: security: time=$now event=login_failed user=u$i addr=192.0.2.10"
		echo "login: security: time=$now event=login_throttled user=u$i addr=2001:db8::10"
	done >>"$log"

	fail2ban-client -c "$conf" -s "$sock" -p "$T_TMP/f2b.pid" \
	    --logtarget "$T_TMP/f2b.log" -x -f start </dev/null \
	    >"$T_TMP/f2b.out" 2>&1 &
	pid=$!
	T_PIDS="${T_PIDS:-} $pid"
	# Up to 15 s for the two bans (fail2ban polls the file every second).
	for _ in $(seq 150); do
		n=0
		[ -f "$T_TMP/banned" ] && n=$(wc -l <"$T_TMP/banned")
		[ "$n" -ge 2 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	st=$(fail2ban-client -s "$sock" status jwt-auth 2>&1)
	check_eq "banned: the addresses with maxretry lines, IPv4 and IPv6" \
	    "192.0.2.10 2001:db8::10" \
	    "$(sed -n 's/.*Banned IP list:[[:space:]]*//p' <<<"$st" |
	    tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ *$//')"
	check_eq "not banned: maxretry-1 failures (one address still counting)" \
	    "1" "$(sed -n 's/.*Currently failed:[[:space:]]*//p' <<<"$st")"
	check_eq "the recording action ran for exactly those" \
	    "192.0.2.10 2001:db8::10" \
	    "$(sort "$T_TMP/banned" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
	fail2ban-client -s "$sock" stop >/dev/null 2>&1
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# End to end: the real build/login as plain CGI, a wrong password, its
# stderr read by the filter.
test_login_binary_failure_matched() {
	local log=$T_TMP/login.stderr body
	if [ ! -x "$BUILD/login" ]; then
		t_fail "build/login exists (make all)"
		return
	fi
	CGI_ENV=(TOKEN_SECRET="fail2ban-suite-$(openssl rand -hex 16)"
	    DATABASE_PATH="$T_TMP/auth.db" ENV_FILE=/dev/null
	    REMOTE_ADDR=192.0.2.44)
	cgi login POST /api/createNewUser \
	    '{"username":"alice","password":"correct-horse"}' 2>/dev/null
	check_eq "set-up: alice signs up" 201 "$STATUS"
	body='{"username":"alice","password":"wrong-horse"}'
	cgi login POST /api/login "$body" 2>"$log"
	check_eq "set-up: a wrong password answers 401" 401 "$STATUS"
	check_eq "login's stderr for a wrong password bans 192.0.2.44 once" \
	    "192.0.2.44" "$(addrs "$log")"
}

test_lighttpd_log_matched
test_date_is_the_time_field
test_nginx_log_matched
test_apache_log_matched
test_plain_and_journal_matched
test_forged_and_other_lines_ignored
: >"$T_TMP/jail.log"
CONF=$(f2b_conf "$T_TMP/jail.log")
test_jail_loads "$CONF"
test_jail_bans_at_maxretry "$CONF" "$T_TMP/jail.log"
test_login_binary_failure_matched
t_done
