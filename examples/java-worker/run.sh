#!/usr/bin/env bash
# Runs EmailWorker.java with a JDK 21 or newer (found by scripts/find-jdk.sh, whatever `java` is on PATH),
# building the server jar it runs against first if it is missing. Arguments go to the example (--serve).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
errand_find_jdk
if [ ! -f errand-server/target/errand-server.jar ]; then
  ./mvnw -q -pl errand-server -am package -DskipTests
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp errand-server/target/errand-server.jar \
  examples/java-worker/EmailWorker.java "$@"
