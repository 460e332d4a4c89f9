"""SIGTERM to a worker process: it stops claiming, lets running tasks finish within the grace period,
releases what is left and what a parked long poll brings back, and exits 0."""
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

import errand
from tests.server import ServerTestCase, claim, eventually

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

    def wait_started(self, process: subprocess.Popen) -> str:
        """Reads the worker's output up to its handler's start (the server's RUNNING comes a moment sooner)."""
        seen = ""
        while "handler started" not in seen:
            line = process.stdout.readline()
            self.assertTrue(line, "the worker ended before its handler started:\n" + seen)
            seen += line
        return seen

    def test_sigterm_lets_the_running_task_finish_then_exits(self) -> None:
        process = self.start("s-finish", grace=30)
        task = self.client.enqueue("sleep", 2, queue="s-finish")
        output = self.wait_started(process)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output += process.communicate(timeout=40)[0]
        self.assertEqual(0, process.returncode, output)
        self.assertIn("worker exited", output)
        self.assertLess(time.monotonic() - started, 5 + 5, "no longer than a long poll:\n" + output)
        done = self.client.get(task.id)
        self.assertEqual(("SUCCEEDED", "slept"), (done.state, done.result), output)

    def test_a_task_that_arrives_after_sigterm_is_given_back_not_run(self) -> None:
        self.server.require("snooze")
        process = self.start("s-late", grace=30)
        task = self.client.enqueue("sleep", 3, queue="s-late")
        output = self.wait_started(process)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        late = self.client.enqueue("sleep", 0, queue="s-late", max_attempts=1)
        output += process.communicate(timeout=40)[0]
        self.assertEqual(0, process.returncode, output)
        self.assertEqual("SUCCEEDED", self.client.get(task.id).state, output)
        self.assertEqual("READY", self.client.get(late.id).state, "released unrun, its only attempt unused")
        self.assertEqual([], self.client.errors(late.id))

    def test_after_the_grace_period_a_running_task_is_released_without_using_an_attempt(self) -> None:
        self.server.require("snooze")
        process = self.start("s-release", grace=1)
        task = self.client.enqueue("sleep", 60, queue="s-release", max_attempts=1)
        output = self.wait_started(process)
        process.send_signal(signal.SIGTERM)
        output += process.communicate(timeout=20)[0]
        self.assertEqual(0, process.returncode, output)
        self.assertIn("released 1 unfinished tasks", output)
        released = self.client.get(task.id)
        # pending again, its only attempt not used up; delayed past the long poll the server still holds
        self.assertIn(released.state, ("SCHEDULED", "READY"), output)
        self.assertEqual(0, released.attempt)
        self.assertEqual([], self.client.errors(task.id))
        claimed = eventually(lambda: claim(self.server.url, "s-release", wait=1), 15, message="claimable again")
        self.assertEqual(task.id, claimed[0]["id"])


if __name__ == "__main__":
    unittest.main()
