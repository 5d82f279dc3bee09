-- wrk script of the bench scripts: sends one request over and over, counts answers by status, and
-- prints one machine-readable RESULT line (bench/interleaved_rounds.py reads it). Configured through
-- the environment, every variable optional:
--   BENCH_BODY        a file to POST (without it: GET, no body)
--   BENCH_KEY         an endpoint key or token, sent as Authorization: Bearer
--   BENCH_DEPLOYMENT  the azureml-model-deployment header (pins a deployment)
--   BENCH_CONTENT_TYPE  of the body (default application/json)
--   BENCH_HEADER_LENGTH the Inference-Header-Content-Length header (binary tensor bodies)
local body = os.getenv("BENCH_BODY")
if body then
  local f = assert(io.open(body, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
end
if os.getenv("BENCH_KEY") then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
end
if os.getenv("BENCH_DEPLOYMENT") then
  wrk.headers["azureml-model-deployment"] = os.getenv("BENCH_DEPLOYMENT")
end
if os.getenv("BENCH_HEADER_LENGTH") then
  wrk.headers["Inference-Header-Content-Length"] = os.getenv("BENCH_HEADER_LENGTH")
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local byStatus = ""
  for status, n in pairs(counts) do
    byStatus = byStatus .. string.format(" status_%d=%d", status, n)
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d"
      .. " connect_errors=%d read_errors=%d write_errors=%d timeouts=%d%s\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, byStatus))
end
