#!/usr/bin/env bash
# Builds the server image from deploy/image/Dockerfile without a Docker engine (buildah, Debian package
# `buildah`), into an image tar that `docker load` or `podman load` takes:
#
#   deploy/image/build.sh                 # FROM eclipse-temurin:21-jre, pulled from its registry
#   deploy/image/build.sh --offline       # FROM a base assembled here from the local JDK (see below)
#
# Writes target/image/errand-server.tar (docker-archive, tag errand:dev). Builds the server jar first
# when it is missing. buildah's storage is under target/image for the build only, not the machine's.
#
# --offline is for machines that reach no image registry, such as CI here: the base is a jlink'd runtime
# of the JDK this script finds (21 or newer), with this machine's glibc and bash. It checks the image's
# own layers and configuration; it is not a base to ship (it gets no security updates).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
offline=false
[ "${1:-}" = --offline ] && offline=true
out="$root/target/image"
# buildah's storage lives only for this build (vfs copies every layer in full): the tar is what stays
rm -rf "$out/storage" "$out/run"
mkdir -p "$out"
b() { buildah --root "$out/storage" --runroot "$out/run" --storage-driver vfs "$@"; }
trap 'rm -rf "$out/storage" "$out/run" "$out/base-rootfs"' EXIT

. scripts/find-jdk.sh
errand_find_jdk
if [ ! -f errand-server/target/errand-server.jar ]; then
  ./mvnw -B -q -pl errand-server -am package -DskipTests
fi

# The commit's time as every timestamp in the image: the same jar gives byte-identical layers (the docker
# format's configuration still names the build container and its host name).
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
base=eclipse-temurin:21-jre
pull=()
if $offline; then
  base=localhost/errand-offline-base
  rootfs="$out/base-rootfs"
  rm -rf "$rootfs"
  mkdir -p "$rootfs/opt/java" "$rootfs/etc" "$rootfs/bin" "$rootfs/usr/bin"
  # the modules the server jar uses (jdeps --print-module-deps), and java.management for jdk.management
  "$JAVA_HOME/bin/jlink" --add-modules java.base,java.desktop,java.instrument,java.management,java.naming,java.net.http,java.security.jgss,java.sql,jdk.management,jdk.unsupported \
    --strip-debug --no-header-files --no-man-pages --output "$rootfs/opt/java/openjdk"
  cp /bin/bash "$rootfs/bin/bash"
  # the shared libraries bash, the JVM and its native libraries load, at their paths on this machine
  for lib in $( { ldd /bin/bash; find "$rootfs/opt/java/openjdk" -name '*.so' -exec ldd {} \; ; ldd "$rootfs/opt/java/openjdk/bin/java"; } 2>/dev/null \
      | grep -o '/[^ ]*' | grep -v "^$rootfs" | sort -u); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  ln -s /opt/java/openjdk/bin/java "$rootfs/usr/bin/java"
  mkdir -m 1777 "$rootfs/tmp" # sqlite-jdbc unpacks its native library into java.io.tmpdir
  printf 'root:x:0:0:root:/root:/bin/bash\nerrand:x:10001:10001:errand:/data:/bin/bash\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nerrand:x:10001:\n' > "$rootfs/etc/group"
  ctr=$(b from scratch)
  b copy "$ctr" "$rootfs/" / >/dev/null
  b config --env PATH=/opt/java/openjdk/bin:/usr/bin:/bin --env JAVA_HOME=/opt/java/openjdk "$ctr"
  b commit --format docker --timestamp "$epoch" --rm "$ctr" "$base" >/dev/null
  pull=(--pull-never)
fi

b bud --format docker ${pull[@]+"${pull[@]}"} --layers=false --timestamp "$epoch" -f deploy/image/Dockerfile \
  --build-arg BASE_IMAGE="$base" --build-arg REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  -t localhost/errand:dev .
rm -f "$out/errand-server.tar"
b push localhost/errand:dev "docker-archive:$out/errand-server.tar:errand:dev"
echo "image: $out/errand-server.tar (docker load -i ...; tag errand:dev)"
