#!/usr/bin/env bash
# Benchmark H: what many small deployments cost ONE node (BENCHMARKS.md H). One node (`./inferbus
# start`, the embedded default, in a scratch data directory on free ports); then, step by step, up to
# DEPLOYMENTS one-instance deployments of the example model (german-credit-bad-risk:1, which the node
# registers at its first start; registered again here, the same bytes), PER_ENDPOINT to an endpoint
# (many-001/d01 ... many-100/d10 for 1000), created through the management API PARALLEL calls at a
# time. For the node before any deployment of ours (baseline: the example endpoint's one instance)
# and after each step of STEPS once every deployment is Succeeded with its instance Ready, it records:
#   - the step's time from its first create call to all its deployments Ready (GET /nodes once a
#     second, then every endpoint's deployment list; a deadline, no fixed sleeps), and the create calls'
#     own time and latency;
#   - with the node idle (SETTLE seconds after the last instance came up): the JVM's RSS (VmRSS) and
#     threads (/proc/PID/status), threads by name (/proc/PID/task/*/comm, numbers and instance ids
#     folded), idle CPU over IDLE_SECONDS (utime+stime of /proc/PID/stat, % of one core) and which
#     thread groups spent it, heap used (jcmd GC.heap_info) and live after jcmd GC.run, the threads
#     the JVM knows (jcmd Thread.print: the rest are native, such as ONNX Runtime's);
#   - a scoring request to the step's first and last deployment (azureml-model-deployment), which must
#     answer 200.
# Prints the table (OUT/summary.txt); every measurement in OUT/results.jsonl, every step's timings in
# OUT/steps.jsonl, the ready count once a second in OUT/progress.tsv, the node's log in OUT/node.log.
#
#   bench/run-many-deployments.sh                              # 1000 deployments, measured at 1000
#   STEPS="200 1000" bench/run-many-deployments.sh             # measured at 200 and at 1000 (~5 min)
#   MAX_CONCURRENT=64 STEPS="50 100 200" bench/run-many-deployments.sh      # ~5 min; 12,900 threads at 200
#
# Idle CPU right after a busy step can include work the node queued meanwhile (BENCHMARKS.md H: the
# readiness check); SETTLE=90 compares steady states.
#
# Environment (optional):
#   DEPLOYMENTS=1000   the last step when STEPS is not given
#   STEPS="$DEPLOYMENTS"  counts of deployments to measure at, ascending
#   MAX_CONCURRENT=1   request_settings.max_concurrent_requests_per_instance of every deployment
#   PER_ENDPOINT=10    deployments per endpoint
#   PARALLEL=4         create calls at a time
#   IDLE_SECONDS=30    the idle CPU window
#   SETTLE=10          seconds the node is left alone before each measurement (JIT, last log lines)
#   READY_TIMEOUT=1800 seconds a step may take to be all Ready; then the run stops with what it has
#   NODE_ARGS=...      extra options for ./inferbus start; INFERBUS_JAVA_OPTS passes through
#   MVN_ARGS=-o        build the node's jar first with these Maven options (else ./inferbus builds it
#                      when it is missing or stale, online)
#   OUT=dir            where results go (default: a new temporary directory)
#   THREAD_GUARD=on    before a step, stop the run if its instances' threads (new instances x
#                      THREADS_PER_INSTANCE) would take over 60 % of the task ids the machine has left
#                      (pid_max): on a shared machine that would break every process. off: no check.
#   THREADS_PER_INSTANCE=1  what the guard assumes an instance adds: at most 1 since instances share the
#                      node's runner threads; a build from before that (main before ad43070) started
#                      MAX_CONCURRENT threads an instance: give THREADS_PER_INSTANCE=$MAX_CONCURRENT
#
# Loopback only; the node is stopped on exit (SIGTERM, SIGKILL after 30 s) and its data deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
DEPLOYMENTS="${DEPLOYMENTS:-1000}"
STEPS="${STEPS:-$DEPLOYMENTS}"
MAX_CONCURRENT="${MAX_CONCURRENT:-1}"
PER_ENDPOINT="${PER_ENDPOINT:-10}"
PARALLEL="${PARALLEL:-4}"
IDLE_SECONDS="${IDLE_SECONDS:-30}"
SETTLE="${SETTLE:-10}"
READY_TIMEOUT="${READY_TIMEOUT:-1800}"
THREAD_GUARD="${THREAD_GUARD:-on}"
THREADS_PER_INSTANCE="${THREADS_PER_INSTANCE:-1}"
for tool in java jcmd python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
previous=0
for s in $STEPS; do
  case "$s" in '' | *[!0-9]*) echo "STEPS must be counts of deployments: $STEPS" >&2; exit 2 ;; esac
  [ "$s" -gt "$previous" ] || { echo "STEPS must ascend: $STEPS" >&2; exit 2; }
  previous=$s
done
[ $((PER_ENDPOINT)) -ge 1 ] && [ $((previous / PER_ENDPOINT)) -lt 999 ] ||
  { echo "at most 999 endpoints (PER_ENDPOINT=$PER_ENDPOINT)" >&2; exit 2; }
out="${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/inferbus-many-deployments-results.XXXXXX")}"
mkdir -p "$out"

work="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-many-deployments.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
cleanup() {
  stop_node
  rm -rf "$work"
}
trap cleanup EXIT
helper=(python3 "$root/bench/many_deployments.py")

