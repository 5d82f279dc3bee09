#!/usr/bin/env bash
# What the event bus's TLS costs (issue 12's measurement): scoring through a gateway whose
# deployment runs on another node, so every request and answer crosses the clustered event bus
# between two JVMs. Two clusters are started side by side, each a control-plane+gateway node and a
# deployment node joined with the founder's join.json: one as shipped (event bus over mutual TLS),
# one with -Dinferbus.eventbus.tls=false (plain TCP; a switch for this measurement only). Both get
# the example model as deployment "blue" of endpoint "credit" (placed on the deployment node: the
# founder has no deployment role), are warmed for WARMUP seconds each, then measured in ROUNDS
# interleaved rounds (tls plain tls plain ...; the other cluster idle) of DURATION seconds with
# wrk -t1 -cCONNECTIONS. Prints each side's median and spread of throughput, p50 and p99, and the
# ratio of the medians.
#
#   bench/run-event-bus-tls.sh     # ~5 minutes; ROUNDS=5 WARMUP=30 DURATION=15 CONNECTIONS=16 OUT=dir
#
# Loopback only; every node is stopped on exit. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
ROUNDS="${ROUNDS:-5}"
WARMUP="${WARMUP:-30}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
out="${OUT:-$root/bench/target/event-bus-tls-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
base="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-event-bus-tls.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  cp "$base"/*.log "$out/" 2>/dev/null || true
  rm -rf "$base"
}
trap cleanup EXIT

declare -A port key
for side in tls plain; do
  opts=""
  [ "$side" = plain ] && opts="-Dinferbus.eventbus.tls=false"
  work="$base/$side"
  mkdir -p "$work"
  INFERBUS_JAVA_OPTS="$opts" ./inferbus node --roles control-plane,gateway --data-dir "$work/control" \
    --gateway-port 0 --control-port 0 --management-port 0 > "$base/$side-control.log" 2>&1 &
  pids+=($!)
  node_pid="${pids[-1]}"
  wait_for 600 "the $side control node" test -s "$work/control/ports.json"
  INFERBUS_JAVA_OPTS="$opts" ./inferbus node --roles deployment --join "$work/control/join.json" \
    --data-dir "$work/deployment" --management-port 0 > "$base/$side-deployment.log" 2>&1 &
  pids+=($!)
  node_pid="${pids[-1]}"
  wait_for 120 "the $side deployment node" test -s "$work/deployment/ports.json"
  node_pid=""
  export INFERBUS_CONFIG="$work/control/client.json"
  ./inferbus online-endpoint create --name credit -o none
  ./inferbus online-deployment create --name blue --endpoint credit \
    --file examples/credit-scoring/blue-deployment.yml --all-traffic -o none
  node="$(./inferbus online-deployment show --name blue --endpoint credit --query "instances[0].node" -o tsv)"
  [ "$node" = "$(json "$work/deployment/ports.json" "['node_id']")" ] ||
    { echo "blue is not on the deployment node ($node)" >&2; exit 1; }
  key[$side]="$(./inferbus online-endpoint get-credentials --name credit --query primaryKey -o tsv)"
  port[$side]="$(json "$work/control/ports.json" "['gateway']")"
  unset INFERBUS_CONFIG
done

load() { # side seconds file
  BENCH_BODY="$root/examples/credit-scoring/sample-request.json" BENCH_KEY="${key[$1]}" BENCH_DEPLOYMENT=blue \
    wrk -t1 -c"$CONNECTIONS" -d"$2s" --latency -s bench/scoring.lua \
    "https://127.0.0.1:${port[$1]}/endpoints/credit/score" > "$3" 2>&1
}
for side in tls plain; do
  echo "== warm-up $side ${WARMUP}s" >&2
  load "$side" "$WARMUP" "$out/warmup-$side.txt"
done
for round in $(seq 1 "$ROUNDS"); do
  for side in tls plain; do
    echo "== round $round: $side ${DURATION}s" >&2
    load "$side" "$DURATION" "$out/round-$round-$side.txt"
  done
done

python3 bench/interleaved_rounds.py "$out" "$ROUNDS" "event bus" tls plain | tee "$out/summary.txt"
