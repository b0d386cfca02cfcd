-- Prints one JSON line with requests/s, latency percentiles and status counts when wrk ends.

threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  other = 0
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local ok_total, other_total = 0, 0
  for _, t in ipairs(threads) do
    ok_total = ok_total + (t:get("ok") or 0)
    other_total = other_total + (t:get("other") or 0)
  end
  io.write(string.format('BENCH {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "ok": %d, "non2xx": %d, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, ok_total, other_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
