-- POSTs the public join form with a unique name and email per request.
-- wrk -s join.lua URL -- PATH STAMP VERSION [PREFIX]  (PREFIX keeps names unique across runs)
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
local counter = 0
local thread_id = 0
local ids = 0

function setup(thread)
  ids = ids + 1
  thread:set("id", ids)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  other = 0
  path, stamp, version, prefix = args[1], args[2], args[3], args[4] or "a"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  local n = id * 10000000 + counter
  local body = "kind=individual&name=bench%20" .. prefix .. n .. "&email=bench" .. prefix .. n .. "%40example.org&visibility=public&consent=yes&t=" ..
    stamp .. "&version=" .. version .. "&website="
  return wrk.format("POST", path, nil, body)
end
