-- POSTs the public join form with a unique name and email per request.
-- wrk -t2 -s join.lua URL -- PATH STAMPS VERSION [PREFIX]
-- STAMPS is a file of form stamps, one a line (`bayan dev form-stamps`): stamps are one-use,
-- so each request sends its own, in the order the forms were served, as people would.
-- Thread k of n sends lines k, k+n, k+2n..., n being BENCH_WRK_THREADS (2 if unset: the
-- threads start before every thread is set up, so they cannot count each other).
-- PREFIX keeps names unique across runs.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local ids = 0

function setup(thread)
  ids = ids + 1
  thread:set("id", ids)
end

function init(args)
  path, stamps_file, version, prefix = args[1], args[2], args[3], args[4] or "a"
  stamps = {}
  for line in io.lines(stamps_file) do stamps[#stamps + 1] = line end
  n = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")
  next_stamp = id
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  local stamp = stamps[next_stamp]
  if stamp == nil then stamp = "exhausted" end  -- refused (422): shows as non-2xx
  next_stamp = next_stamp + n
  local u = id * 10000000 + counter
  local body = "kind=individual&name=bench%20" .. prefix .. u .. "&email=bench" .. prefix .. u .. "%40example.org&visibility=public&consent=yes&t=" ..
    stamp .. "&version=" .. version .. "&website="
  return wrk.format("POST", path, nil, body)
end
