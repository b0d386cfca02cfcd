-- Prints one JSON line with requests/s, latency percentiles and status counts when wrk ends.
-- No response() callback: one makes wrk call into Lua and keep every body, which slows the
-- client itself; wrk's own count of answers with a status of 400 or more is enough.

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "ok": %d, "non2xx": %d, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests - e.status, e.status,
    e.connect + e.read + e.write + e.timeout))
end
