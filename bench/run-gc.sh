#!/usr/bin/env bash
# G1 against ZGC for the node (BENCHMARKS.md I): two nodes started side by side from the same build,
# one with -XX:+UseG1GC (`g1`, the JVM's default and so what `./inferbus start` runs today) and one
# with -XX:+UseZGC (`zgc`), both with the same heap (HEAP). On Java 17 ZGC is the non-generational
# one: generational ZGC (-XX:+ZGenerational) arrived in JDK 21, so this compares G1 with plain ZGC.
# ZGC on 17 also runs without compressed oops (8-byte references), so the same work allocates more.
# Each node is loaded in turn through the full stack (the example endpoint: HTTPS, key auth, event
# bus, ONNX Runtime) with wrk -t1 -cCONNECTIONS, warmed up (JIT) for WARMUP seconds, then measured
# in ROUNDS interleaved rounds of DURATION seconds (g1 zgc g1 zgc ...; the other node idle).
#
# Per round: req/s, p50 and p99 (wrk); node CPU per request (/proc/<pid>/stat); bytes allocated per
# request, collections, GC pauses (count, total and longest) and ZGC allocation stalls, from a JFR
# recording of the round (bench/window.jfc; why JFR and not /metrics: bench/node_measure.py); the
# node's RSS and PSS right after the round (RSS counts ZGC's heap three times: on 17 ZGC maps it at
# three addresses; PSS counts it once); and, to compare, the same from the node's /metrics
# (jvm_gc_memory_allocated_bytes_total, jvm_gc_pause_seconds_count/_sum; `metrics_*` rows). The
# summary gives each side's median and spread (min-max) of every number and the ratio zgc/g1 of the
# medians.
#
#   bench/run-gc.sh             # ~6 minutes; ROUNDS=5 WARMUP=20 DURATION=15 CONNECTIONS=16 OUT=dir
#   HEAP="-Xms1g -Xmx1g" bench/run-gc.sh         # the heap of both nodes (default -Xms512m -Xmx512m)
#   HEAP=none bench/run-gc.sh   # no heap options: the launcher's default, the JVM's ergonomics
#                               # (initial 1/64 and maximum 1/4 of the machine's memory)
#   JAVA_OPTS="-XX:ParallelGCThreads=1" NODE_ARGS="--event-loops 1" bench/run-gc.sh   # for both nodes
#
# Each node also writes its GC log (-Xlog:gc) and every round's recording to OUT. Loopback only; both
# nodes are stopped on exit. Needs wrk (apt-get install wrk) and the JDK's jcmd and jfr.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
ROUNDS="${ROUNDS:-5}"
WARMUP="${WARMUP:-20}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
HEAP="${HEAP:--Xms512m -Xmx512m}"
[ "$HEAP" = none ] && HEAP=""
out="${OUT:-$root/bench/target/gc-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

base="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-gc.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
jcmd="$(jdk_tool jcmd)"
jfr="$(jdk_tool jfr)"
[ -x "$jcmd" ] && [ -x "$jfr" ] || { echo "needs the JDK's jcmd and jfr beside java ($jcmd)" >&2; exit 1; }
declare -A pid port mport key
sides="g1 zgc"
results="$out"
cleanup() {
  for side in $sides; do
    if [ -n "${pid[$side]:-}" ]; then
      node_pid="${pid[$side]}"
      work="$base/$side"
      out="$results/$side" # stop_node keeps the node's log there
      stop_node
    fi
  done
  rm -rf "$base"
}
trap cleanup EXIT

for side in $sides; do
  work="$base/$side"
  mkdir -p "$work" "$out/$side"
  collector="-XX:+UseG1GC"
  [ "$side" = zgc ] && collector="-XX:+UseZGC"
  # shellcheck disable=SC2086
  INFERBUS_JAVA_OPTS="$collector $HEAP -Xlog:gc:file=$out/$side/gc.log:uptime ${JAVA_OPTS:-}" \
    start_node ${NODE_ARGS:-}
  pid[$side]="$node_pid"
  port[$side]="$gateway_port"
  mport[$side]="$management_port"
  key[$side]="$(endpoint_key credit)"
  node_pid=""
  "$jcmd" "${pid[$side]}" VM.flags > "$out/$side/vm-flags.txt"
  grep -q -- "$collector" "$out/$side/vm-flags.txt" || { echo "$side: not running $collector" >&2; exit 1; }
  echo "$side: $(grep -oE -- '-XX:(MaxHeapSize|InitialHeapSize)=[0-9]+' "$out/$side/vm-flags.txt" | tr '\n' ' ')" >&2
done

cpu_ticks() { # pid: user+system clock ticks of the process so far
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
load() { # side seconds file: wrk's output, then the round's METRIC lines
  local p="${pid[$1]}" before after rss pss
  scrape_metrics "${mport[$1]}" "$3.before.prom"
  "$jcmd" "$p" JFR.start name=bench-round settings="$root/bench/window.jfc" > "$3.jcmd.log"
  before="$(cpu_ticks "$p")"
  BENCH_BODY="$root/examples/credit-scoring/sample-request.json" BENCH_KEY="${key[$1]}" BENCH_DEPLOYMENT=blue \
    wrk -t1 -c"$CONNECTIONS" -d"$2s" --latency -s bench/scoring.lua \
    "https://127.0.0.1:${port[$1]}/endpoints/credit/score" > "$3" 2>&1
  after="$(cpu_ticks "$p")"
  rss="$(awk '/^Rss:/ { print $2 }' "/proc/$p/smaps_rollup")"
  pss="$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")"
  "$jcmd" "$p" JFR.stop name=bench-round filename="$3.jfr" >> "$3.jcmd.log"
  scrape_metrics "${mport[$1]}" "$3.after.prom"
  python3 bench/node_measure.py round "$3" --jfr "$3.jfr" --jfr-tool "$jfr" --before "$3.before.prom" \
    --after "$3.after.prom" --cpu-ticks "$((after - before))" --hz "$(getconf CLK_TCK)" --rss-kb "$rss" \
    --pss-kb "$pss" > "$3.metrics"
  cat "$3.metrics" >> "$3"
}

# the warm-up measures too (and is not summarized): a node's first JFR recording sets JFR up
for side in $sides; do
  echo "== warm-up $side ${WARMUP}s" >&2
  load "$side" "$WARMUP" "$out/warmup-$side.txt"
done
for round in $(seq 1 "$ROUNDS"); do
  for side in $sides; do
    echo "== round $round: $side ${DURATION}s" >&2
    load "$side" "$DURATION" "$out/round-$round-$side.txt"
  done
done

heap="${HEAP:-no options (the JVM default)}"
{
  echo "G1 vs ZGC (non-generational on Java 17), heap: $heap; full stack, wrk -t1 -c$CONNECTIONS"
  python3 bench/interleaved_rounds.py metrics "$out" "$ROUNDS" g1 zgc
} | tee "$out/summary.txt"
echo "results in $out" >&2
