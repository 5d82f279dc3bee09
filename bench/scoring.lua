-- wrk script for bench/run-batching.sh: POSTs one scoring body to a deployment pinned with the
-- azureml-model-deployment header, counts answers by status, and prints one machine-readable line.
-- Configured through the environment: BENCH_BODY (file), BENCH_KEY (endpoint key), BENCH_DEPLOYMENT.
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.headers["azureml-model-deployment"] = os.getenv("BENCH_DEPLOYMENT")

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
