#!/usr/bin/env bash
# The dashboard in a real browser: installs chromium and playwright-core (setup.sh), starts the server
# jar on a free loopback port over a fresh SQLite directory with an admin token, and runs
# dashboard.test.mjs against it. Screenshots go to errand-server/target/dashboard-screenshots (or
# $DASHBOARD_ARTIFACTS). Builds the jar first if it is missing. Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/find-jdk.sh"
. "$root/scripts/await-ready.sh"
errand_find_jdk
"$here/setup.sh"

jar="$root/errand-server/target/errand-server.jar"
if [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -q -B -pl errand-server -am package -DskipTests)
fi

data="$(mktemp -d)"
log="$data/server.log"
token="dashboard-test-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
# With a RabbitMQ broker (ERRAND_TEST_AMQP_URL, default the local one; required under CI=true), the server
# runs an outbox relay too, and the test checks the dashboard's RabbitMQ panel; without one, that the
# panel stays hidden.
amqp="${ERRAND_TEST_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
amqp_hostport="$(echo "$amqp" | sed -E 's#^amqps?://([^@/]*@)?([^/:]+)(:([0-9]+))?.*#\2 \4#')"
read -r amqp_host amqp_port <<<"$amqp_hostport"
config=()
if (exec 3<>"/dev/tcp/$amqp_host/${amqp_port:-5672}") 2>/dev/null; then
  printf '{"rabbitmq": {"url": "%s", "outbox": {"concurrency": 2}}}\n' "$amqp" >"$data/errand.json"
  config=(--config "$data/errand.json")
  export ERRAND_RABBITMQ=1
elif [ "${CI:-}" = true ]; then
  echo "dashboard-test: RabbitMQ is not reachable at $amqp_host:${amqp_port:-5672} (CI=true)" >&2
  exit 1
fi
ERRAND_TOKENS="$token admin" "$JAVA_HOME/bin/java" -jar "$jar" server --port "$port" --data "$data/store" ${config[@]+"${config[@]}"} >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
errand_await_ready "$port" "$server" "$log" 120

export ERRAND_URL="http://127.0.0.1:$port" ERRAND_TOKEN="$token"
export DASHBOARD_ARTIFACTS="${DASHBOARD_ARTIFACTS:-$root/errand-server/target/dashboard-screenshots}"
mkdir -p "$DASHBOARD_ARTIFACTS"
node "$here/dashboard.test.mjs"
