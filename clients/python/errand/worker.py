"""Worker: runs handlers for tasks of a server's queues over the HTTP worker protocol."""
import inspect
import json
import logging
import math
import os
import queue as queues_module
import signal
import socket
import threading
import time
import traceback
from typing import Any, Callable, Dict, Iterable, List, Optional

from ._backoff import Backoff
from ._completer import Completer
from ._heartbeats import Heartbeats
from ._http import Transport, duration_text, quote
from .claimed import ClaimedTask
from .errors import (ConnectionFailed, Conflict, ErrandError, Invalid, NotFound, Permanent, Retry, Snooze,
                     Unavailable)

Handler = Callable[..., Any]
MAX_ERROR_CHARS = 64 * 1024


class Worker:
    """Claims tasks of ``queues`` and runs the handler registered for each task's type on a pool of
    ``concurrency`` threads.

    The rule, as for Java workers: **a queue's workers must handle every type sent to that queue.** A task
    whose type has no handler here is failed without retry (it goes to the dead letters) with an error
    naming this worker and the type; give each kind of worker a queue of its own.

    While a handler runs, its lease is extended in the background (every third of ``lease`` seconds) and
    the progress it reports goes along. The handler's outcome decides the task's fate:

    - it returns: the task SUCCEEDED, the return value (JSON) is its result;
    - it raises :class:`Retry` (``after=`` a delay): the attempt failed, retried no sooner than ``after``;
    - it raises :class:`Permanent`: dead at once, no retry;
    - it raises :class:`Snooze` (``delay``): back in line after the delay, the attempt not counted;
    - anything else: the attempt failed with the traceback, retried with the task's backoff.

    When the server or its store is unavailable (503, refused or reset connections) the worker waits as
    the server's ``Retry-After`` says, or backs off exponentially up to 30 s, and tries again for as long
    as it runs; it never exits for that. A 401, 403 or 422 on claim is a configuration error: ``run``
    stops and raises it.

    Shutdown (``stop()``, SIGTERM or SIGINT in ``run``): stop claiming; let running handlers finish for up
    to ``grace`` seconds and report their outcomes; then release the tasks still running (snoozed: they go
    back in line with their attempt not counted, and whatever those handlers report later is dropped) and
    return. A server without snooze leaves those leases to run out instead (the attempt then counts as
    lost). A second signal skips the rest of the grace period. ``run`` works once per Worker.
    """

    def __init__(self, url: str = "http://127.0.0.1:7700", queues: Iterable[str] = ("default",),
                 token: Optional[str] = None, concurrency: int = 8, *, worker_id: Optional[str] = None,
                 lease: float = 30.0, poll: int = 10, grace: float = 30.0, timeout: float = 30.0,
                 logger: Optional[logging.Logger] = None) -> None:
        self.queues: List[str] = list(queues)
        if not self.queues or not all(isinstance(q, str) and q for q in self.queues):
            raise ValueError("queues must name at least one queue, not %r" % (queues,))
        if not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError("concurrency must be at least 1, not %r" % (concurrency,))
        if not 1 <= lease <= 3600:
            raise ValueError("lease must be 1..3600 seconds, not %r" % (lease,))
        if not isinstance(poll, int) or not 1 <= poll <= 60:
            raise ValueError("poll must be 1..60 whole seconds, not %r" % (poll,))
        if grace < 0:
            raise ValueError("grace must not be negative, not %r" % (grace,))
        self.worker_id = worker_id or "py-%s-%d" % (socket.gethostname(), os.getpid())
        self.concurrency = concurrency
        self.lease = lease
        self.poll = poll
        self.grace = grace
        self.log = logger or logging.getLogger("errand.worker")
        self._http = Transport(url, token, timeout)
        # the claims' long polls have connections of their own, so that shutdown can cut them alone
        self._claims = Transport(url, token, timeout)
        self._handlers: Dict[str, Handler] = {}
        self._takes_task: Dict[str, bool] = {}
        self._slots = threading.Condition()
        self._free = concurrency
        self._running: Dict[str, ClaimedTask] = {}
        self._work: "queues_module.Queue[Optional[ClaimedTask]]" = queues_module.Queue()
        self._stopping = threading.Event()
        self._hurry = threading.Event()
        self._done = threading.Event()
        self._wake_heartbeats = threading.Event()
        self._fatal: Optional[ErrandError] = None
        self._heartbeats = Heartbeats(self._http, self.worker_id, self.log, lease, self._running_tasks,
                                      self._wake_heartbeats, self._done)
        self._completer = Completer(self._http, self.worker_id, self.log, self._finished, self._complete_alone,
                                    self._wait_out, self._hurry)
        self._retry_after_supported = True
        self._snooze_supported = True

    # -- handlers

    def handler(self, type: str) -> Callable[[Handler], Handler]:
        """Registers the decorated function for tasks of ``type``: ``fn(payload)`` or ``fn(payload, task)``."""
        def register(fn: Handler) -> Handler:
            self.register(type, fn)
            return fn
        return register

    def register(self, type: str, fn: Handler) -> None:
        """Registers ``fn`` for tasks of ``type``; one handler a type."""
        if type in self._handlers:
            raise ValueError("type %r has a handler already" % (type,))
        if not callable(fn):
            raise TypeError("handler for %r must be callable, not %r" % (type, fn))
        self._handlers[type] = fn
        self._takes_task[type] = _positional_arity(fn) >= 2

    # -- lifecycle

    def run(self) -> None:
        """Works until :meth:`stop` (or SIGTERM/SIGINT, when called on the main thread), then shuts down
        gracefully and returns. Raises the configuration error that stopped it, if one did."""
        restore = self._install_signals()
        threads = [threading.Thread(target=self._pool_loop, name="errand-handler-%d" % i, daemon=True)
                   for i in range(self.concurrency)]
        claimers = [threading.Thread(target=self._claim_loop, args=(q, len(self.queues)),
                                     name="errand-claim-" + q, daemon=True) for q in self.queues]
        beater = threading.Thread(target=self._heartbeats.run, name="errand-heartbeat", daemon=True)
        completer = threading.Thread(target=self._completer.run, name="errand-completer", daemon=True)
        for t in threads + claimers + [beater, completer]:
            t.start()
        self.log.info("%s working on %s with %d threads, handlers for %s", self.worker_id,
                      ", ".join(self.queues), self.concurrency, ", ".join(sorted(self._handlers)) or "no type")
        try:
            while not self._stopping.wait(0.5):
                pass
            self._shut_down(claimers)
        finally:
            self._done.set()
            restore()
            for _ in threads:
                self._work.put(None)
            self._completer.close()
            self._wake_heartbeats.set()
            self._http.close()
            self._claims.close()
        if self._fatal is not None:
            raise self._fatal

    def stop(self) -> None:
        """Starts a graceful shutdown (thread-safe; returns at once). A second call skips the grace period."""
        if self._stopping.is_set():
            self._hurry.set()
        self._stopping.set()
        with self._slots:
            self._slots.notify_all()

    def _install_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
        for s in previous:
            signal.signal(s, lambda signum, frame: self.stop())

        def restore() -> None:
            for s, h in previous.items():
                signal.signal(s, h)
        return restore

    def _shut_down(self, claimers: List[threading.Thread]) -> None:
        """Waits within the grace period for the running tasks and for the parked long polls (at most
        ``poll`` seconds; what they bring back is released at once), then releases what still runs.

        A long poll still parked when the grace period ends is cut here, but the server keeps it parked to
        its end: the tasks released then come back only after ``poll`` seconds, so that it cannot take
        them, and a task it takes meanwhile waits for its lease to run out (that attempt counts as lost)."""
        deadline = time.monotonic() + self.grace
        self.log.info("%s stopping: no more claims; %d running, waiting up to %.0f s for them",
                      self.worker_id, self._running_count(), self.grace)
        while time.monotonic() < deadline and not self._hurry.is_set():
            if self._running_count() == 0 and not any(c.is_alive() for c in claimers):
                break
            time.sleep(0.05)
        parked = any(c.is_alive() for c in claimers)
        self._claims.abort()
        for claimer in claimers:
            claimer.join(2.0)
        left = self._running_tasks()
        for task in left:
            task._mark_lost()
            self._release(task, self.poll + 1 if parked else 0)
        self.log.info("%s stopped%s", self.worker_id,
                      "; released %d unfinished tasks" % len(left) if left else "")

    def _running_count(self) -> int:
        with self._slots:
            return len(self._running)

    def _running_tasks(self) -> List[ClaimedTask]:
        with self._slots:
            return list(self._running.values())

    # -- claiming

    def _claim_loop(self, queue: str, queue_count: int) -> None:
        """Long-polls one queue for as many tasks as there are free threads (its share of them)."""
        share = max(1, math.ceil(self.concurrency / queue_count))
        backoff = Backoff()
        path = "/v1/queues/%s/claim" % quote(queue)
        while not self._stopping.is_set():
            with self._slots:
                while self._free == 0 and not self._stopping.is_set():
                    self._slots.wait()
                if self._stopping.is_set():
                    return
                wanted = min(self._free, share, 100)
                self._free -= wanted
            tasks: List[Dict[str, Any]] = []
            try:
                _, body, _ = self._claims.request("POST", path, {
                    "workerId": self.worker_id, "max": wanted, "leaseSeconds": int(self.lease),
                    "waitSeconds": self.poll}, timeout=self._claims.timeout + self.poll)
                tasks = body["tasks"]
                if backoff.failures:
                    self.log.info("%s reconnected to %s", self.worker_id, self._http.url)
                backoff.reset()
            except (Unavailable, ConnectionFailed) as e:
                if self._stopping.is_set():
                    return  # the long poll was cut by shutdown
                self._wait_out(backoff, e, "claim on " + queue, self._stopping)
            except ErrandError as e:
                if e.status in (401, 403, 422):
                    self.log.error("%s cannot claim from %s: %s", self.worker_id, queue, e)
                    self._fatal = e
                    self.stop()
                else:
                    self._wait_out(backoff, e, "claim on " + queue, self._stopping)
            finally:
                with self._slots:
                    self._free += wanted - len(tasks)
                    self._slots.notify_all()
            for raw in tasks:
                task = ClaimedTask(raw, self._wake_heartbeats)
                with self._slots:
                    self._running[task.id] = task
                if self._stopping.is_set():
                    self.log.info("%s gives back task %s, claimed as it stopped", self.worker_id, task.id)
                    self._release(task)
                    self._finished(task)
                else:
                    self._work.put(task)

    def _wait_out(self, backoff: Backoff, error: ErrandError, what: str, interrupt: threading.Event) -> None:
        """Waits as the server asked, or backs off; logs the first failure of a run of them."""
        delay = backoff.next(error.retry_after)
        level = logging.WARNING if backoff.failures == 1 else logging.DEBUG
        self.log.log(level, "%s %s failed (%s); trying again in %.1f s", self.worker_id, what, error, delay)
        interrupt.wait(delay)

    # -- running

    def _pool_loop(self) -> None:
        while True:
            task = self._work.get()
            if task is None:
                return
            handed_over = False
            try:
                handed_over = self._execute(task)
            except BaseException:  # never lose a thread of the pool
                self.log.exception("%s failed to report task %s", self.worker_id, task.id)
            finally:
                if not handed_over:
                    self._finished(task)

    def _execute(self, task: ClaimedTask) -> bool:
        """Runs the task's handler and reports a failure; a success goes to the completer (True)."""
        handler = self._handlers.get(task.type)
        if handler is None:
            self._report(task, "fail", {"error": "no handler for type %s on worker %s (queue %s): a queue's workers"
                                        " must handle every type sent to it" % (task.type, self.worker_id, task.queue),
                                        "retryable": False})
            return False
        try:
            result = handler(task.payload, task) if self._takes_task[task.type] else handler(task.payload)
            json.dumps(result)
        except Snooze as s:
            self._report(task, "snooze", {"delay": duration_text("delay", s.delay)})
        except Retry as r:
            body: Dict[str, Any] = {"error": str(r), "retryable": True}
            if r.after is not None:
                body["retryAfter"] = duration_text("after", r.after)
            self._report(task, "fail", body)
        except Permanent as p:
            self._report(task, "fail", {"error": str(p) or type(p).__name__, "retryable": False})
        except Exception:
            self._report(task, "fail", {"error": traceback.format_exc()[-MAX_ERROR_CHARS:], "retryable": True})
        else:
            self._completer.add(task, result)
            return True
        return False

    def _complete_alone(self, task: ClaimedTask, result: Any) -> None:
        """A success reported by itself, when its batch was refused; frees the task's slot."""
        try:
            self._report(task, "complete", {"result": result})
        finally:
            self._finished(task)

    def _report(self, task: ClaimedTask, verb: str, body: Dict[str, Any]) -> None:
        """Sends the outcome with the lease token, again while the server is unavailable, until it is taken
        or refused, or the lease is known lost. A stale lease (409) or a task gone (404) drops the outcome."""
        backoff = Backoff()
        while True:
            if task.lost:
                self.log.warning("%s lost the lease on task %s; its %s is dropped", self.worker_id, task.id, verb)
                return
            try:
                self._http.request("POST", "/v1/tasks/%s/%s" % (quote(task.id), verb),
                                   dict(body, leaseToken=task.lease_token))
                return
            except (Conflict, NotFound) as e:
                if verb == "snooze" and isinstance(e, NotFound) and self._server_lacks_snooze(e):
                    verb, body = "fail", {"error": "snoozed for %s" % body["delay"], "retryable": True,
                                          "retryAfter": body["delay"]}
                    continue
                task._mark_lost()
                self.log.warning("%s: %s of task %s refused (%s); outcome dropped", self.worker_id, verb, task.id, e)
                return
            except Invalid as e:
                if "retryAfter" in body and any(f.field == "retryAfter" for f in e.errors):
                    self._note_unsupported("_retry_after_supported", "retryAfter on fail")
                    body = {k: v for k, v in body.items() if k != "retryAfter"}
                    continue
                if verb == "complete" and any(f.field == "result" for f in e.errors):
                    verb, body = "fail", _refused_result(e)
                    continue
                self.log.error("%s: %s of task %s was refused: %s", self.worker_id, verb, task.id, e)
                return
            except (Unavailable, ConnectionFailed) as e:
                if self._hurry.is_set():
                    return
                # not interrupted by stop(): an outcome is worth reporting within the grace period
                self._wait_out(backoff, e, "%s of task %s" % (verb, task.id), self._hurry)
            except ErrandError as e:
                if verb == "complete" and e.status == 413:
                    verb, body = "fail", _refused_result(e)
                    continue
                self.log.error("%s: %s of task %s failed: %s", self.worker_id, verb, task.id, e)
                return

    def _server_lacks_snooze(self, error: NotFound) -> bool:
        """A 404 for the route itself (an older server), not for the task."""
        if "no task" in (error.detail or ""):
            return False
        self._note_unsupported("_snooze_supported", "snooze (falling back to a retryable fail)")
        return True

    def _note_unsupported(self, flag: str, what: str) -> None:
        if getattr(self, flag):
            setattr(self, flag, False)
            self.log.warning("%s: the server does not take %s", self.worker_id, what)

    def _release(self, task: ClaimedTask, delay: int = 0) -> None:
        """Gives a task back without using an attempt, to run again after ``delay`` seconds; on a server
        without snooze, its lease runs out instead."""
        if not self._snooze_supported:
            return
        try:
            self._http.request("POST", "/v1/tasks/%s/snooze" % quote(task.id),
                               {"leaseToken": task.lease_token, "delay": "%ds" % delay})
        except NotFound as e:
            self._server_lacks_snooze(e)
        except ErrandError as e:
            self.log.warning("%s could not release task %s (%s); its lease will run out", self.worker_id, task.id, e)

    def _finished(self, task: ClaimedTask) -> None:
        with self._slots:
            if self._running.pop(task.id, None) is not None:
                self._free += 1
                self._slots.notify_all()


def _refused_result(error: ErrandError) -> Dict[str, Any]:
    """The failure that replaces a success whose result the server refused (too large): it would never fit."""
    detail = "; ".join("%s %s" % f for f in error.errors) or error.detail or error.title
    return {"error": "the handler's result was refused: %s" % detail, "retryable": False}


def _positional_arity(fn: Handler) -> int:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return 2
    return sum(1 for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


__all__ = ["Worker"]
