#!/usr/bin/env bash
# Checks deploy/ with what runs without a Docker engine, a cluster or an image registry (.ci/run calls it):
#  1. yamllint on the compose stack, the manifests and the Prometheus rules, docker-compose's own check
#     of the compose file, and promtool on the rules and the compose stack's Prometheus configuration;
#  2. kubectl kustomize renders deploy/kubernetes (offline; kubectl's --dry-run needs an API server);
#  3. the image is built from deploy/image/Dockerfile by buildah, on a base assembled from the local JDK
#     (deploy/image/build.sh --offline), and its tar's configuration and files are checked
#     (deploy/image/check-image.py);
#  4. the image's health check command, run by this machine's bash, fails before the server jar listens and
#     passes once it is ready, and the server exits 0 on SIGTERM.
# The compose file's and manifests' contents are checked against the server by DeployManifestsTest in
# the Maven build. Installs yamllint, buildah and docker-compose from Debian when they are missing and this runs as root
# (CI does); exits non-zero on any failure. Builds the server jar first if it is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/find-jdk.sh
errand_find_jdk

missing=()
command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deploy check: installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "deploy check: needs ${missing[*]} (Debian packages)" >&2
    exit 1
  fi
fi

echo "deploy check: yamllint"
yamllint -c deploy/.yamllint --no-warnings deploy/compose deploy/kubernetes deploy/prometheus deploy/.yamllint

echo "deploy check: docker-compose config (the compose file against the Compose schema; needs no engine)"
docker-compose -f deploy/compose/compose.yaml config -q

# promtool from Debian's prometheus package, unpacked rather than installed (installing would start a server)
promtool=$(command -v promtool || true)
if [ -z "$promtool" ]; then
  tools="$root/target/tools"
  if [ ! -x "$tools/usr/bin/promtool" ]; then
    mkdir -p "$tools"
    (cd "$tools" && { apt-get download -qq prometheus 2>/dev/null || { apt-get update -qq && apt-get download -qq prometheus; }; } \
      && dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb) >/dev/null
  fi
  promtool="$tools/usr/bin/promtool"
fi
echo "deploy check: promtool (the alerting rules, the compose stack's Prometheus configuration)"
"$promtool" check rules deploy/prometheus/alerts.yml >/dev/null
"$promtool" check config --syntax-only deploy/compose/prometheus.yml >/dev/null

if command -v kubectl >/dev/null 2>&1; then
  echo "deploy check: kubectl kustomize deploy/kubernetes"
  kubectl kustomize deploy/kubernetes >/dev/null
else
  echo "deploy check: no kubectl here; the manifests are checked by yamllint and DeployManifestsTest only"
fi

echo "deploy check: image (buildah, offline base)"
mkdir -p target
deploy/image/build.sh --offline >target/image-build.log 2>&1 || { tail -30 target/image-build.log >&2; exit 1; }
python3 deploy/image/check-image.py target/image/errand-server.tar

echo "deploy check: the image's health check command against the server jar, and its stop on SIGTERM"
health=$(python3 - target/image/errand-server.tar <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as image:
    manifest = json.load(image.extractfile("manifest.json"))[0]
    test = json.load(image.extractfile(manifest["Config"]))["config"]["Healthcheck"]["Test"]
assert test[:3] == ["CMD", "bash", "-c"], test
print(test[3])
PY
)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
ERRAND_PORT=$port ERRAND_DATA="$data" "$JAVA_HOME/bin/java" @errand-server/jvm.options -jar errand-server/target/errand-server.jar \
  server >"$data/log" 2>&1 &
server=$!
trap 'kill -9 $server 2>/dev/null || true; rm -rf "$data"' EXIT
if ERRAND_PORT=$port bash -c "$health" 2>/dev/null; then
  echo "deploy check: the health check passed before the server listened" >&2
  exit 1
fi
for _ in $(seq 1 60); do
  ERRAND_PORT=$port bash -c "$health" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$data/log" >&2; exit 1; }
  sleep 0.5
done
ERRAND_PORT=$port bash -c "$health" || { echo "deploy check: the health check failed on a ready server" >&2; exit 1; }
kill -TERM $server
code=0
wait $server || code=$?
[ "$code" = 0 ] || { echo "deploy check: the server exited $code after SIGTERM, expected 0" >&2; cat "$data/log" >&2; exit 1; }
echo "deploy check: ok"
