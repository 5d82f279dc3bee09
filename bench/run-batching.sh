#!/usr/bin/env bash
# Benchmark B: dynamic batching on vs off on a small convolutional model, 32 concurrent callers over
# HTTPS with key auth, against a real node started with `./inferbus start` (BENCHMARKS.md).
#
#   bench/run-batching.sh            # ~4 minutes: node start, warm-up, 2 rounds x 3 deployments x 20 s
#
# Environment (optional):
#   CONNECTIONS=32      concurrent callers (wrk connections, one request outstanding each)
#   DURATION=20         seconds measured per deployment and round
#   WARMUP=15           seconds of load per deployment before measuring (JIT; MEASURED.md: 20-30 s in all)
#   ROUNDS=2            measured rounds; the order of the deployments is reversed every other round
#   INSTANCES=1         instance_count of every deployment
#   MAX_CONCURRENT=2    request_settings.max_concurrent_requests_per_instance of every deployment
#   MAX_BATCH=32        batching.max_batch_size of the batched deployments
#   DELAYS="2 0"        batching.max_batch_delay_ms of the batched deployments, one deployment each
#   PROFILE=1           after the measured rounds, one more pass per deployment under JFR (jcmd JFR.start),
#                       summarized by bench's JfrSummary into profile-<deployment>.txt (not in the results)
#   OUT=dir             where results go (default bench/target/batching-<time>)
#
# Loopback only; every step is bounded in time; the node it starts is stopped (SIGTERM) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-15}"
ROUNDS="${ROUNDS:-2}"
INSTANCES="${INSTANCES:-1}"
MAX_CONCURRENT="${MAX_CONCURRENT:-2}"
MAX_BATCH="${MAX_BATCH:-32}"
DELAYS="${DELAYS:-2 0}"
PROFILE="${PROFILE:-0}"
out="${OUT:-$root/bench/target/batching-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-batching.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
cleanup() {
  stop_node
  rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------------------------------ the node
echo "building the node if needed and starting it (log: $out/node.log)" >&2
start_node
metrics_url="http://127.0.0.1:$management_port/metrics"

api() { # method path [curl args...]: prints the body, fails on HTTP >= 400
  local method=$1 path=$2; shift 2
  curl -sS --fail-with-body --max-time 60 --cacert "$ca" -X "$method" -H "Authorization: Bearer $token" \
    "$@" "$cp_url$path"
}

# ------------------------------------------------------------------ model, endpoint, deployments
endpoint=convbench
api PUT /models/conv-bench/versions/1 -H 'Content-Type: application/octet-stream' \
  --data-binary @bench/models/conv-classifier.onnx > "$out/model.json"
api PUT /endpoints/$endpoint -H 'Content-Type: application/json' -d '{"auth_mode": "key"}' > /dev/null
settings="\"instance_count\": $INSTANCES, \"request_settings\": {\"max_concurrent_requests_per_instance\": $MAX_CONCURRENT}"
deployments=(nobatch)
api PUT /endpoints/$endpoint/deployments/nobatch -H 'Content-Type: application/json' \
  -d "{\"model\": \"conv-bench:1\", $settings}" > /dev/null
for delay in $DELAYS; do
  name="batch-delay$delay"
  deployments+=("$name")
  api PUT "/endpoints/$endpoint/deployments/$name" -H 'Content-Type: application/json' \
    -d "{\"model\": \"conv-bench:1\", $settings, \"batching\": {\"max_batch_size\": $MAX_BATCH, \"max_batch_delay_ms\": $delay}}" \
    > /dev/null
done
deployment_ready() {
  api GET "/endpoints/$endpoint/deployments/$1" | python3 -c "
import json, sys
d = json.load(sys.stdin)
ready = [i for i in d.get('instances', []) if i.get('state') == 'Ready']
sys.exit(0 if d.get('provisioning_state') == 'Succeeded' and len(ready) >= $INSTANCES else 1)"
}
for d in "${deployments[@]}"; do
  wait_for 120 "deployment $d" deployment_ready "$d"
  api GET "/endpoints/$endpoint/deployments/$d" > "$out/deployment-$d.json"
done
key="$(api POST /endpoints/$endpoint/keys | python3 -c "import json,sys; print(json.load(sys.stdin)['primaryKey'])")"
scoring_url="https://127.0.0.1:$gateway_port/endpoints/$endpoint/score"
for d in "${deployments[@]}"; do
  curl -sS --fail-with-body --max-time 10 --cacert "$ca" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -H "azureml-model-deployment: $d" \
    --data-binary @bench/models/conv-sample-request.json "$scoring_url" > "$out/answer-$d.json"
done
echo "node up: gateway :$gateway_port, management :$management_port; deployments: ${deployments[*]}" >&2

# ------------------------------------------------------------------ load
node_cpu_ticks() { awk '{print $14 + $15}' "/proc/$node_pid/stat"; }
# per-thread CPU ticks of the node: tid, name (as the kernel keeps it, 15 characters), utime + stime
thread_ticks() {
  python3 - "$node_pid" <<'PY'
import os, sys
pid = sys.argv[1]
for tid in os.listdir(f"/proc/{pid}/task"):
    try:
        stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
    except OSError:
        continue
    fields = stat[stat.rindex(")") + 2:].split()
    print(f"{tid}\t{name}\t{int(fields[11]) + int(fields[12])}")
PY
}
# the node's busiest threads between two thread_ticks files, in % of one core
busiest_threads() { # before after seconds
  python3 - "$@" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
def read(f):
    return {l.split("\t")[0]: (l.split("\t")[1], int(l.split("\t")[2])) for l in open(f) if l.strip()}
before, after, seconds = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
rows = sorted(((t - before.get(tid, (n, 0))[1], n, tid) for tid, (n, t) in after.items()), reverse=True)
for ticks, name, tid in rows[:12]:
    print(f"{100 * ticks / hz / seconds:6.1f}% of a core  {name} (tid {tid})")
PY
}
# sum and count of inferbus_instance_batch_rows, and ok / refused answers, of one deployment
scrape() {
  curl -sf --max-time 10 "$metrics_url" | awk -v d="deployment=\"$1\"" '
    index($0, d) && /^inferbus_instance_batch_rows_sum/ { s = $NF }
    index($0, d) && /^inferbus_instance_batch_rows_count/ { c = $NF }
    index($0, d) && /^inferbus_instance_requests_total/ && /outcome="ok"/ { ok = $NF }
    index($0, d) && /^inferbus_instance_requests_total/ && !/outcome="ok"/ { bad += $NF }
    END { printf "%s %s %s %s\n", s + 0, c + 0, ok + 0, bad + 0 }'
}
load() { # deployment seconds label; the last line of the wrk file is wrk's own CPU ticks (is the driver the limit?)
  BENCH_BODY="$root/bench/models/conv-sample-request.json" BENCH_KEY="$key" BENCH_DEPLOYMENT="$1" \
    bash -c 'timeout "$1" wrk -t1 -c"$2" -d"$3s" --timeout 10s --latency -s bench/scoring.lua "$4"
             awk "{print \"WRK_CPU_TICKS \" \$16 + \$17}" /proc/$$/stat' _ $(($2 + 60)) "$CONNECTIONS" "$2" "$scoring_url" \
    > "$out/wrk-$3-$1.txt" 2>&1
}

echo "warm-up: ${WARMUP}s per deployment" >&2
for d in "${deployments[@]}"; do load "$d" "$WARMUP" warmup; done

results="$out/results.tsv"
printf 'round\tdeployment\trequests\tseconds\treq_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tnon_2xx\tsocket_errors\tavg_batch_rows\truns\tinstance_ok\tinstance_refused\tnode_cpu_us_per_req\tnode_cpu_pct\twrk_cpu_pct\n' > "$results"
hz=$(getconf CLK_TCK)
for round in $(seq 1 "$ROUNDS"); do
  order=("${deployments[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=($(printf '%s\n' "${deployments[@]}" | tac)); fi
  for d in "${order[@]}"; do
    read -r s0 c0 ok0 bad0 < <(scrape "$d")
    t0=$(node_cpu_ticks)
    thread_ticks > "$work/threads-before"
    load "$d" "$DURATION" "round$round"
    thread_ticks > "$work/threads-after"
    t1=$(node_cpu_ticks)
    busiest_threads "$work/threads-before" "$work/threads-after" "$DURATION" > "$out/threads-round$round-$d.txt"
    read -r s1 c1 ok1 bad1 < <(scrape "$d")
    line="$(grep '^RESULT' "$out/wrk-round$round-$d.txt" || true)"
    if [ -z "$line" ]; then echo "wrk gave no result for $d:" >&2; cat "$out/wrk-round$round-$d.txt" >&2; exit 1; fi
    wrk_ticks="$(sed -n 's/^WRK_CPU_TICKS //p' "$out/wrk-round$round-$d.txt")"
    python3 - "$round" "$d" "$line" "$s0" "$c0" "$s1" "$c1" "$ok0" "$ok1" "$bad0" "$bad1" "$t0" "$t1" "$hz" "${wrk_ticks:-0}" >> "$results" <<'PY'
import sys
rnd, dep, line = sys.argv[1], sys.argv[2], sys.argv[3]
s0, c0, s1, c1, ok0, ok1, bad0, bad1, t0, t1, hz, wrk_ticks = map(float, sys.argv[4:])
r = dict(kv.split("=") for kv in line.split()[1:])
req, us = int(r["requests"]), int(r["duration_us"])
ok = sum(int(v) for k, v in r.items() if k.startswith("status_2"))
non2xx = sum(int(v) for k, v in r.items() if k.startswith("status_") and not k.startswith("status_2"))
sock = sum(int(r[k]) for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
runs = c1 - c0
cpu_us = (t1 - t0) / hz * 1e6 / max(1, req)
print("\t".join(str(x) for x in (rnd, dep, req, round(us / 1e6, 1), round(req / (us / 1e6)), round(int(r["p50_us"]) / 1e3, 2),
    round(int(r["p90_us"]) / 1e3, 2), round(int(r["p99_us"]) / 1e3, 2), round(int(r["max_us"]) / 1e3, 1), non2xx, sock,
    round((s1 - s0) / runs, 2) if runs else "-", int(runs), int(ok1 - ok0), int(bad1 - bad0), round(cpu_us),
    round(100 * (t1 - t0) / hz / (us / 1e6)), round(100 * wrk_ticks / hz / (us / 1e6)))))
PY
    tail -1 "$results" | awk -F'\t' '{printf "round %s %-14s %6s req/s  p50 %6s ms  p99 %7s ms  avg batch %5s rows  non-2xx %s  node CPU %s us/req (%s%% of a core, wrk %s%%)\n", $1, $2, $5, $6, $8, $12, $10, $16, $17, $18}' >&2
  done
done

# ------------------------------------------------------------------ where the node's time goes (optional)
if [ "$PROFILE" = 1 ]; then
  jcmd "$node_pid" Thread.print > "$out/threads-dump.txt" 2>&1 || true
  # JFR's first recording in a process loads and compiles JFR's own code: a throwaway one under load first
  jcmd "$node_pid" JFR.start name=warm settings=profile > /dev/null
  load "${deployments[0]}" 5 jfr-warmup
  jcmd "$node_pid" JFR.stop name=warm > /dev/null
  for d in "${deployments[@]}"; do
    jcmd "$node_pid" JFR.start name=bench settings=profile filename="$out/node-$d.jfr" > /dev/null
    t0=$(node_cpu_ticks)
    load "$d" "$DURATION" profile
    t1=$(node_cpu_ticks)
    jcmd "$node_pid" JFR.stop name=bench > /dev/null
    line="$(grep '^RESULT' "$out/wrk-profile-$d.txt" || true)"
    requests="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<< "$line")"
    cpu="$(python3 -c "print(round(($t1 - $t0) / $(getconf CLK_TCK) * 1e6 / max(1, ${requests:-0})))")"
    java -cp bench/target/classes io.inferbus.bench.jfr.JfrSummary "$out/node-$d.jfr" --top 30 \
      --cpu-us-per-request "$cpu" > "$out/profile-$d.txt" 2>&1 || true
    echo "profiled $d under JFR: $requests requests, node CPU $cpu us/req -> $out/profile-$d.txt" >&2
  done
fi

# ------------------------------------------------------------------ summary
curl -sf --max-time 10 "$metrics_url" | grep -E '^inferbus_instance_(batch_rows|requests_total|runs_total)' > "$out/metrics-final.txt" || true
python3 - "$results" <<'PY' | tee "$out/summary.txt"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault(r["deployment"], []).append(r)
def mean(rs, k):
    vals = [float(r[k]) for r in rs if r[k] not in ("-", "")]
    return sum(vals) / len(vals) if vals else float("nan")
base = by.get("nobatch")
print("deployment      req/s    p50 ms   p99 ms  avg batch rows  node CPU us/req  non-2xx  x throughput  x p50  x p99  (mean of %d rounds)" % len(base))
for d, rs in by.items():
    t, p50, p99 = mean(rs, "req_per_s"), mean(rs, "p50_ms"), mean(rs, "p99_ms")
    print("%-14s %7.0f %9.2f %8.2f %15.2f %16.0f %8d %13.2f %6.2f %6.2f" % (d, t, p50, p99, mean(rs, "avg_batch_rows"),
        mean(rs, "node_cpu_us_per_req"), sum(int(r["non_2xx"]) + int(r["socket_errors"]) for r in rs),
        t / mean(base, "req_per_s"), p50 / mean(base, "p50_ms"), p99 / mean(base, "p99_ms")))
PY
echo "results in $out" >&2
