"""Exceptions: the server's RFC 9457 problem details, and the outcomes a handler raises."""
from datetime import timedelta
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Union

Duration = Union[float, int, timedelta, str]
"""Seconds as a number, a timedelta, or the server's own duration text ("250ms", "30s", "15m", "PT30S")."""


class FieldError(NamedTuple):
    """One invalid field of a request, as the server named it (``tasks[3].priority``)."""

    field: str
    message: str


class ErrandError(Exception):
    """An error answer of the server, with its problem details (RFC 9457).

    ``status`` is the HTTP status, ``title`` and ``detail`` the problem's text, ``errors`` the invalid fields
    of a 422, ``retry_after`` the seconds the server asked to wait (503), ``problem`` the whole document.
    """

    def __init__(self, status: int, title: str, detail: Optional[str] = None,
                 errors: Optional[List[FieldError]] = None, retry_after: Optional[float] = None,
                 problem: Optional[Mapping[str, Any]] = None) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.errors: List[FieldError] = list(errors or [])
        self.retry_after = retry_after
        self.problem: Dict[str, Any] = dict(problem or {})
        super().__init__("%d %s%s" % (status, title, ": " + detail if detail else ""))


class NotFound(ErrandError):
    """404: no such task (or route)."""


class Conflict(ErrandError):
    """409: a stale lease token, or a clash with the server's state."""


class Invalid(ErrandError):
    """422: the request was refused; ``errors`` names each field."""


class Unavailable(ErrandError):
    """503: the store is unreachable or the server is stopping; wait ``retry_after`` seconds."""


class ConnectionFailed(ErrandError):
    """The server could not be reached (refused, reset, timed out); status 0. Retrying later may succeed."""

    def __init__(self, detail: str) -> None:
        super().__init__(0, "server unreachable", detail)


_BY_STATUS = {404: NotFound, 409: Conflict, 422: Invalid, 503: Unavailable}


def problem_error(status: int, problem: Mapping[str, Any], retry_after: Optional[float]) -> ErrandError:
    """The exception for an error answer: its status's subclass, or ErrandError."""
    errors = [FieldError(str(e.get("field", "")), str(e.get("message", "")))
              for e in problem.get("errors", []) if isinstance(e, Mapping)]
    kind = _BY_STATUS.get(status, ErrandError)
    return kind(status, str(problem.get("title") or "HTTP %d" % status), problem.get("detail"), errors,
                retry_after, problem)


class WaitTimeout(TimeoutError):
    """``Client.wait`` ran out of time before the task finished; ``task`` is how it was last seen."""

    def __init__(self, task: Any) -> None:
        self.task = task
        super().__init__("task %s is still %s" % (task.id, task.state))


class Retry(Exception):
    """Raise from a handler to fail this attempt and be retried, no sooner than ``after`` if given.

    The attempt counts; after the task's last attempt it is dead, as for any other exception.
    """

    def __init__(self, message: str = "retry requested", after: Optional[Duration] = None) -> None:
        self.after = after
        super().__init__(message)


class Permanent(Exception):
    """Raise from a handler to fail without retry: the task goes to the dead letters at once."""


class Snooze(Exception):
    """Raise from a handler to put the task back for ``delay`` without using up an attempt."""

    def __init__(self, delay: Duration) -> None:
        self.delay = delay
        super().__init__("snoozed for %s" % (delay,))
