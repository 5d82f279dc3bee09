#!/usr/bin/env bash
# How long an operator command takes (issue 10's measurement): the wall time of
#   1. ./inferbus online-endpoint show -n credit   (the CLI: JVM, picocli, TLS, one GET, JSON out);
#   2. curl of the same GET with the same token     (the server's part and one TLS handshake);
#   3. java -version with the CLI's JVM flags        (the JVM's own floor on this machine);
# interleaved (1 2 3 1 2 3 ...) for ROUNDS rounds against a node started for the run, after WARMUP
# seconds of GETs let the node's JIT settle (a fresh node's compiler threads take the cores a short
# command needs). The CLI uses the class-data-sharing archive the build left beside the jar. Prints each side's median and
# spread, and keeps every sample in $OUT/samples.tsv.
#
#   bench/run-cli-show.sh          # ~1.5 minutes; ROUNDS=10 WARMUP=40 OUT=dir
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

start_node
export INFERBUS_CONFIG="$work/data/client.json"
test -f cli/target/inferbus-cli.jsa || echo "note: no cli/target/inferbus-cli.jsa; the CLI runs without it" >&2
./inferbus online-endpoint show -n credit >/dev/null
end=$((SECONDS + WARMUP))
while [ $SECONDS -lt $end ]; do
  curl -sS --fail --cacert "$ca" -H "Authorization: Bearer $token" "$cp_url/endpoints/credit" >/dev/null
done

ms() { # command...: prints its wall time in ms
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

printf 'round\tcli_show\tcurl_get\tjava_version\n' > "$out/samples.tsv"
for round in $(seq 1 "$ROUNDS"); do
  a=$(ms ./inferbus online-endpoint show -n credit)
  b=$(ms curl -sS --fail --cacert "$ca" -H "Authorization: Bearer $token" "$cp_url/endpoints/credit")
  c=$(ms java -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -XX:-UsePerfData -version)
  printf '%s\t%s\t%s\t%s\n' "$round" "$a" "$b" "$c" >> "$out/samples.tsv"
done

python3 - "$out/samples.tsv" <<'PY' | tee "$out/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for column, label in [("cli_show", "./inferbus online-endpoint show"), ("curl_get", "curl GET /endpoints/credit"),
                      ("java_version", "java -version (CLI flags)")]:
    values = sorted(int(r[column]) for r in rows)
    print(f"{label:36s} median {statistics.median(values):6.0f} ms   min {values[0]:5d}   max {values[-1]:5d}"
          f"   (n={len(values)})")
PY
echo "samples: $out/samples.tsv"
