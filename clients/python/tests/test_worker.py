"""The worker against a real server: outcomes by exception type, heartbeats, progress, lost leases, and
the server going away and coming back while the worker runs."""
import threading
import time
import unittest
from typing import Any, Dict, List

import errand
from tests.server import ErrandServer, ServerTestCase, eventually, require_server


class WorkerTest(ServerTestCase):
    def start_worker(self, *queues: str, **options: Any) -> errand.Worker:
        """A worker on ``queues`` running in a thread until the test ends; register handlers, then ``later()``."""
        options.setdefault("poll", 2)
        options.setdefault("grace", 5)
        worker = errand.Worker(self.server.url, queues=queues, worker_id="test-" + queues[0], **options)
        thread = threading.Thread(target=worker.run, daemon=True)

        def stop() -> None:
            worker.stop()
            thread.join(30)
            self.assertFalse(thread.is_alive(), "the worker stopped")
        self.addCleanup(stop)
        self.later = lambda: thread.start()
        return worker

    def test_a_handler_result_completes_the_task(self) -> None:
        worker = self.start_worker("w-success")
        seen: List[errand.ClaimedTask] = []

        @worker.handler("add")
        def add(payload: Dict[str, int], task: errand.ClaimedTask) -> int:
            seen.append(task)
            return payload["a"] + payload["b"]

        @worker.handler("echo")
        def echo(payload: Any) -> Any:
            return {"echo": payload}
        self.later()
        added = self.client.enqueue("add", {"a": 2, "b": 3}, queue="w-success")
        echoed = self.client.enqueue("echo", [1, "two"], queue="w-success")
        self.assertEqual(("SUCCEEDED", 5), (self.client.wait(added.id, 20).state, self.client.get(added.id).result))
        self.assertEqual({"echo": [1, "two"]}, self.client.wait(echoed.id, 20).result)
        self.assertEqual((added.id, 1, "w-success"), (seen[0].id, seen[0].attempt, seen[0].queue))

    def test_any_exception_is_retried_and_permanent_goes_to_the_dead_letters(self) -> None:
        worker = self.start_worker("w-fail")
        attempts: List[int] = []

        @worker.handler("flaky")
        def flaky(payload: Any, task: errand.ClaimedTask) -> str:
            attempts.append(task.attempt)
            if task.attempt == 1:
                raise ValueError("smtp timeout")
            return "sent"

        @worker.handler("bad_address")
        def bad_address(payload: Any) -> None:
            raise errand.Permanent("not an address: nobody")
        self.later()
        flaky_task = self.client.enqueue("flaky", queue="w-fail", max_attempts=3)
        bad = self.client.enqueue("bad_address", queue="w-fail", max_attempts=5)
        dead = self.client.wait(bad.id, 20)
        self.assertEqual(("DEAD", 1), (dead.state, dead.attempt))
        self.assertIn("not an address", dead.last_error)
        done = self.client.wait(flaky_task.id, 60)
        self.assertEqual(("SUCCEEDED", "sent", [1, 2]), (done.state, done.result, attempts))
        errors = self.client.errors(flaky_task.id)
        self.assertIn("ValueError: smtp timeout", errors[0]["error"] or errors[0]["message"])

    def test_retry_after_holds_the_task_back_for_the_delay_asked(self) -> None:
        self.server.require("retryAfter")
        worker = self.start_worker("w-retry")
        runs: List[float] = []

        @worker.handler("poll_payment")
        def poll_payment(payload: Any, task: errand.ClaimedTask) -> str:
            runs.append(time.monotonic())
            if task.attempt == 1:
                raise errand.Retry("not paid yet", after=3)
            return "paid"
        self.later()
        task = self.client.enqueue("poll_payment", queue="w-retry", max_attempts=3,
                                   retry={"base": "10ms", "cap": "20ms"})
        done = self.client.wait(task.id, 30)
        self.assertEqual(("SUCCEEDED", 2), (done.state, done.attempt))
        self.assertGreaterEqual(runs[1] - runs[0], 2.5)
        self.assertIn("not paid yet", self.client.errors(task.id)[0]["error"])

    def test_snooze_puts_the_task_back_without_using_an_attempt(self) -> None:
        self.server.require("snooze")
        worker = self.start_worker("w-snooze")
        runs: List[Any] = []

        @worker.handler("wait_for_stock")
        def wait_for_stock(payload: Any, task: errand.ClaimedTask) -> str:
            runs.append((task.attempt, time.monotonic()))
            if len(runs) == 1:
                raise errand.Snooze(2)
            return "shipped"
        self.later()
        task = self.client.enqueue("wait_for_stock", queue="w-snooze", max_attempts=1)
        done = self.client.wait(task.id, 30)
        self.assertEqual(("SUCCEEDED", "shipped"), (done.state, done.result), "one attempt allowed, still done")
        self.assertEqual([1, 1], [attempt for attempt, _ in runs])
        self.assertGreaterEqual(runs[1][1] - runs[0][1], 1.5)

    def test_progress_reaches_the_task_while_the_handler_runs(self) -> None:
        self.server.require("progress")
        worker = self.start_worker("w-progress")
        release = threading.Event()
        self.addCleanup(release.set)

        @worker.handler("import_rows")
        def import_rows(payload: Any, task: errand.ClaimedTask) -> int:
            task.progress({"done": 1, "of": 2})
            task.progress({"done": 2, "of": 2})
            with self.assertRaises(ValueError):
                task.progress("x" * 5000)
            release.wait(20)
            return 2
        self.later()
        task = self.client.enqueue("import_rows", queue="w-progress")
        eventually(lambda: self.client.get(task.id).progress == {"done": 2, "of": 2}, 10, message="progress shown")
        release.set()
        self.assertEqual("SUCCEEDED", self.client.wait(task.id, 20).state)

    def test_heartbeats_keep_a_long_task_leased(self) -> None:
        worker = self.start_worker("w-long", lease=3)

        @worker.handler("long")
        def long(payload: Any) -> str:
            time.sleep(7)
            return "done"
        self.later()
        task = self.client.enqueue("long", queue="w-long", max_attempts=2)
        done = self.client.wait(task.id, 40)
        self.assertEqual(("SUCCEEDED", 1), (done.state, done.attempt), "the lease never ran out")
        self.assertEqual([], self.client.errors(task.id))

    def test_a_cancelled_running_task_is_seen_as_lost_and_its_outcome_dropped(self) -> None:
        worker = self.start_worker("w-cancel", lease=3)
        started, noticed = threading.Event(), threading.Event()

        @worker.handler("report")
        def report(payload: Any, task: errand.ClaimedTask) -> str:
            started.set()
            deadline = time.monotonic() + 20
            while not task.lost and time.monotonic() < deadline:
                time.sleep(0.1)
            if task.lost:
                noticed.set()
            return "too late"
        self.later()
        task = self.client.enqueue("report", queue="w-cancel")
        self.assertTrue(started.wait(20))
        self.client.cancel(task.id)
        self.assertTrue(noticed.wait(20), "the next heartbeat saw the lease fenced")
        time.sleep(0.5)
        after = self.client.get(task.id)
        self.assertEqual(("CANCELLED", None), (after.state, after.result))

    def test_a_type_without_a_handler_is_dead_with_the_worker_and_type_named(self) -> None:
        worker = self.start_worker("w-unknown")
        worker.register("known", lambda payload: None)
        self.later()
        task = self.client.enqueue("resize_image", queue="w-unknown", max_attempts=5)
        dead = self.client.wait(task.id, 20)
        self.assertEqual(("DEAD", 1), (dead.state, dead.attempt))
        self.assertIn("no handler for type resize_image on worker test-w-unknown", dead.last_error)

    def test_one_worker_works_each_of_its_queues(self) -> None:
        worker = self.start_worker("w-multi-a", "w-multi-b", concurrency=2)
        worker.register("where", lambda payload, task: task.queue)
        self.later()
        a = self.client.enqueue("where", queue="w-multi-a")
        b = self.client.enqueue("where", queue="w-multi-b")
        self.assertEqual(["w-multi-a", "w-multi-b"], [self.client.wait(t.id, 20).result for t in (a, b)])

    def test_a_result_the_server_refuses_fails_the_task_for_good(self) -> None:
        worker = self.start_worker("w-big")
        worker.register("big", lambda payload: "x" * (1024 * 1024 + 10))  # over the 1 MiB result limit
        self.later()
        task = self.client.enqueue("big", queue="w-big", max_attempts=5)
        dead = self.client.wait(task.id, 30)
        self.assertEqual(("DEAD", 1), (dead.state, dead.attempt))
        self.assertIn("result was refused: result is", dead.last_error)

    def test_no_more_tasks_run_at_once_than_the_concurrency(self) -> None:
        worker = self.start_worker("w-concurrency", concurrency=3)
        lock = threading.Lock()
        now, most = [0], [0]

        @worker.handler("busy")
        def busy(payload: Any) -> None:
            with lock:
                now[0] += 1
                most[0] = max(most[0], now[0])
            time.sleep(0.3)
            with lock:
                now[0] -= 1
        self.later()
        tasks = self.client.enqueue_many([errand.task_spec("busy", queue="w-concurrency") for _ in range(12)])
        for t in tasks:
            self.assertEqual("SUCCEEDED", self.client.wait(t.id, 30).state)
        self.assertEqual(3, most[0])


