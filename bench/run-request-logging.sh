#!/usr/bin/env bash
# What the traffic log and the instances' access lines cost (issue 11's measurement): the example
# endpoint scored through the full stack (HTTPS, key auth, event bus, ONNX Runtime) by two nodes
# started side by side, one with `--request-logging on` (the default: a JSON line per request to
# <data-dir>/logs/traffic.log through logback's async appender, an access line per request in the
# deployment logs) and one with `--request-logging off`. Both are warmed up (JIT) for WARMUP
# seconds each, then measured in ROUNDS interleaved rounds (on off on off ...; the other node idle)
# of DURATION seconds with wrk -t1 -cCONNECTIONS. Prints each side's median and spread (min-max)
# of throughput, p50 and p99, and the ratio of the medians; checks that the "on" node really wrote
# one traffic-log line per request it answered.
#
#   bench/run-request-logging.sh     # ~5 minutes; ROUNDS=5 WARMUP=30 DURATION=15 CONNECTIONS=16 OUT=dir
#   NODE_ARGS="--event-loops 1" bench/run-request-logging.sh    # extra options for both nodes
#
# Loopback only; both nodes are stopped on exit. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
ROUNDS="${ROUNDS:-5}"
WARMUP="${WARMUP:-30}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
out="${OUT:-$root/bench/target/request-logging-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

base="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-request-logging.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
declare -A pid port key
results="$out"
cleanup() {
  for side in on off; do
    if [ -n "${pid[$side]:-}" ]; then
      node_pid="${pid[$side]}"
      work="$base/$side"
      out="$results/$side" # stop_node keeps the node's log there
      mkdir -p "$out"
      stop_node
    fi
  done
  rm -rf "$base"
}
trap cleanup EXIT

for side in on off; do
  work="$base/$side"
  mkdir -p "$work"
  # shellcheck disable=SC2086
  start_node --request-logging "$side" ${NODE_ARGS:-}
  pid[$side]="$node_pid"
  port[$side]="$gateway_port"
  key[$side]="$(endpoint_key credit)"
  node_pid=""
done

load() { # side seconds file
  BENCH_BODY="$root/examples/credit-scoring/sample-request.json" BENCH_KEY="${key[$1]}" BENCH_DEPLOYMENT=blue \
    wrk -t1 -c"$CONNECTIONS" -d"$2s" --latency -s bench/scoring.lua \
    "https://127.0.0.1:${port[$1]}/endpoints/credit/score" > "$3" 2>&1
}
for side in on off; do
  echo "== warm-up $side ${WARMUP}s" >&2
  load "$side" "$WARMUP" "$out/warmup-$side.txt"
done
for round in $(seq 1 "$ROUNDS"); do
  for side in on off; do
    echo "== round $round: $side ${DURATION}s" >&2
    load "$side" "$DURATION" "$out/round-$round-$side.txt"
  done
done

# every request the "on" node answered has its line (the appender may still be writing: wait for it)
answered=0
for f in "$out"/warmup-on.txt "$out"/round-*-on.txt; do
  n="$(sed -n 's/.*RESULT requests=\([0-9]*\).*/\1/p' "$f")"
  answered=$((answered + n))
done
lines=0
for _ in $(seq 1 30); do
  lines="$(cat "$base/on/data/logs/"traffic*.log 2>/dev/null | grep -c '"endpoint":"credit"' || true)"
  [ "$lines" -ge "$answered" ] && break
  sleep 1
done
dropped="$(curl -s "http://127.0.0.1:$(json "$base/on/data/ports.json" "['management']")/metrics" \
  | sed -n 's/^inferbus_gateway_traffic_log_dropped_total \(.*\)/\1/p')"

python3 bench/interleaved_rounds.py "$out" "$ROUNDS" "request logging" on off | tee "$out/summary.txt"
echo "traffic-log lines written by the 'on' node: $lines for $answered requests answered; dropped (queue full):" \
  "${dropped:-?}" | tee -a "$out/summary.txt"
