"""Client: the producer side of the HTTP API (enqueue, read, wait, cancel)."""
import time
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._http import Transport, duration_seconds, duration_text, instant_text, quote
from .errors import Duration, WaitTimeout
from .task import Task

MAX_WAIT_SECONDS = 60
"""The longest one wait request may park on the server; Client.wait asks again until its own timeout."""


class Client:
    """Enqueues and reads tasks of one Errand server. Thread-safe; keeps a few connections alive.

    ``token`` is a bearer token (a ``producer`` token enqueues and reads; ``admin`` also cancels).
    ``timeout`` bounds each request in seconds (a wait adds its own length).
    Every method raises an :class:`ErrandError` subclass for an error answer, and
    :class:`ConnectionFailed` when the server is unreachable.
    """

    def __init__(self, url: str = "http://127.0.0.1:7700", token: Optional[str] = None, timeout: float = 30.0) -> None:
        self._http = Transport(url, token, timeout)

    @property
    def url(self) -> str:
        return self._http.url

    def enqueue(self, type: str, payload: Any = None, *, queue: Optional[str] = None,
                delay: Optional[Duration] = None, run_at: Optional[datetime] = None,
                priority: Optional[int] = None, idempotency_key: Optional[str] = None,
                max_attempts: Optional[int] = None, retry: Optional[Mapping[str, Duration]] = None,
                timeout: Optional[Duration] = None, target: Optional[Mapping[str, Any]] = None,
                id: Optional[str] = None) -> Task:
        """Enqueues one task and returns it as stored.

        A repeated ``idempotency_key`` (with the same type, queue, payload and priority) returns the first
        task instead of a new one; a different request under the same key is :class:`Invalid`.
        ``retry`` is the backoff, ``{"base": "1s", "cap": "1h"}``; ``target`` an HTTP target the server calls.
        """
        spec = task_spec(type, payload, queue=queue, delay=delay, run_at=run_at, priority=priority,
                         idempotency_key=idempotency_key, max_attempts=max_attempts, retry=retry,
                         timeout=timeout, target=target, id=id)
        _, body, _ = self._http.request("POST", "/v1/tasks", spec)
        return Task.from_json(body)

    def enqueue_many(self, specs: Sequence[Mapping[str, Any]]) -> List[Task]:
        """Enqueues up to 1000 tasks in one request, all checked before any is written.

        Each spec is a dict of :func:`task_spec`'s shape (build them with it). Returns the tasks in order;
        a repeated idempotency key gives the existing task.
        """
        _, body, _ = self._http.request("POST", "/v1/tasks:batch", {"tasks": list(specs)})
        return [Task.from_json(r["task"]) for r in body["results"]]

    def get(self, id: str) -> Task:
        """The task now; :class:`NotFound` when there is none (or it was pruned after its retention)."""
        _, body, _ = self._http.request("GET", "/v1/tasks/" + quote(id))
        return Task.from_json(body)

    def wait(self, id: str, timeout: Duration = 30.0) -> Task:
        """The task once it is finished (SUCCEEDED, DEAD or CANCELLED), waiting up to ``timeout``.

        The server holds each request until the task finishes or at most a minute, so waiting costs no
        polling. Raises :class:`WaitTimeout` (a ``TimeoutError`` carrying the last ``task``) when time runs out.
        """
        deadline = time.monotonic() + duration_seconds("timeout", timeout)
        while True:
            path, park = wait_request(id, deadline)
            asked = time.monotonic()
            _, body, _ = self._http.request("GET", path, timeout=self._http.timeout + park)
            task = Task.from_json(body)
            if task.finished:
                return task
            if deadline - time.monotonic() < 0.05:
                raise WaitTimeout(task)
            # An answer well before the time asked for, task unfinished (a server that does not park):
            # ask again after a pause rather than at once.
            if time.monotonic() - asked < park - 1:
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    def cancel(self, id: str) -> Task:
        """Cancels a task that has not finished (a running one's lease is fenced); returns it. Needs ``admin``."""
        _, body, _ = self._http.request("POST", "/v1/tasks/%s/cancel" % quote(id))
        return Task.from_json(body)

    def errors(self, id: str) -> List[Dict[str, Any]]:
        """The task's error history, oldest first: ``[{attempt, at, workerId, message, error}]``."""
        _, body, _ = self._http.request("GET", "/v1/tasks/%s/errors" % quote(id))
        return list(body["errors"])

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def wait_request(id: str, deadline: float) -> Tuple[str, float]:
    """The path of one wait request that parks until ``deadline`` (monotonic) or a minute, and its seconds."""
    park = max(0.0, min(MAX_WAIT_SECONDS, deadline - time.monotonic()))
    return "/v1/tasks/%s?wait=%dms" % (quote(id), park * 1000), park


def task_spec(type: str, payload: Any = None, *, queue: Optional[str] = None, delay: Optional[Duration] = None,
              run_at: Optional[datetime] = None, priority: Optional[int] = None,
              idempotency_key: Optional[str] = None, max_attempts: Optional[int] = None,
              retry: Optional[Mapping[str, Duration]] = None, timeout: Optional[Duration] = None,
              target: Optional[Mapping[str, Any]] = None, id: Optional[str] = None) -> Dict[str, Any]:
    """The JSON of one enqueue, for :meth:`Client.enqueue_many`. Only what is given is sent.

    Types are checked here (a ``TypeError``/``ValueError`` naming the argument); the server checks the
    values and answers :class:`Invalid` naming each field.
    """
    if not isinstance(type, str):
        raise TypeError("type must be a str, not %r" % (type,))
    if delay is not None and run_at is not None:
        raise ValueError("give delay or run_at, not both")
    spec: Dict[str, Any] = {"type": type}
    if payload is not None:
        spec["payload"] = payload
    if queue is not None:
        spec["queue"] = queue
    if delay is not None:
        spec["delay"] = duration_text("delay", delay)
    if run_at is not None:
        spec["runAt"] = instant_text("run_at", run_at)
    for name, key, value in (("priority", "priority", priority), ("max_attempts", "maxAttempts", max_attempts)):
        if value is not None:
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError("%s must be an int, not %r" % (name, value))
            spec[key] = value
    if idempotency_key is not None:
        spec["idempotencyKey"] = idempotency_key
    if retry is not None:
        spec["retry"] = {k: duration_text("retry." + k, v) if k in ("base", "cap") else v for k, v in retry.items()}
    if timeout is not None:
        spec["timeout"] = duration_text("timeout", timeout)
    if target is not None:
        spec["target"] = dict(target)
    if id is not None:
        spec["id"] = id
    return spec


__all__ = ["Client", "task_spec"]