class ServerRestartTest(unittest.TestCase):
    """The server stops and comes back while the worker runs: the worker waits, reconnects, and reports."""

    def setUp(self) -> None:
        require_server()
        self.server = ErrandServer().start()
        self.addCleanup(self.server.close)

    def test_the_worker_reconnects_after_the_server_restarts_and_reports_what_finished_meanwhile(self) -> None:
        worker = errand.Worker(self.server.url, queues=["restart"], worker_id="test-restart", poll=5, grace=5)
        started, finish = threading.Event(), threading.Event()
        self.addCleanup(finish.set)

        @worker.handler("slow")
        def slow(payload: Any) -> str:
            started.set()
            finish.wait(60)
            return "finished while the server was down"

        @worker.handler("quick")
        def quick(payload: Any) -> str:
            return "after the restart"
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        client = errand.Client(self.server.url, timeout=10)
        slow_task = client.enqueue("slow", queue="restart")
        self.assertTrue(started.wait(20))
        self.server.stop()
        finish.set()  # the outcome meets a server that is down: the worker keeps it and retries
        time.sleep(3)
        self.assertTrue(thread.is_alive(), "the worker did not exit while the server was down")
        self.server.start()
        done = client.wait(slow_task.id, 60)
        self.assertEqual(("SUCCEEDED", "finished while the server was down"), (done.state, done.result))
        quick_task = client.enqueue("quick", queue="restart")
        self.assertEqual("after the restart", client.wait(quick_task.id, 60).result)
        worker.stop()
        thread.join(30)
        self.assertFalse(thread.is_alive())
        client.close()


if __name__ == "__main__":
    unittest.main()
