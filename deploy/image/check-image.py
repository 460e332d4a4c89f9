#!/usr/bin/env python3
"""Checks the server image tar that build.sh writes (docker-archive): its configuration (user, entrypoint,
command, exposed port, volume, health check, labels, environment) and its files (the jar and the JVM
options, and /data owned by the server's user). Exits 1 naming each thing that is wrong.

    deploy/image/check-image.py target/image/errand-server.tar
"""
import json
import sys
import tarfile

USER = "10001:10001"


def main(path):
    problems = []

    def expect(what, actual, wanted):
        if actual != wanted:
            problems.append("%s is %r, expected %r" % (what, actual, wanted))

    with tarfile.open(path) as image:
        manifest = json.load(image.extractfile("manifest.json"))[0]
        config = json.load(image.extractfile(manifest["Config"]))["config"]
        files = {}
        for layer in manifest["Layers"]:
            with tarfile.open(fileobj=image.extractfile(layer)) as t:
                for member in t.getmembers():
                    files[member.name.lstrip("./").rstrip("/")] = member

    expect("User", config.get("User"), USER)
    expect("Entrypoint", config.get("Entrypoint"), ["java", "@/app/jvm.options", "-jar", "/app/errand-server.jar"])
    expect("Cmd", config.get("Cmd"), ["server"])
    expect("ExposedPorts", sorted((config.get("ExposedPorts") or {}).keys()), ["7700/tcp"])
    expect("Volumes", sorted((config.get("Volumes") or {}).keys()), ["/data"])
    env = dict(e.split("=", 1) for e in config.get("Env") or [])
    expect("ERRAND_DATA", env.get("ERRAND_DATA"), "/data")
    expect("ERRAND_PORT", env.get("ERRAND_PORT"), "7700")
    health = config.get("Healthcheck") or {}
    test = " ".join(health.get("Test") or [])
    if "/health/ready" not in test or "ERRAND_PORT" not in test:
        problems.append("Healthcheck does not ask /health/ready on ERRAND_PORT: %r" % health)
    labels = config.get("Labels") or {}
    for label in ("org.opencontainers.image.title", "org.opencontainers.image.version",
                  "org.opencontainers.image.revision", "org.opencontainers.image.licenses"):
        if not labels.get(label):
            problems.append("label %s is missing" % label)
    expect("title label", labels.get("org.opencontainers.image.title"), "errand-server")

    for name in ("app/errand-server.jar", "app/jvm.options"):
        if name not in files or not files[name].isfile():
            problems.append("%s is not in the image" % name)
    data = files.get("data")
    if data is None or not data.isdir():
        problems.append("/data is not a directory in the image")
    else:
        expect("/data owner", "%d:%d" % (data.uid, data.gid), USER)

    for p in problems:
        print("image check: " + p, file=sys.stderr)
    if problems:
        return 1
    print("image check: %s ok (user %s, port 7700, healthcheck, labels, /app/errand-server.jar)" % (path, USER))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "target/image/errand-server.tar"))
