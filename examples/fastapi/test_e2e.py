"""The orders example end to end: a real errand server, the FastAPI app under uvicorn and the worker, each
its own process, driven over HTTP as a user would.

    python3 -m unittest examples/fastapi/test_e2e.py       # needs the server jar (see clients/python)
"""
import json
import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "clients" / "python"))
from tests.server import ErrandServer, eventually, require_server  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OrdersEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()
        try:
            import fastapi  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError as e:
            if os.environ.get("CI") == "true":
                raise
            raise unittest.SkipTest("needs python3-fastapi and python3-uvicorn: %s" % e)
        cls.server = ErrandServer().start()
        env = dict(os.environ, ERRAND_URL=cls.server.url, ORDER_TIMEOUT="3s",
                   PYTHONPATH=str(HERE.parents[1] / "clients" / "python"))
        cls.processes = []
        port = free_port()
        cls.app = "http://127.0.0.1:%d" % port
        cls.start([sys.executable, "-m", "uvicorn", "app:app", "--port", str(port), "--log-level", "warning"], env)
        cls.start([sys.executable, "worker.py"], env)
        eventually(lambda: cls.ready(), 30, message="the app answering")

    @classmethod
    def start(cls, command: list, env: dict) -> None:
        cls.processes.append(subprocess.Popen(command, cwd=HERE, env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))

    @classmethod
    def ready(cls) -> bool:
        try:
            return call("GET", cls.app + "/docs")[0] == 200
        except OSError:
            return False

    @classmethod
    def tearDownClass(cls) -> None:
        for p in cls.processes:
            p.terminate()
        for p in cls.processes:
            try:
                p.wait(40)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        cls.server.close()
        # the worker shut down on SIGTERM as it should: exit code 0 (uvicorn too)
        assert [p.returncode for p in cls.processes] == [0, 0], [p.returncode for p in cls.processes]

    def task(self, task_id: str) -> Any:
        status, body = call("GET", self.app + "/task/" + task_id)
        self.assertEqual(200, status, body)
        return body

    def finished(self, task_id: str) -> Any:
        return eventually(lambda: (lambda t: t if t["state"] in ("SUCCEEDED", "DEAD", "CANCELLED") else None)(
            self.task(task_id)), 30, message="task %s finished" % task_id)

    def test_an_order_is_prepared_by_the_worker_and_its_status_read_through_the_app(self) -> None:
        status, order = call("POST", self.app + "/order", {"item": "book", "quantity": 2})
        self.assertEqual(201, status, order)
        done = self.finished(order["task_id"])
        self.assertEqual("SUCCEEDED", done["state"])
        self.assertEqual({"order_id": order["order_id"], "status": "prepared", "item": "book", "quantity": 2},
                         done["result"])

    def test_paying_in_time_cancels_the_order_timeout(self) -> None:
        _, order = call("POST", self.app + "/order", {"item": "lamp", "quantity": 1})
        self.assertEqual("SCHEDULED", self.task(order["timeout_task_id"])["state"])
        status, paid = call("POST", self.app + "/order/%s/pay" % order["order_id"])
        self.assertEqual((200, True), (status, paid["paid"]))
        time.sleep(4)  # past the timeout: a cancelled task never runs
        self.assertEqual("CANCELLED", self.task(order["timeout_task_id"])["state"])

    def test_an_unpaid_order_expires_and_can_no_longer_be_paid(self) -> None:
        _, order = call("POST", self.app + "/order", {"item": "chair", "quantity": 4})
        expired = self.finished(order["timeout_task_id"])
        self.assertEqual(("SUCCEEDED", {"order_id": order["order_id"], "status": "expired"}),
                         (expired["state"], expired["result"]))
        status, problem = call("POST", self.app + "/order/%s/pay" % order["order_id"])
        self.assertEqual(409, status, problem)

    def test_bad_input_and_unknown_ids_are_answered_by_the_app(self) -> None:
        self.assertEqual(422, call("POST", self.app + "/order", {"item": "", "quantity": 0})[0])
        self.assertEqual(404, call("GET", self.app + "/task/no-such-task")[0])
        self.assertEqual(404, call("POST", self.app + "/order/no-such-order/pay")[0])


def call(method: str, url: str, body: Optional[dict] = None) -> Tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            status = answer.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


if __name__ == "__main__":
    unittest.main()
