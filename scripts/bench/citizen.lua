-- wrk workload for the citizen endpoints: /lookup and /nearest at the query points of a city
-- made by ../shared/geodata/tools/gen_city.py (queries.csv: lon,lat,x,y,category).
--   wrk -t2 -c32 -d10s -s scripts/bench/citizen.lua http://127.0.0.1:PORT -- workload=lookup queries=DIR/queries.csv
-- workload = lookup | nearest | nearest_category | health (the baseline: a request with no work,
-- what the HTTP stack alone allows at that moment on the shared cores).
--
-- wrk shares the machine's cores with the server, so the script keeps wrk's own work small: the
-- requests are formatted once in init(), and there is no response() callback (wrk would hand
-- every header and body to Lua); responses that are not 2xx/3xx are counted by wrk itself
-- (summary.errors.status) and reported as non200.

local requests = {}
local threads = 0

-- Runs in the main Lua state once per thread: give each thread its own random sequence.
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  local opt = {}
  for _, a in ipairs(args) do
    local k, v = string.match(a, "^([%w_]+)=(.*)$")
    opt[k] = v
  end
  local workload = opt.workload or "lookup"
  for line in io.lines(opt.queries) do
    local lon, lat, _, _, category = string.match(line, "^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)$")
    if lon and tonumber(lon) then
      local path
      if workload == "health" then
        path = "/health"
      elseif workload == "lookup" then
        path = "/lookup?lon=" .. lon .. "&lat=" .. lat
      elseif workload == "nearest" then
        path = "/nearest?lon=" .. lon .. "&lat=" .. lat .. "&k=5"
      else
        path = "/nearest?lon=" .. lon .. "&lat=" .. lat .. "&k=5&category=" .. category
      end
      table.insert(requests, wrk.format("GET", path))
    end
  end
  math.randomseed(17 + (thread_id or 0))
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  io.write(string.format("RESULT req_per_s=%.0f p50_ms=%.2f p99_ms=%.2f non200=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
