"""Task: a task as the server answers it (enqueue, get, wait, cancel)."""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Mapping, Optional

from ._http import parse_instant

FINISHED_STATES = frozenset({"SUCCEEDED", "DEAD", "CANCELLED"})


@dataclass(frozen=True)
class Task:
    """One task, read-only. ``state`` is SCHEDULED, READY, RUNNING, RETRYING, SUCCEEDED, DEAD or CANCELLED.

    ``payload``, ``result`` and ``progress`` are decoded JSON; ``raw`` is the whole answer, fields this
    version does not know included.
    """

    id: str
    queue: str
    type: str
    state: str
    payload: Any = None
    priority: int = 0
    attempt: int = 0
    max_attempts: int = 0
    result: Any = None
    last_error: Optional[str] = None
    progress: Any = None
    idempotency_key: Optional[str] = None
    run_at: Optional[datetime] = None
    created_at: Optional[datetime] = None
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        """True once the task will change no more: SUCCEEDED, DEAD or CANCELLED."""
        return self.state in FINISHED_STATES

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Task":
        return cls(
            id=value["id"], queue=value.get("queue", ""), type=value.get("type", ""), state=value.get("state", ""),
            payload=value.get("payload"), priority=value.get("priority", 0), attempt=value.get("attempt", 0),
            max_attempts=value.get("maxAttempts", 0), result=value.get("result"),
            last_error=value.get("lastError"), progress=value.get("progress"),
            idempotency_key=value.get("idempotencyKey"), run_at=parse_instant(value.get("runAt")),
            created_at=parse_instant(value.get("createdAt")), started_at=parse_instant(value.get("startedAt")),
            finished_at=parse_instant(value.get("finishedAt")), raw=dict(value))
