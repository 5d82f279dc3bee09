#!/usr/bin/env bash
# Where the full stack's CPU goes (BENCHMARKS.md C, "Where the time goes"): `./inferbus start` under
# wrk -t1 -c16 on the example endpoint, WARMUP seconds of load, then `perf record -a` (every
# process: the node, wrk, the kernel) for SECONDS seconds while the load goes on. The JVM writes a
# perf map at exit, so JIT-compiled Java frames have names.
#
#   bench/run-profile-full-stack.sh         # ~1 minute; WARMUP=20 PROFILE_SECONDS=10 OUT=dir
#
# Prints the share of the 2 cores by thread and library; the perf data stays in OUT for
# `perf report -i OUT/perf.data --comm vert.x-eventloo --sort sym`. Needs perf and wrk. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
WARMUP="${WARMUP:-20}"
PROFILE_SECONDS="${PROFILE_SECONDS:-10}"
out="${OUT:-$root/bench/target/profile-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v perf >/dev/null || { echo "perf is needed (apt-get install linux-perf)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-profile.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
cleanup() {
  stop_node
  rm -rf "$work"
}
trap cleanup EXIT

INFERBUS_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer" start_node
key="$(endpoint_key credit)"
export BENCH_BODY="$root/examples/credit-scoring/sample-request.json" BENCH_KEY="$key" BENCH_DEPLOYMENT=blue
url="https://127.0.0.1:$gateway_port/endpoints/credit/score"

echo "== warm-up ${WARMUP}s" >&2
wrk -t1 -c16 -d"${WARMUP}s" -s bench/scoring.lua "$url" > "$out/warmup.txt" 2>&1 || true
echo "== profiling ${PROFILE_SECONDS}s under load" >&2
wrk -t1 -c16 -d"$((PROFILE_SECONDS + 6))s" -s bench/scoring.lua "$url" > "$out/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 3
perf record -a -g -F 499 -o "$out/perf.data" -- sleep "$PROFILE_SECONDS" > "$out/perf-record.log" 2>&1
wait "$wrk_pid"
stop_node # the JVM writes /tmp/perf-<pid>.map as it exits
grep -E "Requests/sec|Non-2xx" "$out/wrk.txt"
perf report -i "$out/perf.data" --no-children --sort comm,dso -g none --stdio 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | head -25 | tee "$out/by-thread-and-library.txt"
echo "results in $out" >&2
