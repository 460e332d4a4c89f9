"""A real ``errand server`` for the tests: started on a free port over SQLite in a temp dir, stoppable
and restartable on the same port and data.

The runnable jar is ``ERRAND_SERVER_JAR``, or the one the Maven build leaves in errand-server/target.
Without a jar (or a JDK) the tests skip, unless ``CI=true``: then they fail.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from typing import List, Optional

REPO = Path(__file__).resolve().parents[3]
LISTENING = re.compile(r"listening on (http://\S+)")


def server_jar() -> Optional[Path]:
    given = os.environ.get("ERRAND_SERVER_JAR")
    jar = Path(given) if given else REPO / "errand-server" / "target" / "errand-server.jar"
    return jar if jar.is_file() else None


def java() -> Optional[str]:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def require_server() -> None:
    """Skips the calling test class when there is no server to run, or fails under CI."""
    missing = None
    if server_jar() is None:
        missing = "no errand-server.jar (build it, or set ERRAND_SERVER_JAR)"
    elif java() is None:
        missing = "no java (set JAVA_HOME to a JDK 21+)"
    if missing:
        if os.environ.get("CI") == "true":
            raise AssertionError(missing)
        raise unittest.SkipTest(missing)


class ErrandServer:
    """One server process. ``url`` stays the same across :meth:`restart`. Extra ``args`` go to ``server``."""

    def __init__(self, args: Optional[List[str]] = None, env: Optional[dict] = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="errand-py-test-")
        self.args = list(args or [])
        self.env = dict(os.environ, **(env or {}))
        self.port = 0
        self.url = ""
        self.process: Optional[subprocess.Popen] = None
        self.log: List[str] = []
        self._openapi: Optional[str] = None

    def start(self) -> "ErrandServer":
        jar, runtime = server_jar(), java()
        assert jar is not None and runtime is not None
        command = [runtime, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", str(jar), "server",
                   "--port", str(self.port), "--data", os.path.join(self.dir, "data")] + self.args
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        env=self.env, text=True)
        found = threading.Event()

        def read(process: subprocess.Popen) -> None:
            for line in process.stdout:
                self.log.append(line.rstrip())
                m = LISTENING.search(line)
                if m and not found.is_set():
                    self.url = m.group(1)
                    self.port = int(self.url.rsplit(":", 1)[1])
                    found.set()
            process.stdout.close()
        threading.Thread(target=read, args=(self.process,), daemon=True).start()
        if not found.wait(60):
            self.stop()
            raise AssertionError("the server did not start:\n" + "\n".join(self.log[-30:]))
        return self

    def stop(self) -> None:
        """SIGTERM, as an operator stops it; waits for the exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def supports(self, word: str) -> bool:
        """Whether the server's OpenAPI document mentions ``word`` (a route or field of a newer protocol)."""
        if self._openapi is None:
            with urllib.request.urlopen(self.url + "/v1/openapi.json", timeout=10) as answer:
                self._openapi = answer.read().decode("utf-8")
        return word in self._openapi

    def require(self, *words: str) -> None:
        """Skips the calling test when the server lacks a protocol feature (an older server)."""
        lacking = [w for w in words if not self.supports(w)]
        if lacking:
            raise unittest.SkipTest("this server's protocol lacks " + ", ".join(lacking))


def eventually(check, timeout: float = 20.0, every: float = 0.1, message: str = "condition"):
    """Calls ``check`` until it returns a truthy value (returned) or ``timeout`` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError("%s not met within %.0f s (last: %r)" % (message, timeout, last))


def post(url: str, path: str, body: dict) -> int:
    """A raw protocol call, apart from the client under test; returns the status."""
    return _post(url, path, body)[0]


def claim(url: str, queue: str, max: int = 1, wait: int = 0) -> list:
    """Claims tasks of ``queue`` over the raw protocol, as some other worker would; returns them."""
    status, body = _post(url, "/v1/queues/%s/claim" % queue, {"workerId": "test", "max": max, "waitSeconds": wait})
    assert status == 200, status
    return body["tasks"]


def _post(url: str, path: str, body: dict):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, None


class ServerTestCase(unittest.TestCase):
    """A test class with one server (``server``) and a client of it (``client``) for all its tests."""

    server: ErrandServer
    client: "object"

    @classmethod
    def setUpClass(cls) -> None:
        require_server()
        import errand
        cls.server = ErrandServer().start()
        cls.client = errand.Client(cls.server.url, timeout=10)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.client.close()
        cls.server.close()
