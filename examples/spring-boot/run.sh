#!/usr/bin/env bash
# Builds and runs the Spring Boot example with a JDK 21 or newer (found by scripts/find-jdk.sh, whatever
# `java` is on PATH). The build adds the example to the reactor (-Pexamples), so it uses the Errand modules
# of this checkout without installing them. Arguments go to the application (--errand.store-url=...).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
errand_find_jdk
jar=examples/spring-boot/target/errand-spring-boot-example-0.1.0-SNAPSHOT.jar
# built when missing, or older than its sources, its pom, or the Errand sources it is built against
if [ ! -f "$jar" ] || [ -n "$(find . -path '*/src/main/*' -newer "$jar" -type f -print -quit 2>/dev/null)" ] \
   || [ examples/spring-boot/pom.xml -nt "$jar" ] || [ pom.xml -nt "$jar" ]; then
  ./mvnw -q -B -Pexamples -pl examples/spring-boot -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" "$@"
