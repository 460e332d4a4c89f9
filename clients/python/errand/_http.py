"""The HTTP transport shared by the client and the worker: a small pool of kept-alive connections.

Internal: not part of the package's API. Thread-safe: each request borrows a connection of its own.
"""
import http.client
import json
import math
import queue
import re
import socket
import threading
import urllib.parse
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Mapping, Optional, Set, Tuple

from .errors import ConnectionFailed, Duration, problem_error

USER_AGENT = "errand-python/0.1"
_POOL_SIZE = 16


class Transport:
    """Sends JSON requests to one server and turns error answers into ErrandError subclasses."""

    def __init__(self, url: str, token: Optional[str], timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be http://host[:port] or https://..., not %r" % (url,))
        if timeout <= 0:
            raise ValueError("timeout must be positive, not %r" % (timeout,))
        self.url = url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._idle: "queue.LifoQueue[http.client.HTTPConnection]" = queue.LifoQueue(_POOL_SIZE)
        self._busy: Set[http.client.HTTPConnection] = set()
        self._aborted = False
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: Any = None, *, timeout: Optional[float] = None,
                headers: Optional[Mapping[str, str]] = None) -> Tuple[int, Any, Mapping[str, str]]:
        """Sends one request; returns (status, decoded JSON or None, headers) for a 2xx answer.

        Raises the status's ErrandError for an error answer, ConnectionFailed when the server is unreachable.
        """
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        sent = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            sent["Content-Type"] = "application/json"
        if self._token:
            sent["Authorization"] = "Bearer " + self._token
        sent.update(headers or {})
        wait = self.timeout if timeout is None else timeout
        status, raw, answer = self._exchange(method, self._prefix + path, data, sent, wait)
        decoded = _decode(raw)
        if status >= 400:
            problem = decoded if isinstance(decoded, dict) else {"title": "HTTP %d" % status, "detail": raw[:200].decode("utf-8", "replace")}
            raise problem_error(status, problem, retry_after_seconds(answer.get("retry-after")))
        return status, decoded, answer

    def _exchange(self, method: str, path: str, data: Optional[bytes], headers: Dict[str, str],
                  timeout: float) -> Tuple[int, bytes, Dict[str, str]]:
        for attempt in (1, 2):
            if self._aborted:
                raise ConnectionFailed("%s %s: the transport was aborted" % (method, path))
            reused = True
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                reused = False
                connection = self._connect(timeout)
            with self._lock:
                self._busy.add(connection)
            try:
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                connection.request(method, path, body=data, headers=headers)
                response = connection.getresponse()
                raw = response.read()
                answer = {k.lower(): v for k, v in response.getheaders()}
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                connection.close()
                # A kept-alive connection the server closed while idle: the request never reached it, so
                # sending it again on a new connection cannot do it twice.
                if reused and attempt == 1:
                    continue
                raise ConnectionFailed("%s %s: %s" % (method, path, e)) from e
            except (OSError, http.client.HTTPException) as e:
                connection.close()
                raise ConnectionFailed("%s %s: %s" % (method, path, e)) from e
            finally:
                with self._lock:
                    self._busy.discard(connection)
            if response.will_close:
                connection.close()
            else:
                try:
                    self._idle.put_nowait(connection)
                except queue.Full:
                    connection.close()
            return response.status, raw, answer
        raise AssertionError("unreachable")

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def abort(self) -> None:
        """Cuts the connections of requests in flight and refuses new ones (ConnectionFailed): ends long polls."""
        with self._lock:
            self._aborted = True
            busy = list(self._busy)
        for connection in busy:
            if connection.sock is not None:
                try:
                    connection.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        """Closes the idle connections; requests still work afterwards, on new ones."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def retry_after_seconds(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: the caller backs off on its own


def quote(segment: str) -> str:
    """One path segment, escaped."""
    return urllib.parse.quote(segment, safe="")


_SHORT = re.compile(r"\d{1,10}(ms|s|m|h|d)$")


def duration_text(name: str, value: Duration) -> str:
    """A duration as the server reads it: numbers and timedeltas in whole ms or s, text as given."""
    if isinstance(value, str):
        if not (_SHORT.match(value) or value.upper().startswith("P")):
            raise ValueError("%s must be like 250ms, 30s, 15m, 1h, 2d or PT30S, not %r" % (name, value))
        return value
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise TypeError("%s must be seconds, a timedelta or a duration string, not %r" % (name, value))
    if seconds < 0 or math.isnan(seconds) or math.isinf(seconds):
        raise ValueError("%s must not be negative, not %r" % (name, value))
    ms = int(math.ceil(seconds * 1000))
    return "%ds" % (ms // 1000) if ms % 1000 == 0 else "%dms" % ms


def duration_seconds(name: str, value: Duration) -> float:
    """A duration in seconds, for the waits the client does itself."""
    if isinstance(value, str):
        m = re.match(r"(\d{1,10})(ms|s|m|h|d)$", value)
        if not m:
            raise ValueError("%s must be like 250ms, 30s, 15m, 1h or 2d, not %r" % (name, value))
        unit = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
        return int(m.group(1)) * unit
    ms = duration_text(name, value)
    return int(ms[:-2]) / 1000 if ms.endswith("ms") else float(ms[:-1])


def instant_text(name: str, value: datetime) -> str:
    """An aware datetime as RFC 3339; a naive one is refused rather than guessed."""
    if not isinstance(value, datetime):
        raise TypeError("%s must be a datetime, not %r" % (name, value))
    if value.tzinfo is None:
        raise ValueError("%s must carry a time zone (datetime.now(timezone.utc)), not %r" % (name, value))
    return value.isoformat()


_FRACTION = re.compile(r"\.(\d+)")


def parse_instant(value: Optional[str]) -> Optional[datetime]:
    """An instant of the server (``2026-12-04T23:19:49.864649Z``, up to nanoseconds) as an aware datetime."""
    if value is None:
        return None
    text = value.replace("Z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

