# Sourced by scripts that start the server jar: errand_await_ready PORT PID LOG TRIES waits, half a second
# a try, until the server on PORT answers /health/ready; if its process PID ends first, or it is not ready
# after TRIES, prints its LOG and exits 1.
errand_await_ready() {
  local port="$1" pid="$2" log="$3" tries="$4"
  for _ in $(seq 1 "$tries"); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.5
  done
  cat "$log" >&2
  echo "the server on port $port was not ready after $tries tries" >&2
  exit 1
}
