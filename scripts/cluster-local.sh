#!/usr/bin/env bash
# docker-compose.yml's topology as local processes, for machines without Docker: a control-plane +
# gateway node that founds the cluster, two deployment nodes and a second gateway that join it with
# the founder's join.json, and (when `prometheus` is installed) a Prometheus scraping all four with
# examples/monitoring's alert rules. Registers the example endpoint `credit` with its deployment
# `blue` on two instances (one per deployment node), prints where everything is, and stops every
# process on Ctrl-C.
#
#   scripts/cluster-local.sh          # state in ./.inferbus-cluster (CLUSTER_DIR=...); loopback only
#
# Ports: gateways 8443 and 8445, management API 8444, health/metrics 9400-9403, Prometheus 9090.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CLUSTER_DIR:-.inferbus-cluster}"
mkdir -p "$dir"
pids=()
stop() {
  echo "stopping..." >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

await() { # file what pid
  for _ in $(seq 1 600); do
    [ -s "$1" ] && return 0
    kill -0 "$3" 2>/dev/null || { echo "$2 exited; its log: $dir/$2.log" >&2; tail -20 "$dir/$2.log" >&2; exit 1; }
    sleep 1
  done
  echo "timed out waiting for $2" >&2
  exit 1
}

node() { # name wait-for-file args...
  local name=$1 file=$2; shift 2
  ./inferbus node "$@" > "$dir/$name.log" 2>&1 &
  pids+=($!)
  await "$file" "$name" "${pids[-1]}"
}

rm -f "$dir"/*/ports.json
node control "$dir/control/ports.json" --roles control-plane,gateway --data-dir "$dir/control" \
  --gateway-port 8443 --control-port 8444 --management-port 9400
join="$dir/control/join.json"
node deployment-1 "$dir/deployment-1/ports.json" --roles deployment --join "$join" --data-dir "$dir/deployment-1" \
  --management-port 9401
node deployment-2 "$dir/deployment-2/ports.json" --roles deployment --join "$join" --data-dir "$dir/deployment-2" \
  --management-port 9402
node gateway-2 "$dir/gateway-2/ports.json" --roles gateway --join "$join" --data-dir "$dir/gateway-2" \
  --gateway-port 8445 --management-port 9403

export INFERBUS_CONFIG="$dir/control/client.json"
if ! ./inferbus online-endpoint show --name credit -o none 2>/dev/null; then
  ./inferbus online-endpoint create --name credit -o none
  ./inferbus online-deployment create --name blue --endpoint credit --file examples/credit-scoring/blue-deployment.yml \
    --instance-count 2 --all-traffic -o none
fi

if command -v prometheus >/dev/null; then
  sed -e "s/\['127.0.0.1:9400'\]/['127.0.0.1:9400', '127.0.0.1:9401', '127.0.0.1:9402', '127.0.0.1:9403']/" \
    examples/monitoring/prometheus.yml > "$dir/prometheus.yml"
  grep -q "127.0.0.1:9403" "$dir/prometheus.yml" || { echo "examples/monitoring/prometheus.yml changed shape" >&2; exit 1; }
  cp examples/monitoring/alerts.yml "$dir/alerts.yml"
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prometheus-data" \
    --web.listen-address=127.0.0.1:9090 > "$dir/prometheus.log" 2>&1 &
  pids+=($!)
fi

cat <<EOF

The cluster is serving (state and logs in $dir):
  scoring:         https://127.0.0.1:8443/endpoints/credit/score (CA $dir/control/tls/ca.pem)
                   https://127.0.0.1:8445/endpoints/credit/score (second gateway; CA $dir/gateway-2/tls/ca.pem)
  management API:  https://127.0.0.1:8444   (CLI: export INFERBUS_CONFIG=$dir/control/client.json)
  health/metrics:  http://127.0.0.1:9400-9403/metrics$(command -v prometheus >/dev/null && echo "
  Prometheus:      http://127.0.0.1:9090")
  instances:       $(./inferbus online-deployment show --name blue --endpoint credit --query "length(instances)" -o tsv) of blue, one per deployment node

  INFERBUS_CONFIG=$dir/control/client.json ./inferbus online-endpoint invoke --name credit \\
    --request-file examples/credit-scoring/sample-request.json

Ctrl-C stops every process.
EOF
wait
