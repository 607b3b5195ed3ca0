-- SPDX-License-Identifier: ISC
-- wrk done() hook: one line a run, for bench/run.sh to read.  wrk's
-- latencies are in microseconds; printed in milliseconds.
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format(
    "WRKRESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx3xx=%d errors=%d\n",
    summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
