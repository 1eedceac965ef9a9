-- wrk script for the agent part of scripts/bench (scripts/bench.d/agent.sh): a client running the
-- agent loop itself, directly against the fake upstream. Each connection's requests cycle through
-- a chain of POSTs, $BENCH_CHAIN = "PATH=BODY_FILE PATH=BODY_FILE ...", in order (Content-Type
-- application/json; "Authorization: Bearer $BENCH_KEY" when BENCH_KEY is set): e.g. the model's
-- first call, the tool, the model's second call. A chain of one request times single requests
-- the same way, so that both sides of a comparison are measured alike.
-- Prints the same line as post.lua (per request, wrk's figures), and with BENCH_CHAIN_TIMED=1 one
-- more for whole chains, from the first request's send to the last answer's end, as measured
-- (wrk corrects its own figures for coordinated omission; these are raw). In microseconds:
--   BENCH requests=N duration_us=N p50_us=N p99_us=N mean_us=N non2xx=N socket_errors=N
--   CHAIN chains=N p50_us=N p99_us=N mean_us=N
-- Chains are timed only with one connection (-c1): wrk gives a script no connection's identity,
-- so with more the requests of one Lua state interleave across connections; the mix of requests
-- (and so the load) is the chain's either way.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local requests = {}
local next_index = 1
local timed = os.getenv("BENCH_CHAIN_TIMED") == "1"
-- wrk (4.1) calls request() once more than it sends at the start of a connection, and sends the
-- latest request it got: so with one connection, a response answers the last request() call.
local current = 0
local started = 0
local first_answered = false
-- A fixed array of the chains' latencies: a chain of a few ms at -c1 for an hour stays far
-- below this; past it the last slot is overwritten (and the count says so).
local MAX_CHAINS = 2000000
lat = {}
chains = 0

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  local key = os.getenv("BENCH_KEY")
  if key and key ~= "" then headers["Authorization"] = "Bearer " .. key end
  local spec = assert(os.getenv("BENCH_CHAIN"), "BENCH_CHAIN is not set")
  for path, file in spec:gmatch("([^%s=]+)=(%S+)") do
    local f = assert(io.open(file, "rb"))
    local body = f:read("*a")
    f:close()
    table.insert(requests, wrk.format("POST", path, headers, body))
  end
  assert(#requests > 0, "BENCH_CHAIN names no request")
  -- Untimed, no response(): wrk then hands no answer to Lua (cheaper, as post.lua).
  if not timed then response = nil end
end

function request()
  current = next_index
  if timed and current == 1 then started = now_us() end
  next_index = next_index % #requests + 1
  return requests[current]
end

function response(status, headers, body)
  if not timed then return end
  if current == 1 then first_answered = true end
  if current == #requests and first_answered then
    first_answered = false
    chains = chains + 1
    lat[math.min(chains, MAX_CHAINS)] = now_us() - started
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  local i = math.max(1, math.ceil(#sorted * p / 100))
  return sorted[i]
end

function done(summary, latency, reqs)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d mean_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    math.floor(latency.mean), e.status, e.connect + e.read + e.write + e.timeout))
  if not timed then return end
  local all, n, sum = {}, 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("chains") or 0)
    for _, v in ipairs(t:get("lat") or {}) do
      table.insert(all, v)
      sum = sum + v
    end
  end
  table.sort(all)
  io.write(string.format("CHAIN chains=%d p50_us=%d p99_us=%d mean_us=%d\n",
    n, percentile(all, 50), percentile(all, 99), (#all > 0 and math.floor(sum / #all) or 0)))
end
