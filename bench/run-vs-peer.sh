#!/usr/bin/env bash
# Benchmark C (issues 6 and 13): the full stack against a hand-rolled Node peer and against the
# gateway's own ceiling, in interleaved rounds. One node (`./inferbus start`, this checkout's jar) and
# the peer (bench/peer/server.js) run side by side; only one of them is loaded at a time.
#
# Configurations, in the order every round runs them (wrk -t1 -cCONNECTIONS, closed loop):
#   peer        the Node peer: http + onnxruntime-node, plain HTTP, no auth    POST /score
#   stack       the example's settings: endpoint credit, deployment blue, key auth,
#               max_concurrent_requests_per_instance 1                          POST /endpoints/credit/score
#   stack-mc64  the same deployment spec with max_concurrent_requests_per_instance 64 (endpoint credit64)
#   jwt         an aml_token endpoint (creditjwt): a scoring JWT from get-credentials, verified once and
#               then served from the gateway's cache
#   binary      the same 4 rows as a V2 binary tensor body (Inference-Header-Content-Length), binary
#               answer                                               POST /v2/models/credit/versions/blue/infer
#   ceiling     the gateway's no-op route over HTTPS (no auth, event bus or model)  GET /v2/health/live
# then an open-loop phase at half the median throughput of `stack` (bench's OpenLoop generator:
# requests on a fixed schedule, latency from each request's intended send time, so without
# coordinated omission):
#   open-peer, open-stack
# Each configuration is warmed up for WARMUP seconds before the first round; then ROUNDS rounds of
# DURATION seconds each (peer stack stack-mc64 jwt binary ceiling, peer stack ...), then ROUNDS rounds
# of the open-loop pair. Prints per configuration the median and the spread (min-max) of throughput,
# p50 and p99, and the ratios of medians; every round's numbers are in OUT/rounds.tsv, every load's
# output in OUT/round-<n>-<config>.txt (bench/interleaved_rounds.py does the rounds and the statistics).
#
#   bench/run-vs-peer.sh            # ~17 minutes with the defaults below
#   ROUNDS=5 WARMUP=30 DURATION=15 CONNECTIONS=16 OPEN_LEAD_IN=5 OUT=dir bench/run-vs-peer.sh
#   CONFIGS="peer stack ceiling" OPEN="" bench/run-vs-peer.sh     # a subset; OPEN="" skips the open loop
#   NODE_ARGS="--event-loops 1" bench/run-vs-peer.sh              # extra options for ./inferbus start
#   MVN_ARGS=-o bench/run-vs-peer.sh                              # offline build of bench
#
# Loopback only; the node and the peer it starts are stopped on exit. Needs wrk (apt-get install
# wrk), node and npm (onnxruntime-node is installed into bench/peer with --ignore-scripts), Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
ROUNDS="${ROUNDS:-5}"
WARMUP="${WARMUP:-30}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
OPEN_LEAD_IN="${OPEN_LEAD_IN:-5}"
CONFIGS="${CONFIGS:-peer stack stack-mc64 jwt binary ceiling}"
OPEN="${OPEN-open-peer open-stack}"
out="${OUT:-$root/bench/target/vs-peer-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
for tool in wrk node mvn java python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (wrk: apt-get install wrk)" >&2; exit 1; }
done
wants() { case " $CONFIGS $OPEN " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if [ -n "$OPEN" ] && ! wants stack; then
  echo "the open loop runs at half of stack's throughput: CONFIGS must hold stack" >&2
  exit 2
fi
unset BENCH_BODY BENCH_KEY BENCH_DEPLOYMENT BENCH_CONTENT_TYPE BENCH_HEADER_LENGTH

work="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-vs-peer.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
peer_pid=""
cleanup() {
  if [ -n "$peer_pid" ] && kill -0 "$peer_pid" 2>/dev/null; then
    kill -TERM "$peer_pid" 2>/dev/null || true
  fi
  stop_node
  cp "$work/peer.log" "$out/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------------------------------ the open-loop generator (bench)
if [ -n "$OPEN" ]; then
  echo "building bench (log: $out/build.log)" >&2
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_ARGS:-} -Dstyle.color=never package dependency:build-classpath -pl bench -am -DskipTests \
    -Dmdep.includeScope=runtime -Dmdep.outputFile=target/classpath.txt > "$out/build.log" 2>&1 ||
    { tail -40 "$out/build.log" >&2; exit 1; }
  # a copy of bench's jar, so that a rebuild during the run cannot change the generator under it. The
  # generator's JVM: C1 only and the serial collector on a small pre-touched heap, so that it is warm
  # within its lead-in and takes less of the cores it shares with the servers (its CPU goes to system
  # calls and thread wake-ups, not to compiled code)
  cp bench/target/bench-*.jar "$work/bench.jar"
  printf -- '-XX:TieredStopAtLevel=1\n-XX:+UseSerialGC\n-Xms128m\n-Xmx128m\n-XX:+AlwaysPreTouch\n-cp\n"%s:%s"\n' \
    "$work/bench.jar" "$(cat bench/target/classpath.txt)" > "$work/java-args.txt"
fi

# ------------------------------------------------------------------ the peer
(cd bench/peer && [ -d node_modules/onnxruntime-node ] || npm install --ignore-scripts --no-audit --no-fund \
  > "$out/npm.log" 2>&1)
peer_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
node bench/peer/server.js "$peer_port" > "$work/peer.log" 2>&1 &
peer_pid=$!
wait_for 30 "the peer" curl -sf --max-time 5 -d @examples/credit-scoring/sample-request.json \
  "http://127.0.0.1:$peer_port/score"

# ------------------------------------------------------------------ the node and its endpoints
echo "starting the node (log: $out/node.log)" >&2
# shellcheck disable=SC2086
start_node ${NODE_ARGS:-}
key="$(endpoint_key credit)"
export INFERBUS_CONFIG="$work/data/client.json"
if wants stack-mc64; then
  ./inferbus online-endpoint create --name credit64 -o none
  ./inferbus online-deployment create --name blue --endpoint credit64 --file examples/credit-scoring/blue-deployment.yml \
    --set request_settings.max_concurrent_requests_per_instance=64 --all-traffic -o none
  key64="$(./inferbus online-endpoint get-credentials --name credit64 --query primaryKey -o tsv)"
fi
if wants jwt; then
  ./inferbus online-endpoint create --name creditjwt --auth-mode aml_token -o none
  ./inferbus online-deployment create --name blue --endpoint creditjwt --file examples/credit-scoring/blue-deployment.yml \
    --all-traffic -o none
  # valid for an hour: enough for a run of the defaults (the gateway verifies it once, then caches it)
  jwt="$(./inferbus online-endpoint get-credentials --name creditjwt --query accessToken -o tsv)"
fi
unset INFERBUS_CONFIG

# the example's 4 rows as a binary FP32 tensor after a JSON header; the answer binary too (docs/scoring.md)
header_length="$(python3 - examples/credit-scoring/sample-request.json "$work/binary-request.bin" <<'PY'
import json, struct, sys
rows = json.load(open(sys.argv[1]))["input_data"]
data = b"".join(struct.pack(f"<{len(r)}f", *r) for r in rows)
head = json.dumps({"inputs": [{"name": "features", "datatype": "FP32", "shape": [len(rows), len(rows[0])],
                               "parameters": {"binary_data_size": len(data)}}],
                   "parameters": {"binary_data_output": True}}).encode()
open(sys.argv[2], "wb").write(head + data)
print(len(head))
PY
)"

