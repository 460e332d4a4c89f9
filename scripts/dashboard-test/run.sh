#!/usr/bin/env bash
# The dashboard in a real browser: installs chromium and playwright-core (setup.sh), starts the server
# jar on a free loopback port over a fresh SQLite directory with an admin token, and runs
# dashboard.test.mjs against it. Screenshots go to errand-server/target/dashboard-screenshots (or
# $DASHBOARD_ARTIFACTS). Builds the jar first if it is missing. Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/find-jdk.sh"
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
ERRAND_TOKENS="$token admin" "$JAVA_HOME/bin/java" -jar "$jar" server --port "$port" --data "$data/store" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done

export ERRAND_URL="http://127.0.0.1:$port" ERRAND_TOKEN="$token"
export DASHBOARD_ARTIFACTS="${DASHBOARD_ARTIFACTS:-$root/errand-server/target/dashboard-screenshots}"
mkdir -p "$DASHBOARD_ARTIFACTS"
node "$here/dashboard.test.mjs"
