#!/usr/bin/env bash
# Tests of the Python client (clients/python/tests) and of the FastAPI example (examples/fastapi) against a
# real errand server. Builds nothing: the server jar is $1, or ERRAND_SERVER_JAR, or the one the Maven build
# left in errand-server/target. Runs Debian's python3 (which sees Debian's packages) and installs from Debian
# what is missing (apt-get, as root): python3-fastapi and python3-uvicorn for the example, python3-httpx for
# errand.aio.
# Under CI=true a missing server or package fails the tests instead of skipping them. Exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
. scripts/find-jdk.sh
errand_find_jdk

jar="${1:-${ERRAND_SERVER_JAR:-$root/errand-server/target/errand-server.jar}}"
if [ ! -f "$jar" ]; then
  echo "python client tests: no server jar at $jar; build it first (./mvnw -B -q -pl errand-server -am package -DskipTests)" >&2
  exit 1
fi
export ERRAND_SERVER_JAR="$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")"

python=/usr/bin/python3
[ -x "$python" ] || python="$(command -v python3)"
missing=()
for module in fastapi uvicorn httpx; do
  "$python" -c "import $module" 2>/dev/null || missing+=("python3-$module")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "python client tests: installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "python client tests: needs ${missing[*]} (Debian packages)" >&2
    exit 1
  fi
fi

if "$python" -m mypy --version >/dev/null 2>&1; then  # Debian's mypy, where installed: the hints hold
  echo "python client tests: mypy --strict"
  (cd "$here" && "$python" -m mypy --strict --python-version 3.9 errand)
fi
echo "python client tests: $("$python" --version) against $ERRAND_SERVER_JAR"
(cd "$here" && "$python" -m unittest discover -s tests -t . -v)
echo "python client tests: the FastAPI example end to end"
"$python" -m unittest examples/fastapi/test_e2e.py -v
