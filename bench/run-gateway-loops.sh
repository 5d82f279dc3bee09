#!/usr/bin/env bash
# What serving the gateway port on every event loop gives (BENCHMARKS.md G): two nodes started side
# by side from the same build, both with the node's default event loops (twice the cores), one as
# shipped (one gateway server per loop: `loops`) and one with -Dinferbus.gateway.servers=1 (the
# gateway on one loop, as before: `one`; a switch for this measurement only). Each is loaded through
# two routes, each warmed up (JIT) for WARMUP seconds, then measured in ROUNDS interleaved rounds
# (loops one loops one ...; the other node idle) of DURATION seconds with wrk -t1 -cCONNECTIONS:
#   stack:   the example endpoint scored through the full stack (HTTPS, key auth, event bus, ORT);
#   ceiling: the gateway's no-op route (GET /v2/health/live over HTTPS), the gateway's own ceiling.
# Prints each side's median and spread (min-max) of throughput, p50 and p99, the ratio of the
# medians, and each side's node CPU per request (median over the rounds, from /proc/<pid>/stat).
#
#   bench/run-gateway-loops.sh       # ~7 minutes; ROUNDS=5 WARMUP=20 DURATION=15 CONNECTIONS=16 OUT=dir
#   ROUTES=ceiling bench/run-gateway-loops.sh                  # one of the two routes
#   NODE_ARGS="--event-loops 8" bench/run-gateway-loops.sh     # extra options for both nodes
#
# On a machine with as few cores as wrk needs, expect little: see BENCHMARKS.md G for what the
# number means and what it does not. Loopback only; both nodes are stopped on exit. Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
ROUNDS="${ROUNDS:-5}"
WARMUP="${WARMUP:-20}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
ROUTES="${ROUTES:-stack ceiling}"
out="${OUT:-$root/bench/target/gateway-loops-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

base="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-gateway-loops.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
declare -A pid port key
results="$out"
cleanup() {
  for side in loops one; do
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

for side in loops one; do
  work="$base/$side"
  mkdir -p "$work"
  opts=""
  [ "$side" = one ] && opts="-Dinferbus.gateway.servers=1"
  # shellcheck disable=SC2086
  INFERBUS_JAVA_OPTS="$opts" start_node ${NODE_ARGS:-}
  pid[$side]="$node_pid"
  port[$side]="$gateway_port"
  key[$side]="$(endpoint_key credit)"
  node_pid=""
done

cpu_ticks() { # pid: user+system clock ticks of the process so far
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
load() { # route side seconds file
  local before after
  before="$(cpu_ticks "${pid[$2]}")"
  if [ "$1" = stack ]; then
    BENCH_BODY="$root/examples/credit-scoring/sample-request.json" BENCH_KEY="${key[$2]}" BENCH_DEPLOYMENT=blue \
      wrk -t1 -c"$CONNECTIONS" -d"$3s" --latency -s bench/scoring.lua \
      "https://127.0.0.1:${port[$2]}/endpoints/credit/score" > "$4" 2>&1
  else
    wrk -t1 -c"$CONNECTIONS" -d"$3s" --latency -s bench/scoring.lua \
      "https://127.0.0.1:${port[$2]}/v2/health/live" > "$4" 2>&1 # without BENCH_BODY: a GET
  fi
  after="$(cpu_ticks "${pid[$2]}")"
  echo "CPU ticks=$((after - before)) hz=$(getconf CLK_TCK)" >> "$4"
}

for route in $ROUTES; do
  mkdir -p "$out/$route"
  for side in loops one; do
    echo "== $route: warm-up $side ${WARMUP}s" >&2
    load "$route" "$side" "$WARMUP" "$out/$route/warmup-$side.txt"
  done
  for round in $(seq 1 "$ROUNDS"); do
    for side in loops one; do
      echo "== $route: round $round: $side ${DURATION}s" >&2
      load "$route" "$side" "$DURATION" "$out/$route/round-$round-$side.txt"
    done
  done
done

for route in $ROUTES; do
  python3 bench/interleaved_rounds.py "$out/$route" "$ROUNDS" "$route" loops one
  python3 - "$out/$route" "$ROUNDS" <<'EOF'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
for side in ("loops", "one"):
    per = []
    for r in range(1, rounds + 1):
        text = open(f"{out}/round-{r}-{side}.txt").read()
        n = int(re.search(r"RESULT requests=(\d+)", text).group(1))
        ticks, hz = map(int, re.search(r"CPU ticks=(\d+) hz=(\d+)", text).groups())
        per.append(ticks / hz * 1e6 / n)
    print(f"node CPU per request, {side}: {statistics.median(per):.1f} us ({min(per):.1f}-{max(per):.1f})")
EOF
done | tee "$out/summary.txt"
