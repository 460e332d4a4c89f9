"""Errand's Python client: enqueue and read tasks (:class:`Client`), and run them (:class:`Worker`).

Standard library only. Talks to ``errand server`` over its HTTP API and worker protocol.
"""
from .claimed import ClaimedTask
from .client import Client, task_spec
from .errors import (Conflict, ConnectionFailed, ErrandError, FieldError, Invalid, NotFound, Permanent, Retry,
                     Snooze, Unavailable, WaitTimeout)
from .task import Task
from .worker import Worker

__version__ = "0.1.0"
__all__ = ["Client", "Worker", "Task", "ClaimedTask", "task_spec", "ErrandError", "NotFound", "Conflict",
           "Invalid", "Unavailable", "ConnectionFailed", "FieldError", "WaitTimeout", "Retry", "Permanent",
           "Snooze"]