# ------------------------------------------------------------------ the configurations
gateway="https://127.0.0.1:$gateway_port"
body="$root/examples/credit-scoring/sample-request.json"
wrk_cmd=(wrk -t1 -c"$CONNECTIONS" "-d{seconds}s" --latency -s "$root/bench/scoring.lua")
open_cmd=(java @"$work/java-args.txt" io.inferbus.bench.load.OpenLoop --rate "{rate}" --seconds "{seconds}"
  --lead-in "$OPEN_LEAD_IN" --connections "$CONNECTIONS" --ca "$ca" --body "$body"
  --header "Content-Type: application/json")
mkdir -p "$work/argv" "$work/check"
to_json() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@"; }
config() { # name curl-args... -- argv...: one request that must answer 200 first, and the load to run
  local name=$1; shift
  local check=()
  while [ "$1" != -- ]; do check+=("$1"); shift; done
  shift
  to_json "${check[@]}" > "$work/check/$name.json"
  to_json "$@" > "$work/argv/$name.json"
}
config peer -d @"$body" "http://127.0.0.1:$peer_port/score" -- \
  env BENCH_BODY="$body" "${wrk_cmd[@]}" "http://127.0.0.1:$peer_port/score"
config stack -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d @"$body" "$gateway/endpoints/credit/score" -- \
  env BENCH_BODY="$body" BENCH_KEY="$key" BENCH_DEPLOYMENT=blue "${wrk_cmd[@]}" "$gateway/endpoints/credit/score"