if [ -n "${MVN_ARGS:-}" ]; then
  echo "building the node's jar (log: $out/build.log)" >&2
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_ARGS} -Dstyle.color=never -DskipTests -Dmaven.test.skip=true package > "$out/build.log" 2>&1 ||
    { tail -40 "$out/build.log" >&2; exit 1; }
fi

echo "starting the node (log: $out/node.log)" >&2
# shellcheck disable=SC2086
start_node ${NODE_ARGS:-}
export INFERBUS_TOKEN="$token" # the helper reads the admin token from here, not from its command line
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (uncommitted changes)' || true)"
header="many deployments on one node: commit $commit$dirty, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores,"
header+=" $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1);"
header+=" steps: $STEPS; max_concurrent_requests_per_instance $MAX_CONCURRENT; $PER_ENDPOINT per endpoint;"
header+=" $PARALLEL create calls at a time; idle window ${IDLE_SECONDS}s after ${SETTLE}s;"
header+=" node options: ${NODE_ARGS:-none} ${INFERBUS_JAVA_OPTS:-}; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$header" | tee "$out/header.txt" >&2

curl -sS --fail-with-body --max-time 120 --cacert "$ca" -X PUT -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/octet-stream' --data-binary @examples/credit-scoring/model/german-credit-bad-risk.onnx \
  "$cp_url/models/german-credit-bad-risk/versions/1" > "$out/model.json"

measure() { # label deployments [endpoint/deployment ...]: one line of results.jsonl
  local label=$1 n=$2 status=0; shift 2
  local score=()
  for t in "$@"; do score+=(--score "$t"); done
  sleep "$SETTLE" # deliberately idle before measuring idle: not a wait for any state
  "${helper[@]}" measure --cp "$cp_url" --ca "$ca" --pid "$node_pid" --label "$label" --deployments "$n" \
    --idle-seconds "$IDLE_SECONDS" --gateway "https://127.0.0.1:$gateway_port" \
    --body examples/credit-scoring/sample-request.json "${score[@]}" > "$work/measure.json" || status=$?
  cat "$work/measure.json" >> "$out/results.jsonl"
  return "$status"
}
name_of() { # index: endpoint/deployment of deployment number index (0-based), as the helper names them
  python3 -c "import sys; sys.path.insert(0, 'bench'); import many_deployments as m
i, per = int(sys.argv[1]), int(sys.argv[2]); print(m.endpoint_name('many', i, per) + '/' + m.deployment_name(i, per))" "$1" "$PER_ENDPOINT"
}

echo "== baseline: the node before any deployment of ours" >&2
: > "$out/results.jsonl"
: > "$out/steps.jsonl"
printf 'seconds\tcreated\tinstances\tready\n' > "$out/progress.tsv"
measure baseline 0 credit/blue
stopped=""
done_count=0
for step in $STEPS; do
  if [ "$THREAD_GUARD" != off ] &&
    ! reason="$("${helper[@]}" threads-needed --instances $((step - done_count)) --max-concurrent "$THREADS_PER_INSTANCE")"; then
    stopped="stopped before $step deployments: $reason (THREAD_GUARD=off to go on anyway)"
    echo "$stopped" >&2
    break
  fi
  echo "== creating deployments $((done_count + 1))..$step and waiting for them all to be Ready" >&2
  started=$SECONDS
  if ! "${helper[@]}" step --cp "$cp_url" --ca "$ca" --from "$done_count" --to "$step" \
      --per-endpoint "$PER_ENDPOINT" --max-concurrent "$MAX_CONCURRENT" --parallel "$PARALLEL" \
      --timeout "$READY_TIMEOUT" --progress "$out/progress.tsv" > "$work/step.json"; then
    stopped="stopped at $step deployments after $((SECONDS - started)) s: $(cat "$work/step.json")"
    kill -0 "$node_pid" 2>/dev/null || stopped+="; the node exited"
    echo "$stopped" >&2
    break
  fi
  cat "$work/step.json" >> "$out/steps.jsonl"
  echo "   $(cat "$work/step.json")" >&2
  echo "== measuring at $step deployments" >&2
  if ! measure "$step" "$step" "$(name_of "$done_count")" "$(name_of $((step - 1)))"; then
    stopped="at $step deployments a scoring request did not answer 200: $(tail -1 "$out/results.jsonl" | head -c 600)"
    echo "$stopped" >&2
    done_count=$step
    break
  fi
  done_count=$step
done

# the step's timings go beside its measurement, then the table
python3 - "$out/results.jsonl" "$out/steps.jsonl" <<'PY'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = {s["to"]: s for s in (json.loads(l) for l in open(sys.argv[2]) if l.strip())}
for r in records:
    if r["label"] != "baseline":
        r["step"] = steps.get(r["deployments"])
with open(sys.argv[1], "w") as f:
    for r in records:
        f.write(json.dumps(r) + "\n")
PY
stop_started=$SECONDS
stop_node
{
  echo "$header"
  "${helper[@]}" summary "$out/results.jsonl"
  [ -z "$stopped" ] || echo "$stopped"
  echo "node stopped in $((SECONDS - stop_started)) s (SIGTERM; SIGKILL after 30 s); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/summary.txt"
echo "results in $out" >&2
[ -z "$stopped" ]
