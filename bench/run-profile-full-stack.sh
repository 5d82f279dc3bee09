#!/usr/bin/env bash
# Where the full stack's CPU goes (BENCHMARKS.md C, "Where the time goes"): `./inferbus start` under
# wrk -t1 -c16 on the example endpoint, WARMUP seconds of load, then `perf record -a` (every
# process: the node, wrk, the kernel) for PROFILE_SECONDS seconds while the load goes on. The JVM
# writes a perf map at exit, so JIT-compiled Java frames have names.
#
#   bench/run-profile-full-stack.sh         # ~1 minute; WARMUP=20 PROFILE_SECONDS=10 OUT=dir
#   CHECKOUT=/path/to/other/worktree bench/run-profile-full-stack.sh   # profile that checkout's node
#
# Prints, from the same profile:
#   - the share of the cores by thread and library (perf's names, cut to 15 characters);
#   - CPU microseconds per request by stage: every sample's thread, named by a thread dump of the
#     node (`jcmd Thread.print`: full names, and which threads are ONNX Runtime's, which the JVM does
#     not list), grouped by role (gateway event loops, model runners, Vert.x pools, Hazelcast, GC,
#     JIT, ..., wrk, the rest of the machine), as share x PROFILE_SECONDS x cores / requests, the
#     requests counted by the node's inferbus_gateway_requests_total around the profile;
#   - bytes allocated per request, from a JFR recording around the profile (bench/window.jfc), and
#     what the node's jvm_gc_memory_allocated_bytes_total says for comparison.
# CHECKOUT (default: this checkout) is the tree whose ./inferbus starts the node: it builds that tree
# when its jar is missing or stale, as for this one; the scripts and wrk are this checkout's, so that
# two builds are profiled the same way. The perf data stays in OUT for
# `perf report -i OUT/perf.data --comm vert.x-eventloo --sort sym`. Needs perf, wrk and the JDK's jcmd
# and jfr. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
WARMUP="${WARMUP:-20}"
PROFILE_SECONDS="${PROFILE_SECONDS:-10}"
launcher="$(cd "${CHECKOUT:-$root}" && pwd)/inferbus"
out="${OUT:-$root/bench/target/profile-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v perf >/dev/null || { echo "perf is needed (apt-get install linux-perf)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -x "$launcher" ] || { echo "no $launcher: CHECKOUT must be an Inferbus checkout" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-profile.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
jcmd="$(jdk_tool jcmd)"
jfr="$(jdk_tool jfr)"
wrk_pid=""
cleanup() {
  [ -n "$wrk_pid" ] && kill -INT "$wrk_pid" 2>/dev/null || true
  stop_node
  rm -rf "$work"
}
trap cleanup EXIT

checkout="$(dirname "$launcher")"
echo "== the node from $checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null || echo '?'))" >&2
INFERBUS_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer" start_node
key="$(endpoint_key credit)"
export BENCH_BODY="$root/examples/credit-scoring/sample-request.json" BENCH_KEY="$key" BENCH_DEPLOYMENT=blue
url="https://127.0.0.1:$gateway_port/endpoints/credit/score"

echo "== warm-up ${WARMUP}s" >&2
# a JVM's first JFR recording sets JFR up (classes, compiled code): let that happen in the warm-up
"$jcmd" "$node_pid" JFR.start name=bench-warmup settings="$root/bench/window.jfc" > "$out/jcmd.log"
wrk -t1 -c16 -d"${WARMUP}s" -s bench/scoring.lua "$url" > "$out/warmup.txt" 2>&1 || true
"$jcmd" "$node_pid" JFR.stop name=bench-warmup >> "$out/jcmd.log"
echo "== profiling ${PROFILE_SECONDS}s under load" >&2
# wrk runs until the measurements around the profile are done, then is stopped (SIGINT: it reports)
wrk -t1 -c16 -d"$((PROFILE_SECONDS + 120))s" -s bench/scoring.lua "$url" > "$out/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 3
"$jcmd" "$node_pid" JFR.start name=bench-window settings="$root/bench/window.jfc" >> "$out/jcmd.log"
scrape_metrics "$management_port" "$out/before.prom"
perf record -a -g -F 499 -o "$out/perf.data" -- sleep "$PROFILE_SECONDS" > "$out/perf-record.log" 2>&1
scrape_metrics "$management_port" "$out/after.prom"
"$jcmd" "$node_pid" JFR.stop name=bench-window filename="$out/window.jfr" >> "$out/jcmd.log"
"$jcmd" "$node_pid" Thread.print > "$out/threads.txt" # names the threads the profile saw
kill -INT "$wrk_pid"
wait "$wrk_pid" || true
profiled_wrk="$wrk_pid" profiled_node="$node_pid"
wrk_pid=""
stop_node # the JVM writes /tmp/perf-<pid>.map as it exits
grep -E "Requests/sec|Non-2xx" "$out/wrk.txt"
perf report -i "$out/perf.data" --no-children --sort comm,dso -g none --stdio > "$out/report.txt" 2>/dev/null
# the first 25 lines without a reader that stops early (with pipefail, perf's SIGPIPE failed the script)
awk '!/^#/ && NF && n++ < 25' "$out/report.txt" | tee "$out/by-thread-and-library.txt"
perf script -i "$out/perf.data" -F comm,pid,tid > "$out/samples.txt" 2>/dev/null
python3 bench/node_measure.py stages --perf-script "$out/samples.txt" --threads "$out/threads.txt" \
  --node-pid "$profiled_node" --wrk-pid "$profiled_wrk" --seconds "$PROFILE_SECONDS" --cores "$(nproc)" \
  --before "$out/before.prom" --after "$out/after.prom" --jfr "$out/window.jfr" --jfr-tool "$jfr" \
  --wrk "$out/wrk.txt" | tee "$out/by-stage.txt"
echo "results in $out" >&2
