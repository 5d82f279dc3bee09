#!/usr/bin/env bash
# How long an operator command takes (issue 10's measurement), and what the launcher's choices are
# worth: `online-endpoint show -n credit` against a node started for the run, each round running,
# one after the other (A B C ... A B C ...):
#   launcher      ./inferbus online-endpoint show            (what a user runs)
#   java          the same JVM flags and archive, java run directly (the baseline of the ratios below)
#   no-archive    without the class-data-sharing archive the build leaves beside the jar
#   picocli-jar   with picocli's own jar (Java 5 bytecode) first on the class path, and an archive
#                 trained the same way for it
#   fewer-flags   without -XX:-UsePerfData -XX:CICompilerCount=1
#   curl          curl of the same GET with the same token (the server's part and one TLS handshake)
#   java-version  java -version with the CLI's flags (the JVM's own floor)
# after WARMUP seconds of GETs let the node's JIT settle (a fresh node's compiler threads take the
# cores a short command needs). Prints each side's median, spread and ratio to `java`, and keeps
# every sample in $OUT/samples.tsv.
#
#   bench/run-cli-show.sh          # ~2 minutes; ROUNDS=10 WARMUP=40 OUT=dir
#
# Loopback only; the node is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
ROUNDS="${ROUNDS:-10}"
WARMUP="${WARMUP:-40}"
out="${OUT:-$root/bench/target/cli-show-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/inferbus-cli-show.XXXXXX")"
# shellcheck source=bench/node.sh
. bench/node.sh
trap 'stop_node; rm -rf "$work"' EXIT

jar="$root/cli/target/inferbus.jar"
archive="$root/cli/target/inferbus-cli.jsa"
# the flags ./inferbus gives an operator command
flags=(-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:-UsePerfData -Xss512k -Xlog:cds=off -Xlog:cds+dynamic=off
  -XX:+UseSerialGC)
fewer=(-XX:TieredStopAtLevel=1 -Xss512k -Xlog:cds=off -Xlog:cds+dynamic=off -XX:+UseSerialGC)

start_node # builds the jar (and its archive) first when sources are newer
test -f "$archive" || { echo "no $archive: build with mvn package" >&2; exit 1; }
export INFERBUS_CONFIG="$work/data/client.json"

picocli_version="$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' pom.xml)"
picocli_jar="$HOME/.m2/repository/info/picocli/picocli/$picocli_version/picocli-$picocli_version.jar"
[ -f "$picocli_jar" ] || mvn -B -q dependency:get -Dartifact="info.picocli:picocli:$picocli_version" >/dev/null
java "${flags[@]}" -XX:ArchiveClassesAtExit="$work/picocli-jar.jsa" -cp "$picocli_jar:$jar" \
  io.inferbus.cli.ArchiveTraining

show=(online-endpoint show -n credit)
declare -A command=(
  [launcher]="./inferbus ${show[*]}"
  [java]="java ${flags[*]} -XX:SharedArchiveFile=$archive -jar $jar ${show[*]}"
  [no-archive]="java ${flags[*]} -jar $jar ${show[*]}"
  [picocli-jar]="java ${flags[*]} -XX:SharedArchiveFile=$work/picocli-jar.jsa -cp $picocli_jar:$jar io.inferbus.cli.Main ${show[*]}"
  [fewer-flags]="java ${fewer[*]} -XX:SharedArchiveFile=$archive -jar $jar ${show[*]}"
  [curl]="curl -sS --fail --cacert $ca -H 'Authorization: Bearer $token' $cp_url/endpoints/credit"
  [java-version]="java ${flags[*]} -version"
)
sides=(launcher java no-archive picocli-jar fewer-flags curl java-version)
for side in "${sides[@]}"; do # each must work before it is timed
  bash -c "${command[$side]}" >/dev/null 2>&1 || { echo "$side failed: ${command[$side]}" >&2; exit 1; }
done

end=$((SECONDS + WARMUP))
while [ $SECONDS -lt $end ]; do
  curl -sS --fail --cacert "$ca" -H "Authorization: Bearer $token" "$cp_url/endpoints/credit" >/dev/null
done

(IFS=$'\t'; echo "round	${sides[*]}") > "$out/samples.tsv"
for round in $(seq 1 "$ROUNDS"); do
  line="$round"
  for side in "${sides[@]}"; do
    start=$(date +%s%N)
    bash -c "${command[$side]}" >/dev/null 2>&1
    line="$line	$((($(date +%s%N) - start) / 1000000))"
  done
  echo "$line" >> "$out/samples.tsv"
done

python3 - "$out/samples.tsv" <<'PY' | tee "$out/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
sides = [c for c in rows[0].keys() if c != "round"]
median = {s: statistics.median(int(r[s]) for r in rows) for s in sides}
for s in sides:
    values = sorted(int(r[s]) for r in rows)
    print(f"{s:13s} median {median[s]:6.0f} ms   min {values[0]:5d}   max {values[-1]:5d}   "
          f"x{median[s] / median['java']:.2f} of java   (n={len(values)})")
PY
echo "samples: $out/samples.tsv"
