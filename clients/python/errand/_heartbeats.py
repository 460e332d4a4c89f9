"""Heartbeats: keep a worker's leases alive and carry its tasks' progress. Internal.

One thread extends each running task's lease every third of the lease, and sooner (at most once a second
a task) when its handler has reported new progress. A heartbeat the server refuses (409 stale, 404 gone)
marks the task lost; one that fails for want of a server is tried again within about a second.
"""
import logging
import threading
import time
from typing import Any, Callable, Dict, List

from ._http import Transport, quote
from .claimed import ClaimedTask
from .errors import Conflict, ErrandError, Invalid, NotFound

PROGRESS_EVERY = 1.0
"""The least time between two heartbeats of a task that carry progress, in seconds."""


class Heartbeats:
    def __init__(self, transport: Transport, worker_id: str, log: logging.Logger, lease: float,
                 running: Callable[[], List[ClaimedTask]], wake: threading.Event, done: threading.Event) -> None:
        self._http = transport
        self._worker_id = worker_id
        self._log = log
        self._lease = lease
        self._running = running
        self._wake = wake
        self._done = done
        self._progress_supported = True

    def run(self) -> None:
        every = self._lease / 3
        while not self._done.is_set():
            now = time.monotonic()
            next_due = now + every
            for task in self._running():
                if task.lost:
                    continue
                dirty, progress = task._take_progress()
                dirty = dirty and self._progress_supported
                due = task.last_beat + every
                if now >= due or (dirty and now >= task.last_beat + PROGRESS_EVERY):
                    self._beat(task, dirty, progress)
                    due = task.last_beat + every
                elif dirty:
                    task._restore_progress(progress)
                    due = task.last_beat + PROGRESS_EVERY
                next_due = min(next_due, due)
            self._wake.wait(max(0.05, next_due - time.monotonic()))
            self._wake.clear()

    def _beat(self, task: ClaimedTask, with_progress: bool, progress: Any) -> None:
        body: Dict[str, Any] = {"leaseToken": task.lease_token, "leaseSeconds": int(self._lease)}
        if with_progress:
            body["progress"] = progress
        try:
            self._http.request("POST", "/v1/tasks/%s/heartbeat" % quote(task.id), body)
            task.last_beat = time.monotonic()
        except (Conflict, NotFound) as e:
            task._mark_lost()
            self._log.warning("%s lost the lease on task %s (%s); its outcome will be dropped",
                              self._worker_id, task.id, e.detail or e.title)
        except Invalid as e:
            if with_progress and any(f.field == "progress" for f in e.errors):
                self._progress_supported = False  # an older server: heartbeats go on without progress
                self._log.warning("%s: the server does not take progress on heartbeats", self._worker_id)
                self._beat(task, False, None)
            else:
                self._log.error("%s: heartbeat of task %s refused: %s", self._worker_id, task.id, e)
        except ErrandError as e:  # unavailable: again within about a second, the lease has slack
            if with_progress:
                task._restore_progress(progress)
            task.last_beat = min(task.last_beat, time.monotonic() - self._lease / 3 + 1.0)
            self._log.debug("%s: heartbeat of task %s failed: %s", self._worker_id, task.id, e)
