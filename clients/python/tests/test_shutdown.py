"""SIGTERM to a worker process: it stops claiming, lets running tasks finish within the grace period,
releases what is left and what a parked long poll brings back, and exits 0."""
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

import errand
from tests.server import ErrandServer, ServerTestCase, eventually, require_server

WORKER = Path(__file__).resolve().parent / "worker_process.py"


class ShutdownTest(ServerTestCase):
    def start(self, queue: str, grace: float) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, str(WORKER), self.server.url, queue, str(grace)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def end() -> None:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
        self.addCleanup(end)
        return process

    def running(self, task_id: str) -> bool:
        return self.client.get(task_id).state == "RUNNING"

    def test_sigterm_lets_the_running_task_finish_then_exits(self) -> None:
        process = self.start("s-finish", grace=30)
        task = self.client.enqueue("sleep", 2, queue="s-finish")
        eventually(lambda: self.running(task.id), message="the task running")
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=40)
        self.assertEqual(0, process.returncode, output)
        self.assertIn("worker exited", output)
        self.assertLess(time.monotonic() - started, 5 + 5, "no longer than a long poll:\n" + output)
        done = self.client.get(task.id)
        self.assertEqual(("SUCCEEDED", "slept"), (done.state, done.result), output)

    def test_a_task_that_arrives_after_sigterm_is_given_back_not_run(self) -> None:
        self.server.require("snooze")
        process = self.start("s-late", grace=30)
        task = self.client.enqueue("sleep", 3, queue="s-late")
        eventually(lambda: self.running(task.id), message="the task running")
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        late = self.client.enqueue("sleep", 0, queue="s-late", max_attempts=1)
        output, _ = process.communicate(timeout=40)
        self.assertEqual(0, process.returncode, output)
        self.assertEqual("SUCCEEDED", self.client.get(task.id).state, output)
        self.assertEqual("READY", self.client.get(late.id).state, "released unrun, its only attempt unused")
        self.assertEqual([], self.client.errors(late.id))

    def test_after_the_grace_period_a_running_task_is_released_without_using_an_attempt(self) -> None:
        self.server.require("snooze")
        process = self.start("s-release", grace=1)
        task = self.client.enqueue("sleep", 60, queue="s-release", max_attempts=1)
        eventually(lambda: self.running(task.id), message="the task running")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
        self.assertEqual(0, process.returncode, output)
        self.assertIn("released 1 unfinished tasks", output)
        released = self.client.get(task.id)
        self.assertEqual("READY", released.state, "back in line, its only attempt not used up")
        self.assertEqual([], self.client.errors(task.id))


if __name__ == "__main__":
    unittest.main()
