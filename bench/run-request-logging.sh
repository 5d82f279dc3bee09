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

python3 - "$out" "$ROUNDS" "$answered" "$lines" "$dropped" <<'PY' | tee "$out/summary.txt"
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def result(path):
    text = open(path).read()
    m = re.search(r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p90_us=(\d+) p99_us=(\d+)", text)
    bad = re.findall(r"status_(?!200)\d+=\d+", text)
    if bad:
        sys.exit(f"{path}: non-200 answers {bad}")
    n, us, p50, p90, p99 = map(int, m.groups())
    return n / (us / 1e6), p50 / 1000, p99 / 1000
rows = {}
for side in ("on", "off"):
    rows[side] = [result(f"{out}/round-{r}-{side}.txt") for r in range(1, rounds + 1)]
def fmt(values, unit, digits):
    return (f"{statistics.median(values):.{digits}f} {unit} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")
print(f"{rounds} interleaved rounds per side (on off on off ...), medians (min-max)")
for side in ("on", "off"):
    rps = [r[0] for r in rows[side]]
    print(f"request logging {side:3s}  {fmt(rps, 'req/s', 0):28s} p50 {fmt([r[1] for r in rows[side]], 'ms', 2):22s}"
          f" p99 {fmt([r[2] for r in rows[side]], 'ms', 2)}")
on = statistics.median(r[0] for r in rows["on"])
off = statistics.median(r[0] for r in rows["off"])
print(f"on/off throughput ratio of medians: {on / off:.3f} ({(on / off - 1) * 100:+.1f} %)")
print("per round, on/off: " + " ".join(f"{a[0] / b[0]:.3f}" for a, b in zip(rows["on"], rows["off"])))
print(f"traffic-log lines written by the 'on' node: {sys.argv[4]} for {sys.argv[3]} requests answered;"
      f" dropped (queue full): {sys.argv[5] or '?'}")
PY
