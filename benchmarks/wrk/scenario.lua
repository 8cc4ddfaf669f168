-- One wrk script for every scenario, configured by run.py through the environment:
--   BENCH_METHOD       GET or POST
--   BENCH_PATHS        file of request paths, one a line, taken in turn (GET scenarios)
--   BENCH_PATH         the single path of a POST scenario
--   BENCH_TOKENS       file of access tokens, one a line, taken in turn (optional)
--   BENCH_PRODUCTS     file of product ids; each POST orders one unit of a random one
--   BENCH_IDEMPOTENCY  "1": every request carries a fresh Idempotency-Key
--   BENCH_NONCE        unique per wrk run, so that no key is ever reused across runs
--   BENCH_SEED         random seed: the baseline and the scenario draw the same sequence
-- done() prints one JSON line (prefixed "BENCH_RESULT ") that run.py parses.

local method = os.getenv("BENCH_METHOD") or "GET"
local single_path = os.getenv("BENCH_PATH") or "/"
local idempotent = os.getenv("BENCH_IDEMPOTENCY") == "1"
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local seed = tonumber(os.getenv("BENCH_SEED") or "1")

local function read_lines(name)
  local lines = {}
  if name == nil or name == "" then
    return lines
  end
  local file = assert(io.open(name, "r"), "cannot open " .. name)
  for line in file:lines() do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  file:close()
  return lines
end

-- Main state: number the threads and keep them for done().
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  threads[#threads + 1] = thread
end

-- Thread state.
local paths, tokens, products
local counter = 0
status_2xx, status_3xx, status_4xx, status_5xx = 0, 0, 0, 0

function init(args)
  paths = read_lines(os.getenv("BENCH_PATHS"))
  tokens = read_lines(os.getenv("BENCH_TOKENS"))
  products = read_lines(os.getenv("BENCH_PRODUCTS"))
  math.randomseed(seed * 1000 + id)
  -- Threads start at different places of the path list.
  counter = (id - 1) * 7919
end

function request()
  counter = counter + 1
  local headers = {}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[counter % #tokens + 1]
  end
  if method == "GET" then
    return wrk.format("GET", paths[counter % #paths + 1], headers)
  end
  headers["Content-Type"] = "application/json"
  if idempotent then
    headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", nonce, id, counter)
  end
  local product = products[math.random(#products)]
  local body = string.format('{"items": [{"product": %s, "quantity": 1}]}', product)
  return wrk.format(method, single_path, headers, body)
end

function response(status, headers, body)
  if status >= 500 then
    status_5xx = status_5xx + 1
  elseif status >= 400 then
    status_4xx = status_4xx + 1
  elseif status >= 300 then
    status_3xx = status_3xx + 1
  else
    status_2xx = status_2xx + 1
  end
end

function done(summary, latency, requests)
  local totals = {0, 0, 0, 0}
  for _, thread in ipairs(threads) do
    totals[1] = totals[1] + thread:get("status_2xx")
    totals[2] = totals[2] + thread:get("status_3xx")
    totals[3] = totals[3] + thread:get("status_4xx")
    totals[4] = totals[4] + thread:get("status_5xx")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, ' ..
    '"status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max,
    e.connect, e.read, e.write, e.timeout, e.status,
    totals[1], totals[2], totals[3], totals[4]))
end
