#!/usr/bin/env bash
# Benchmark A: the deployment side's cost per request on the example model at batch 1 (BENCHMARKS.md).
#
#   bench/run-deployment-cost.sh              # all three parts, ~6 minutes on 2 cores
#   bench/run-deployment-cost.sh jmh          # levels 1-2: JMH, one thread, avgt + -prof gc
#   bench/run-deployment-cost.sh instance     # level 3: a real ModelInstance on the event bus, CPU and bytes/request
#   bench/run-deployment-cost.sh profile      # level 3 under JFR, then where the CPU and the bytes go
#
# Environment (optional): JMH_OPTS (default "-f 1 -wi 4 -w 3 -i 5 -r 2 -prof gc -prof
# io.inferbus.bench.jmh.CpuTimeProfiler", appended after the
# benchmark filter), JMH_FILTER (default DeploymentCostBenchmark), INSTANCE_OPTS (InstancePathBench options,
# default "--requests 100000 --repeats 3 --warmup-seconds 25 --in-flight 1,16"), PROFILE_OPTS (default
# "--profile-seconds 30 --profile-in-flight 16"), OUT (where results go; default bench/target/results-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
what="${1:-all}"
case "$what" in all|jmh|instance|profile) ;; *) echo "usage: $0 [all|jmh|instance|profile]" >&2; exit 2 ;; esac
out="${OUT:-$root/bench/target/results-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "building bench and the modules it uses (log: $out/build.log)" >&2
mvn -B -q -Dstyle.color=never package dependency:build-classpath -pl bench -am -DskipTests \
  -Dmdep.includeScope=runtime -Dmdep.outputFile=target/classpath.txt > "$out/build.log" 2>&1 ||
  { tail -40 "$out/build.log" >&2; exit 1; }

# The run uses copies of this repository's jars, so a rebuild meanwhile cannot change classes under it.
mkdir -p "$work/lib"
cp bench/target/bench-*.jar "$work/lib/"
cp_entries=("$work/lib/$(basename bench/target/bench-*.jar)")
IFS=':' read -r -a deps < bench/target/classpath.txt || true  # no final newline
for jar in "${deps[@]}"; do
  case "$jar" in
    "$root"/*) cp "$jar" "$work/lib/"; cp_entries+=("$work/lib/$(basename "$jar")") ;;
    *) cp_entries+=("$jar") ;;
  esac
done
classpath="$(IFS=':'; echo "${cp_entries[*]}")"

# ONNX Runtime's native libraries, extracted once for every JVM of this run (else each JVM extracts
# 28 MB into the temp dir and leaves it there).
ort_jar="$(tr ':' '\n' < bench/target/classpath.txt | grep '/onnxruntime-[0-9.]*\.jar$')"
mkdir -p "$work/ort"
(cd "$work/ort" && jar xf "$ort_jar" ai/onnxruntime/native/linux-x64/libonnxruntime.so \
  ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so && mv ai/onnxruntime/native/linux-x64/*.so . && rm -r ai)

# ONNX Runtime crashes the JVM when the command line passes ~4 KB: the classpath and flags go through a
# Java argument file. JMH forks inherit these flags; jmh.separateClasspathJAR makes it hand the forks a
# one-entry classpath (a jar whose manifest lists the others) for the same reason.
hazelcast_flags="$(sed -n 's:.*<hazelcast.jvm.flags>\(.*\)</hazelcast.jvm.flags>.*:\1:p' pom.xml)"
{
  printf -- '-cp\n"%s"\n' "$classpath"
  for f in $hazelcast_flags; do printf '%s\n' "$f"; done
  printf -- '-Dinferbus.repo=%s\n' "$root"
  printf -- '-Donnxruntime.native.path=%s\n' "$work/ort"
  printf -- '-Djmh.separateClasspathJAR=true\n'
} > "$work/args.txt"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/machine.txt"

if [ "$what" = all ] || [ "$what" = jmh ]; then
  echo "== levels 1-2: JMH ($out/jmh.txt)" >&2
  # shellcheck disable=SC2086
  java @"$work/args.txt" org.openjdk.jmh.Main "${JMH_FILTER:-DeploymentCostBenchmark}" \
    ${JMH_OPTS:--f 1 -wi 4 -w 3 -i 5 -r 2 -prof gc -prof io.inferbus.bench.jmh.CpuTimeProfiler} -rf json -rff "$out/jmh.json" 2>&1 | tee "$out/jmh.txt" |
    grep -E '^(Benchmark |[A-Za-z]+Benchmark\.|# Run complete)' | grep -v -E ':(gc.count|gc.time|gc.alloc.rate) ' || true
fi

if [ "$what" = all ] || [ "$what" = instance ]; then
  echo "== level 3: the instance path ($out/instance.txt)" >&2
  # shellcheck disable=SC2086
  java @"$work/args.txt" io.inferbus.bench.deployment.InstancePathBench \
    ${INSTANCE_OPTS:---requests 100000 --repeats 3 --warmup-seconds 25 --in-flight 1,16} 2>&1 | tee "$out/instance.txt"
fi

if [ "$what" = all ] || [ "$what" = profile ]; then
  echo "== level 3 under JFR ($out/instance.jfr, summary in $out/profile.txt)" >&2
  # shellcheck disable=SC2086
  java @"$work/args.txt" io.inferbus.bench.deployment.InstancePathBench --warmup-seconds 25 \
    ${PROFILE_OPTS:---profile-seconds 30 --profile-in-flight 16} --profile "$out/instance.jfr" 2>&1 |
    tee "$out/profile-run.txt" | grep '^# recorded' || true
  recorded="$(grep '^# recorded' "$out/profile-run.txt" || true)"
  cpu="$(sed -n 's/.* \([0-9.]*\) us CPU\/req.*/\1/p' <<< "$recorded")"
  bytes="$(sed -n 's/.* \([0-9.]*\) bytes\/req.*/\1/p' <<< "$recorded")"
  java @"$work/args.txt" io.inferbus.bench.jfr.JfrSummary "$out/instance.jfr" --top 25 \
    ${cpu:+--cpu-us-per-request "$cpu"} ${bytes:+--bytes-per-request "$bytes"} > "$out/profile.txt"
  head -60 "$out/profile.txt"
fi
echo "results in $out" >&2
