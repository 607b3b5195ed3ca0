-- SPDX-License-Identifier: ISC
-- bench/load.lua: the wrk script of every case in bench/run.sh.  Each
-- request carries the next line of BENCH_FILE, round robin (each wrk
-- thread from the first line), as many clients with their own credentials
-- would; BENCH_CASE says what a request is:
--   get      GET wrk.path, "Authorization: Bearer <line>" (a file of one
--            line: the one-token case; of none: no header, the 401 case)
--   post     POST wrk.path {"item":"wrk","quantity":1} with the bearer
--   login    POST wrk.path {"username":"<line>","password":BENCH_PASSWORD}
--   refresh  POST wrk.path {"refresh_token":"<line>"}: a rotation spends
--            the token, so each line is sent once and the successor from
--            the answer goes to the back of the queue
-- Every request but refresh's is made once, in init: formatting per request
-- would cost wrk CPU that the servers, on the same CPUs, then miss.
-- done() prints one WRKRESULT line for bench/run.sh.

local what = os.getenv("BENCH_CASE") or "get"
local lines, reqs = {}, {}
local head, tail, i = 1, 0, 0

local function json_body(t)
	local parts = {}
	for _, kv in ipairs(t) do
		parts[#parts + 1] = string.format('"%s":%s', kv[1], kv[2])
	end
	return "{" .. table.concat(parts, ",") .. "}"
end

local function format(line)
	local h = { ["Content-Type"] = "application/json" }
	if what == "get" then
		h = {}
		if line then h["Authorization"] = "Bearer " .. line end
		return wrk.format("GET", nil, h, nil)
	elseif what == "post" then
		h["Authorization"] = "Bearer " .. line
		return wrk.format("POST", nil, h,
		    json_body({ { "item", '"wrk"' }, { "quantity", "1" } }))
	elseif what == "login" then
		return wrk.format("POST", nil, h, json_body({
		    { "username", '"' .. line .. '"' },
		    { "password", '"' .. os.getenv("BENCH_PASSWORD") .. '"' } }))
	end
	return wrk.format("POST", nil, h,
	    json_body({ { "refresh_token", '"' .. line .. '"' } }))
end

function init(args)
	local f = os.getenv("BENCH_FILE")
	if f and f ~= "" then
		for line in io.lines(f) do lines[#lines + 1] = line end
	end
	tail = #lines
	if what ~= "refresh" then
		for n, line in ipairs(lines) do reqs[n] = format(line) end
		if #reqs == 0 then reqs[1] = format(nil) end
	end
end

function request()
	if what == "refresh" then
		-- Never empty with more tokens than connections; if it were,
		-- an empty token is answered 4xx and counted as such.
		local t = ""
		if head <= tail then
			t = lines[head]
			lines[head] = nil
			head = head + 1
		end
		return format(t)
	end
	i = i % #reqs + 1
	return reqs[i]
end

if what == "refresh" then
	function response(status, headers, body)
		local t = body and body:match('"refresh_token":"([^"]+)"')
		if t then
			tail = tail + 1
			lines[tail] = t
		end
	end
end

function done(summary, latency, requests)
	local secs = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format(
	    "WRKRESULT requests=%d rps=%.1f p50_ms=%.3f p90_ms=%.3f " ..
	    "p99_ms=%.3f max_ms=%.3f non2xx3xx=%d errors=%d\n",
	    summary.requests, summary.requests / secs,
	    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
	    latency:percentile(99) / 1000, latency.max / 1000,
	    e.status, e.connect + e.read + e.write + e.timeout))
end
