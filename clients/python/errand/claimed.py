"""ClaimedTask: a task a worker holds the lease of, as its handler sees it."""
import json
import threading
import time
from typing import Any, Dict, Mapping, Tuple

MAX_PROGRESS_BYTES = 4096
"""The largest progress value the server keeps, as JSON."""


class ClaimedTask:
    """A task this worker is running. Handlers read its fields and may report progress.

    ``lost`` becomes true when the lease is gone (the task was cancelled, ran past its timeout, or could not
    be heartbeat in time): the outcome of this attempt will be dropped, and a long handler may stop early.
    Thread-safe.
    """

    def __init__(self, raw: Mapping[str, Any], wake: threading.Event) -> None:
        self.raw: Dict[str, Any] = dict(raw)
        self.id: str = raw["id"]
        self.queue: str = raw.get("queue", "")
        self.type: str = raw.get("type", "")
        self.payload: Any = raw.get("payload")
        self.attempt: int = raw.get("attempt", 0)
        self.max_attempts: int = raw.get("maxAttempts", 0)
        self.priority: int = raw.get("priority", 0)
        self.headers: Dict[str, str] = dict(raw.get("headers") or {})
        self.lease_token: str = raw["leaseToken"]
        self._wake = wake
        self._lock = threading.Lock()
        self._progress: Any = None
        self._progress_dirty = False
        self._lost = threading.Event()
        self.last_beat = time.monotonic()

    def progress(self, value: Any) -> None:
        """Reports how far the task got (any JSON value up to 4 KiB); sent with the next heartbeat, soon.

        Only the latest value is sent. Raises ``ValueError`` for a value that is not JSON or too large.
        """
        try:
            size = len(json.dumps(value, separators=(",", ":")).encode("utf-8"))
        except (TypeError, ValueError) as e:
            raise ValueError("progress must be JSON: %s" % e) from e
        if size > MAX_PROGRESS_BYTES:
            raise ValueError("progress is %d bytes as JSON, over the limit of %d" % (size, MAX_PROGRESS_BYTES))
        with self._lock:
            self._progress = value
            self._progress_dirty = True
        self._wake.set()

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def _mark_lost(self) -> None:
        self._lost.set()

    def _take_progress(self) -> Tuple[bool, Any]:
        """(whether a new value waits, the value), marking it sent."""
        with self._lock:
            dirty, self._progress_dirty = self._progress_dirty, False
            return dirty, self._progress

    def _restore_progress(self, value: Any) -> None:
        """Puts back a value a failed heartbeat did not deliver, unless a newer one came meanwhile."""
        with self._lock:
            if not self._progress_dirty:
                self._progress, self._progress_dirty = value, True

    def __repr__(self) -> str:
        return "ClaimedTask(id=%r, type=%r, attempt=%d)" % (self.id, self.type, self.attempt)

