#!/usr/bin/env bash
# Full stack against a hand-rolled Node peer (issue 6's measurement): the example model scored
#   1. by the Node peer: `http` + onnxruntime-node, plain HTTP, no auth (bench/peer/server.js);
#   2. by Inferbus: HTTPS, key auth, routing, event bus, ONNX Runtime (`./inferbus start`);
#   3. by the gateway's own no-op route (GET /v2/health/live over HTTPS): the ceiling.
# wrk -t1 -c16 each, WARMUP seconds of load first (JIT), then DURATION seconds measured.
#
#   bench/run-vs-peer.sh        # ~4 minutes; WARMUP=30 DURATION=30 CONNECTIONS=16 OUT=dir
#   NODE_ARGS="--event-loops 1" bench/run-vs-peer.sh    # extra options for ./inferbus start
#
# Loopback only; the node and the peer it starts are stopped on exit. Needs wrk (apt-get install wrk),
# node and npm (onnxruntime-node is installed into bench/peer with --ignore-scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
WARMUP="${WARMUP:-30}"
DURATION="${DURATION:-30}"
CONNECTIONS="${CONNECTIONS:-16}"
out="${OUT:-$root/bench/target/vs-peer-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v node >/dev/null || { echo "node is needed" >&2; exit 1; }

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

# ------------------------------------------------------------------ the peer
(cd bench/peer && [ -d node_modules/onnxruntime-node ] || npm install --ignore-scripts --no-audit --no-fund \
  > "$out/npm.log" 2>&1)
peer_port=18090
node bench/peer/server.js "$peer_port" > "$work/peer.log" 2>&1 &
peer_pid=$!
wait_for 30 "the peer" curl -sf --max-time 5 -d @examples/credit-scoring/sample-request.json \
  "http://127.0.0.1:$peer_port/score"

# ------------------------------------------------------------------ the node
# shellcheck disable=SC2086
start_node ${NODE_ARGS:-}
key="$(endpoint_key credit)"

# ------------------------------------------------------------------ load
run() { # name url [wrk args...]
  local name=$1 url=$2; shift 2
  echo "== $name: warm-up ${WARMUP}s" >&2
  wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" > "$out/$name-warmup.txt" 2>&1 || true
  echo "== $name: measuring ${DURATION}s" >&2
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" > "$out/$name.txt" 2>&1
}
export BENCH_BODY="$root/examples/credit-scoring/sample-request.json" BENCH_KEY="$key" BENCH_DEPLOYMENT=blue
run peer "http://127.0.0.1:$peer_port/score" -s bench/scoring.lua
run inferbus "https://127.0.0.1:$gateway_port/endpoints/credit/score" -s bench/scoring.lua
run ceiling "https://127.0.0.1:$gateway_port/v2/health/live"

summary() { # name
  python3 - "$out/$1.txt" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def pct(p):
    m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
bad = re.search(r"status_(?!200)\d+=\d+", text)
print(f"{sys.argv[2]:10s} {rps:10.0f} req/s   p50 {pct(50):7.2f} ms   p99 {pct(99):7.2f} ms"
      + ("   NON-200 ANSWERS: " + bad.group(0) if bad else ""))
PY
}
{
  echo "wrk -t1 -c$CONNECTIONS, ${WARMUP}s warm-up, ${DURATION}s measured, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), node options: ${NODE_ARGS:-none}"
  summary peer
  summary inferbus
  summary ceiling
} | tee "$out/summary.txt"
echo "results in $out" >&2
