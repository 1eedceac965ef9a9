-- wrk script for scripts/bench: POSTs the body in the file $BENCH_BODY_FILE (Content-Type
-- $BENCH_CONTENT_TYPE, default application/json), with
-- "Authorization: Bearer $BENCH_KEY" when BENCH_KEY is set, and prints one machine-readable
-- line at the end (latencies in microseconds):
--   BENCH requests=N duration_us=N p50_us=N p99_us=N mean_us=N non2xx=N socket_errors=N
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
local key = os.getenv("BENCH_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d mean_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    math.floor(latency.mean), e.status, e.connect + e.read + e.write + e.timeout))
end
