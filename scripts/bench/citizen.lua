-- wrk workload for the citizen endpoints: /lookup and /nearest at the query points of a city
-- made by ../shared/geodata/tools/gen_city.py (queries.csv: lon,lat,x,y,category).
--   wrk -t2 -c32 -d10s -s scripts/bench/citizen.lua http://127.0.0.1:PORT -- workload=lookup queries=DIR/queries.csv
-- workload = lookup | nearest | nearest_category. Every response is checked for status 200.

local points = {}
n_resp, n_non200 = 0, 0
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  local opt = {}
  for _, a in ipairs(args) do
    local k, v = string.match(a, "^([%w_]+)=(.*)$")
    opt[k] = v
  end
  workload = opt.workload or "lookup"
  for line in io.lines(opt.queries) do
    local lon, lat, _, _, category = string.match(line, "^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)$")
    if lon and tonumber(lon) then table.insert(points, { lon, lat, category }) end
  end
  math.randomseed(#threads + 17)
end

function request()
  local p = points[math.random(#points)]
  local path
  if workload == "lookup" then
    path = "/lookup?lon=" .. p[1] .. "&lat=" .. p[2]
  elseif workload == "nearest" then
    path = "/nearest?lon=" .. p[1] .. "&lat=" .. p[2] .. "&k=5"
  else
    path = "/nearest?lon=" .. p[1] .. "&lat=" .. p[2] .. "&k=5&category=" .. p[3]
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  n_resp = n_resp + 1
  if status ~= 200 then n_non200 = n_non200 + 1 end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + t:get("n_non200") end
  io.write(string.format("RESULT req_per_s=%.0f p50_ms=%.2f p99_ms=%.2f non200=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, non200))
end
