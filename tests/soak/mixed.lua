-- SPDX-License-Identifier: ISC
-- tests/soak/mixed.lua: the soak's mixed load for wrk (tests/soak/run.sh).
-- Run with one connection per thread (-t N -c N): each thread is then one
-- client doing one request at a time, so it always knows which request a
-- response answers, and owns two users: a reader, whose list (filled
-- before) it GETs, so responses keep one size, and a writer, which it
-- POSTs orders for.  About 80% GET /api/userOrders, 15% POST
-- /api/userOrders, 5% POST /api/token with the reader's refresh token; a
-- refresh's answer replaces the reader's two tokens (rotation: the old
-- refresh token is never sent again, which would revoke the family), and
-- the GETs go on with the new access token.  The tokens come from the file
-- in SOAK_TOKENS ("reader access refresh writer_access" a line, one line
-- per thread); done() writes the counts to SOAK_RESULT as "name value".

local tokens = {}
local threads = {}

function setup(thread)
	if #tokens == 0 then
		for line in io.lines(os.getenv("SOAK_TOKENS")) do
			local u, a, r, w = line:match("^(%S+) (%S+) (%S+) (%S+)$")
			if u then tokens[#tokens + 1] = { u, a, r, w } end
		end
	end
	local t = tokens[#threads + 1]
	if t == nil then error("more threads than users in SOAK_TOKENS") end
	thread:set("user", t[1])
	thread:set("access", t[2])
	thread:set("rtoken", t[3])
	thread:set("waccess", t[4])
	threads[#threads + 1] = thread
end

-- per thread
n_get, n_post, n_refresh = 0, 0, 0
s200, s201, s204, s4xx, s5xx, s_other = 0, 0, 0, 0, 0, 0
post201, refresh200, get200 = 0, 0, 0
bad_body = 0
local last = nil	-- what the request in flight is
local seq = 0

function init(args)
	math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

function request()
	local r = math.random(100)
	if r <= 5 then
		last = "refresh"
		n_refresh = n_refresh + 1
		return wrk.format("POST", "/api/token",
			{ ["Content-Type"] = "application/json" },
			'{"refresh_token":"' .. rtoken .. '"}')
	elseif r <= 20 then
		last = "post"
		n_post = n_post + 1
		seq = seq + 1
		return wrk.format("POST", "/api/userOrders",
			{ ["Content-Type"] = "application/json",
			  ["Authorization"] = "Bearer " .. waccess },
			'{"item":"soak-' .. seq .. '","quantity":' .. (seq % 9 + 1) .. '}')
	else
		last = "get"
		n_get = n_get + 1
		return wrk.format("GET", "/api/userOrders",
			{ ["Authorization"] = "Bearer " .. access })
	end
end

function response(status, headers, body)
	if status == 200 then s200 = s200 + 1
	elseif status == 201 then s201 = s201 + 1
	elseif status == 204 then s204 = s204 + 1
	elseif status >= 400 and status < 500 then s4xx = s4xx + 1
	elseif status >= 500 and status < 600 then s5xx = s5xx + 1
	else s_other = s_other + 1 end
	if last == "refresh" and status == 200 then
		local a = body:match('"access_token"%s*:%s*"([^"]+)"')
		local r = body:match('"refresh_token"%s*:%s*"([^"]+)"')
		if a and r then
			access, rtoken = a, r
			refresh200 = refresh200 + 1
		else
			bad_body = bad_body + 1
		end
	elseif last == "post" and status == 201 then
		if body:match('"id"%s*:%s*%d+') then post201 = post201 + 1
		else bad_body = bad_body + 1 end
	elseif last == "get" and status == 200 then
		if body:match('"orders"') then get200 = get200 + 1
		else bad_body = bad_body + 1 end
	end
	last = nil
end

function done(summary, latency, requests)
	local names = { "n_get", "n_post", "n_refresh", "s200", "s201", "s204",
		"s4xx", "s5xx", "s_other", "post201", "refresh200", "get200",
		"bad_body" }
	local tot = {}
	for _, n in ipairs(names) do tot[n] = 0 end
	for _, t in ipairs(threads) do
		for _, n in ipairs(names) do tot[n] = tot[n] + (t:get(n) or 0) end
	end
	local f = assert(io.open(os.getenv("SOAK_RESULT"), "w"))
	for _, n in ipairs(names) do f:write(n, " ", tot[n], "\n") end
	f:write("requests ", summary.requests, "\n")
	f:write("duration_us ", summary.duration, "\n")
	f:write("err_connect ", summary.errors.connect, "\n")
	f:write("err_read ", summary.errors.read, "\n")
	f:write("err_write ", summary.errors.write, "\n")
	f:write("err_status ", summary.errors.status, "\n")
	f:write("err_timeout ", summary.errors.timeout, "\n")
	f:write("lat_p50_us ", latency:percentile(50), "\n")
	f:write("lat_p99_us ", latency:percentile(99), "\n")
	f:write("lat_max_us ", latency.max, "\n")
	f:close()
end
