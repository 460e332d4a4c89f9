"""The producer side against a real server: enqueue, batches, get, wait, cancel, errors, problem details."""
import socket
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone

import errand
from tests.server import ErrandServer, ServerTestCase, claim, eventually, post, require_server


class ClientTest(ServerTestCase):
    def claim(self, queue: str) -> dict:
        tasks = claim(self.server.url, queue, wait=5)
        self.assertEqual(1, len(tasks))
        return tasks[0]

    def test_enqueue_returns_the_stored_task_and_get_reads_it_back(self) -> None:
        task = self.client.enqueue("send_email", {"to": "ada@example.com", "n": [1, 2]}, queue="c-enqueue",
                                   priority=7, max_attempts=3)
        self.assertEqual("READY", task.state)
        self.assertEqual(("c-enqueue", "send_email", 7, 3), (task.queue, task.type, task.priority, task.max_attempts))
        read = self.client.get(task.id)
        self.assertEqual({"to": "ada@example.com", "n": [1, 2]}, read.payload)
        self.assertEqual(task.id, read.id)
        self.assertIsNotNone(read.created_at.tzinfo)
        self.assertFalse(read.finished)

    def test_delay_and_run_at_schedule_the_task(self) -> None:
        delayed = self.client.enqueue("later", queue="c-delay", delay=timedelta(minutes=30))
        self.assertEqual("SCHEDULED", delayed.state)
        self.assertGreater(delayed.run_at, delayed.created_at + timedelta(minutes=29))
        at = datetime.now(timezone.utc) + timedelta(hours=2)
        scheduled = self.client.enqueue("later", queue="c-delay", run_at=at)
        self.assertLess(abs((scheduled.run_at - at).total_seconds()), 1)
        with self.assertRaises(ValueError):
            self.client.enqueue("later", run_at=datetime.now())  # naive: refused, never guessed
        with self.assertRaises(ValueError):
            self.client.enqueue("later", delay=1, run_at=at)

    def test_a_repeated_idempotency_key_returns_the_first_task(self) -> None:
        first = self.client.enqueue("charge", {"order": 1}, queue="c-idem", idempotency_key="order-1")
        again = self.client.enqueue("charge", {"order": 1}, queue="c-idem", idempotency_key="order-1")
        self.assertEqual(first.id, again.id)
        with self.assertRaises(errand.Invalid) as refused:
            self.client.enqueue("charge", {"order": 2}, queue="c-idem", idempotency_key="order-1")
        self.assertEqual(422, refused.exception.status)
        self.assertEqual(["idempotencyKey"], [e.field for e in refused.exception.errors])
        self.assertIn(first.id, refused.exception.errors[0].message)

    def test_invalid_input_raises_problem_details_naming_each_field(self) -> None:
        with self.assertRaises(errand.Invalid) as refused:
            self.client.enqueue("Not A Type", priority=11)
        e = refused.exception
        self.assertIsInstance(e, errand.ErrandError)
        self.assertEqual(422, e.status)
        self.assertEqual("Unprocessable Content", e.title)
        self.assertEqual({"type", "priority"}, {f.field for f in e.errors})
        self.assertEqual("/v1/tasks", e.problem["instance"])
        with self.assertRaises(errand.NotFound) as missing:
            self.client.get("01a2435b-0000-7000-8000-000000000000")
        self.assertEqual(404, missing.exception.status)
        self.assertIn("no task", missing.exception.detail)

    def test_a_batch_is_enqueued_whole_or_not_at_all(self) -> None:
        tasks = self.client.enqueue_many([errand.task_spec("a", {"i": 1}, queue="c-batch"),
                                          errand.task_spec("b", queue="c-batch", delay=60)])
        self.assertEqual(["READY", "SCHEDULED"], [t.state for t in tasks])
        with self.assertRaises(errand.Invalid) as refused:
            self.client.enqueue_many([errand.task_spec("a", queue="c-batch-bad"),
                                      errand.task_spec("b", queue="c-batch-bad", priority=99)])
        self.assertEqual(["tasks[1].priority"], [e.field for e in refused.exception.errors])
        self.assertEqual([], claim(self.server.url, "c-batch-bad", max=10), "nothing of the refused batch was written")

    def test_cancel_ends_a_pending_task(self) -> None:
        task = self.client.enqueue("expire_order", {"order": 7}, queue="c-cancel", delay="30m")
        cancelled = self.client.cancel(task.id)
        self.assertEqual("CANCELLED", cancelled.state)
        self.assertTrue(self.client.get(task.id).finished)

    def test_wait_returns_the_result_as_soon_as_the_task_finishes(self) -> None:
        task = self.client.enqueue("square", {"x": 7}, queue="c-wait")
        claimed = self.claim("c-wait")

        def complete_later() -> None:
            time.sleep(1.0)
            post(self.server.url, "/v1/tasks/%s/complete" % task.id, {"leaseToken": claimed["leaseToken"], "result": 49})
        threading.Thread(target=complete_later, daemon=True).start()
        started = time.monotonic()
        done = self.client.wait(task.id, timeout=20)
        self.assertEqual(("SUCCEEDED", 49), (done.state, done.result))
        self.assertLess(time.monotonic() - started, 15)

    def test_wait_raises_wait_timeout_with_the_task_when_time_runs_out(self) -> None:
        task = self.client.enqueue("later", queue="c-wait-timeout", delay="1h")
        started = time.monotonic()
        with self.assertRaises(errand.WaitTimeout) as timed_out:
            self.client.wait(task.id, timeout=1.5)
        self.assertIsInstance(timed_out.exception, TimeoutError)
        self.assertEqual("SCHEDULED", timed_out.exception.task.state)
        self.assertGreaterEqual(time.monotonic() - started, 1.4)
        self.assertLess(time.monotonic() - started, 10)

    def test_wait_parks_on_the_server_rather_than_polling(self) -> None:
        self.server.require("snooze")  # the protocol that brought snooze brought ?wait= too
        task = self.client.enqueue("later", queue="c-wait-park", delay="1h")
        transport = self.client._http
        calls = []
        original = transport.request

        def counting(*args, **kwargs):
            calls.append(args[1])
            return original(*args, **kwargs)
        transport.request = counting
        try:
            with self.assertRaises(errand.WaitTimeout):
                self.client.wait(task.id, timeout=3)
        finally:
            del transport.request
        self.assertTrue(calls[0].startswith("/v1/tasks/%s?wait=" % task.id), calls)
        self.assertLessEqual(len(calls), 2, "one parked request, not polling: %s" % calls)

    def test_errors_lists_each_failed_attempt(self) -> None:
        task = self.client.enqueue("flaky", queue="c-errors", max_attempts=3)
        claimed = self.claim("c-errors")
        self.assertEqual(204, post(self.server.url, "/v1/tasks/%s/fail" % task.id,
                                   {"leaseToken": claimed["leaseToken"], "error": "smtp timeout", "retryable": True}))
        history = eventually(lambda: self.client.errors(task.id), message="an error recorded")
        self.assertEqual(1, history[0]["attempt"])
        self.assertIn("smtp timeout", history[0]["error"] or history[0]["message"])

    def test_retry_policy_is_sent_with_the_task(self) -> None:
        self.server.require("retry", "base")
        task = self.client.enqueue("flaky", queue="c-retry", max_attempts=4, retry={"base": "1s", "cap": "1h"})
        self.assertEqual(4, task.max_attempts)
        with self.assertRaises(errand.Invalid) as refused:
            self.client.enqueue("flaky", queue="c-retry", retry={"base": "1s", "cap": "1s", "bogus": 1})
        self.assertTrue(any(e.field.startswith("retry") for e in refused.exception.errors))

    def test_an_unreachable_server_raises_connection_failed(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with errand.Client("http://127.0.0.1:%d" % port, timeout=2) as client:
            with self.assertRaises(errand.ConnectionFailed) as failed:
                client.get("x")
        self.assertEqual(0, failed.exception.status)


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()
        cls.server = ErrandServer(env={"ERRAND_TOKENS": "producer-token-0123456789 producer,"
                                                       "admin-token-0123456789ab admin"}).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def test_the_token_is_sent_and_a_missing_or_weak_one_is_refused(self) -> None:
        with errand.Client(self.server.url, token="producer-token-0123456789") as producer:
            task = producer.enqueue("a", queue="auth", delay="1h")
            with self.assertRaises(errand.ErrandError) as forbidden:
                producer.cancel(task.id)
            self.assertEqual(403, forbidden.exception.status)
        with errand.Client(self.server.url) as anonymous:
            with self.assertRaises(errand.ErrandError) as unauthorized:
                anonymous.get(task.id)
            self.assertEqual(401, unauthorized.exception.status)
        with errand.Client(self.server.url, token="admin-token-0123456789ab") as admin:
            self.assertEqual("CANCELLED", admin.cancel(task.id).state)


if __name__ == "__main__":
    unittest.main()
