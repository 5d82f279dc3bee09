# shellcheck shell=bash
# Shared by the bench scripts that load `./inferbus start`: start a node in a scratch data directory
# on free ports, wait until it is ready, read its ports and credentials, and stop it again.
# Source it from the repository root after setting `work` (a scratch directory) and `out` (where the
# node's log is kept). Loopback only.
#
#   start_node [options for ./inferbus start...]   # sets node_pid, gateway_port, management_port,
#                                                  # cp_url, ca, token; INFERBUS_JAVA_OPTS passes through;
#                                                  # $launcher, when set, replaces ./inferbus (another
#                                                  # checkout's, which builds that checkout when stale)
#   endpoint_key ENDPOINT                          # prints the endpoint's primary key
#   scrape_metrics MANAGEMENT_PORT FILE            # the node's /metrics, headed by `# bench scraped at <epoch s>`
#   jdk_tool NAME                                  # the path of jcmd, jfr, ... of the JDK whose java is on the PATH
#   stop_node                                      # SIGTERM, up to 30 s, then SIGKILL; keeps node.log in $out

node_pid=""

json() { # file python-subscript: prints that value of the JSON file
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"
}

wait_for() { # seconds, description, command...: fails when it times out or the node died
  local seconds=$1 what=$2; shift 2
  local end=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ] || { [ -n "$node_pid" ] && ! kill -0 "$node_pid" 2>/dev/null; }; then
      echo "timed out waiting for $what; the node's log:" >&2
      tail -30 "$work/node.log" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 1
  done
}

start_node() {
  # `./inferbus` builds cli/target/inferbus.jar first when sources are newer; that build is not timed.
  "${launcher:-./inferbus}" start --data-dir "$work/data" --gateway-port 0 --control-port 0 --management-port 0 "$@" \
    > "$work/node.log" 2>&1 &
  node_pid=$!
  wait_for 600 "ports.json" test -s "$work/data/ports.json"
  gateway_port="$(json "$work/data/ports.json" "['gateway']")"
  management_port="$(json "$work/data/ports.json" "['management']")"
  cp_url="$(json "$work/data/client.json" "['control_plane_url']")"
  ca="$(json "$work/data/client.json" "['ca_file']")"
  token="$(json "$work/data/client.json" "['token']")"
  wait_for 120 "the node to be ready" curl -sf --max-time 5 "http://127.0.0.1:$management_port/health/ready"
}

endpoint_key() { # endpoint
  curl -sS --fail --cacert "$ca" -X POST -H "Authorization: Bearer $token" "$cp_url/endpoints/$1/keys" \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['primaryKey'])"
}

scrape_metrics() { # management-port file
  { echo "# bench scraped at $(date +%s.%N)"; curl -sS --fail --max-time 10 "http://127.0.0.1:$1/metrics"; } > "$2"
}

jdk_tool() { # name: the node runs the java on the PATH, so its jcmd and jfr are the ones beside it
  echo "$(dirname "$(readlink -f "$(command -v java)")")/$1"
}

stop_node() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$node_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$node_pid" 2>/dev/null || true
  fi
  node_pid=""
  cp "$work/node.log" "$out/node.log" 2>/dev/null || true
}
