#!/usr/bin/env bash
# HTTP single enqueue under wrk (issue 21's measure): starts the server jar on a free loopback port over
# STORE, warms it up with wrk for WARMUP seconds (5), then measures SECONDS_MEASURED (20) with CONNECTIONS
# (32) connections and two threads, each request posting one task (post-task.lua). Prints one line:
# requests/s, errors, p50 and p99, and the CPU a request cost the server's JVM and, on PostgreSQL, the
# database's processes (every postgres process of this machine, so run it alone). STORE is sqlite (a fresh
# directory, removed after) or a postgres:// URL (a fresh schema, dropped after, through psql).
# JAVA_OPTIONS go to the server's JVM (a profiler, say). Needs wrk (apt-get install -y wrk).
#
#   bench/wrk/single-enqueue.sh JAR sqlite
#   bench/wrk/single-enqueue.sh JAR postgres://postgres@127.0.0.1:5432/test
set -euo pipefail
jar="$1" store="$2"
seconds="${SECONDS_MEASURED:-20}" warmup="${WARMUP:-5}" connections="${CONNECTIONS:-32}"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../scripts/find-jdk.sh"
. "$here/../../scripts/await-ready.sh"
errand_find_jdk
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data="$(mktemp -d)"
schema=""
case "$store" in
  sqlite) args=(--data "$data/store") ;;
  postgres://*|postgresql://*)
    schema="wrk_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
    sep='?'; [[ "$store" == *\?* ]] && sep='&'
    args=(--store "$store${sep}schema=$schema") ;;
  *) echo "single-enqueue: STORE is sqlite or a postgres:// URL" >&2; exit 2 ;;
esac
"$JAVA_HOME/bin/java" ${JAVA_OPTIONS:-} -jar "$jar" server --port "$port" "${args[@]}" >"$data/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ -n "$schema" ]; then psql -q "${store%%\?*}" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
  rm -rf "$data"
}
trap cleanup EXIT
errand_await_ready "$port" "$server" "$data/server.log" 120
url="http://127.0.0.1:$port/v1/tasks"
# CPU time in clock ticks of the given processes (utime + stime).
ticks() { cat "${@/#//proc/}" 2>/dev/null | awk '{ n += $14 + $15 } END { print n + 0 }'; }
pg_stat() { for p in $(pgrep -x postgres); do echo "$p/stat"; done; }
wrk -t2 -c"$connections" -d"${warmup}s" -s "$here/post-task.lua" "$url" >/dev/null
server_before=$(ticks "$server/stat") db_before=$(ticks $(pg_stat))
line=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$here/post-task.lua" "$url" | grep '^requests_per_s=')
server_after=$(ticks "$server/stat") db_after=$(ticks $(pg_stat))
requests=$(echo "$line" | sed -E 's/.* requests=([0-9]+).*/\1/')
hz=$(getconf CLK_TCK)
per() { awk -v d="$1" -v n="$requests" -v hz="$hz" 'BEGIN { printf "%.1f", d / hz * 1e6 / n }'; }
extra=" server_cpu_us_per_request=$(per $((server_after - server_before)))"
if [ -n "$schema" ]; then extra="$extra db_cpu_us_per_request=$(per $((db_after - db_before)))"; fi
echo "$line$extra"