if wants stack-mc64; then
  config stack-mc64 -H "Authorization: Bearer $key64" -H 'Content-Type: application/json' -d @"$body" \
    "$gateway/endpoints/credit64/score" -- \
    env BENCH_BODY="$body" BENCH_KEY="$key64" BENCH_DEPLOYMENT=blue "${wrk_cmd[@]}" "$gateway/endpoints/credit64/score"
fi
if wants jwt; then
  config jwt -H "Authorization: Bearer $jwt" -H 'Content-Type: application/json' -d @"$body" \
    "$gateway/endpoints/creditjwt/score" -- \
    env BENCH_BODY="$body" BENCH_KEY="$jwt" BENCH_DEPLOYMENT=blue "${wrk_cmd[@]}" "$gateway/endpoints/creditjwt/score"
fi
config binary -H "Authorization: Bearer $key" -H 'Content-Type: application/octet-stream' \
  -H "Inference-Header-Content-Length: $header_length" --data-binary @"$work/binary-request.bin" \
  "$gateway/v2/models/credit/versions/blue/infer" -- \
  env BENCH_BODY="$work/binary-request.bin" BENCH_CONTENT_TYPE=application/octet-stream \
  BENCH_HEADER_LENGTH="$header_length" BENCH_KEY="$key" "${wrk_cmd[@]}" "$gateway/v2/models/credit/versions/blue/infer"
config ceiling "$gateway/v2/health/live" -- "${wrk_cmd[@]}" "$gateway/v2/health/live"
config open-peer -d @"$body" "http://127.0.0.1:$peer_port/score" -- \
  "${open_cmd[@]}" --url "http://127.0.0.1:$peer_port/score"
config open-stack -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d @"$body" \
  "$gateway/endpoints/credit/score" -- \
  "${open_cmd[@]}" --header "Authorization: Bearer $key" --header "azureml-model-deployment: blue" \
  --url "$gateway/endpoints/credit/score"

# every configuration answers 200 once before anything is measured
for name in $CONFIGS $OPEN; do
  [ -f "$work/argv/$name.json" ] || { echo "unknown configuration $name" >&2; exit 2; }
  mapfile -t check < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))))' \
    "$work/check/$name.json")
  status="$(curl -s -o "$work/check-$name.out" -w '%{http_code}' --max-time 10 --cacert "$ca" "${check[@]}")"
  [ "$status" = 200 ] || { echo "$name answered $status: $(head -c 300 "$work/check-$name.out")" >&2; exit 1; }
done

# ------------------------------------------------------------------ the rounds
title="vs-peer: wrk -t1 -c$CONNECTIONS, ${WARMUP}s warm-up per configuration, ${DURATION}s rounds;"
[ -z "$OPEN" ] || title+=" open loop: $CONNECTIONS connections, ${OPEN_LEAD_IN}s lead-in;"
title+=" $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); node options: ${NODE_ARGS:-none}"
CONFIGS="$CONFIGS" OPEN="$OPEN" ROUNDS="$ROUNDS" WARMUP="$WARMUP" DURATION="$DURATION" TITLE="$title" \
  python3 - "$work" <<'PY'
import json, os, sys
work, env = sys.argv[1], os.environ
def configs(names):
    return [{"name": n, "argv": json.load(open(f"{work}/argv/{n}.json"))} for n in names.split()]
phases = [{"rounds": int(env["ROUNDS"]), "warmup": int(env["WARMUP"]), "duration": int(env["DURATION"]),
           "pause": 1, "configs": configs(env["CONFIGS"])}]
if env["OPEN"].split():
    phases.append({"rounds": int(env["ROUNDS"]), "warmup": 0, "duration": int(env["DURATION"]), "pause": 1,
                   "rate": {"of": "stack", "fraction": 0.5}, "configs": configs(env["OPEN"])})
ratios = [["stack", "peer"], ["stack", "ceiling"], ["stack-mc64", "peer"], ["stack-mc64", "stack"],
          ["jwt", "stack"], ["binary", "stack"]]
json.dump({"title": env["TITLE"], "phases": phases, "ratios": ratios}, open(f"{work}/plan.json", "w"), indent=1)
PY
python3 bench/interleaved_rounds.py run "$work/plan.json" "$out"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"
echo "results in $out" >&2
