"""Completer: reports a worker's successes in batches (``POST /v1/tasks:complete``). Internal.

Handler threads hand over (task, result) and go on; one thread sends what has gathered meanwhile in one
request, up to 100 a batch, so a busy worker makes one completion request per batch rather than per task.
A task keeps its slot until its outcome is reported (``done``), so the worker never claims more than it
can finish. A batch the server refuses as a whole (a result too large) is reported one task at a time.
"""
import logging
import queue
import threading
from typing import Any, Callable, List, Optional, Tuple

from ._backoff import Backoff
from ._http import Transport
from .claimed import ClaimedTask
from .errors import ConnectionFailed, ErrandError, Unavailable

MAX_BATCH = 100

Success = Tuple[ClaimedTask, Any]


class Completer:
    def __init__(self, transport: Transport, worker_id: str, log: logging.Logger,
                 done: Callable[[ClaimedTask], None], one_by_one: Callable[[ClaimedTask, Any], None],
                 wait_out: Callable[[Backoff, ErrandError, str, threading.Event], None],
                 hurry: threading.Event) -> None:
        self._http = transport
        self._worker_id = worker_id
        self._log = log
        self._done = done
        self._one_by_one = one_by_one
        self._wait_out = wait_out
        self._hurry = hurry
        self._successes: "queue.Queue[Optional[Success]]" = queue.Queue()

    def add(self, task: ClaimedTask, result: Any) -> None:
        self._successes.put((task, result))

    def close(self) -> None:
        """Ends :meth:`run` once what was added before is reported."""
        self._successes.put(None)

    def run(self) -> None:
        while True:
            first = self._successes.get()
            if first is None:
                return
            batch = [first]
            closing = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._successes.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    closing = True
                    break
                batch.append(item)
            try:
                self._send(batch)
            except Exception:  # never lose the thread; the tasks' leases run out
                self._log.exception("%s failed to report %d successes", self._worker_id, len(batch))
                for task, _ in batch:
                    self._done(task)
            if closing:
                return

    def _send(self, batch: List[Success]) -> None:
        backoff = Backoff()
        while True:
            live = [(t, r) for t, r in batch if not t.lost]
            for task, _ in batch:
                if task.lost:
                    self._log.warning("%s lost the lease on task %s; its complete is dropped", self._worker_id, task.id)
                    self._done(task)
            batch = live
            if not batch:
                return
            try:
                _, body, _ = self._http.request("POST", "/v1/tasks:complete", {"completions": [
                    {"id": t.id, "leaseToken": t.lease_token, "result": r} for t, r in batch]})
            except (Unavailable, ConnectionFailed) as e:
                if self._hurry.is_set():
                    for task, _ in batch:
                        self._done(task)
                    return
                self._wait_out(backoff, e, "complete of %d tasks" % len(batch), self._hurry)
                continue
            except ErrandError as e:  # one refused element refuses all: find it by sending each alone
                self._log.debug("%s: batch complete refused (%s); one by one", self._worker_id, e)
                for task, result in batch:
                    self._one_by_one(task, result)
                return
            for (task, _), answer in zip(batch, body["results"]):
                if answer["status"] != "completed":
                    task._mark_lost()
                    self._log.warning("%s: complete of task %s: %s; outcome dropped",
                                      self._worker_id, task.id, answer["status"])
                self._done(task)
            return
