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
node_pid=""
cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  cp "$work/node.log" "$out/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }

INFERBUS_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer" \
  ./inferbus start --data-dir "$work/data" --gateway-port 0 --control-port 0 --management-port 0 \
  > "$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 600); do [ -s "$work/data/ports.json" ] && break; sleep 1; done
gateway_port="$(json "$work/data/ports.json" "['gateway']")"
management_port="$(json "$work/data/ports.json" "['management']")"
cp_url="$(json "$work/data/client.json" "['control_plane_url']")"
ca="$(json "$work/data/client.json" "['ca_file']")"
token="$(json "$work/data/client.json" "['token']")"
for _ in $(seq 1 120); do curl -sf --max-time 5 "http://127.0.0.1:$management_port/health/ready" >/dev/null && break; sleep 1; done
key="$(curl -sS --fail --cacert "$ca" -X POST -H "Authorization: Bearer $token" "$cp_url/endpoints/credit/keys" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['primaryKey'])")"
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
kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null || true # writes /tmp/perf-<pid>.map
node_pid=""
grep -E "Requests/sec|Non-2xx" "$out/wrk.txt"
perf report -i "$out/perf.data" --no-children --sort comm,dso -g none --stdio 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | head -25 | tee "$out/by-thread-and-library.txt"
echo "results in $out" >&2
