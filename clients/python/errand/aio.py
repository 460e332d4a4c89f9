"""AsyncClient: the producer side for asyncio applications, on httpx (the only part of the package that
needs a third-party library: ``pip install httpx``, or Debian's ``python3-httpx``)."""
import asyncio
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

import httpx

from ._http import USER_AGENT, duration_seconds, quote, retry_after_seconds
from .client import task_spec, wait_request
from .errors import ConnectionFailed, Duration, WaitTimeout, problem_error
from .task import Task


class AsyncClient:
    """The methods of :class:`errand.Client`, as coroutines. One per event loop; close it (``async with``)."""

    def __init__(self, url: str = "http://127.0.0.1:7700", token: Optional[str] = None, timeout: float = 30.0) -> None:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = "Bearer " + token
        self.timeout = timeout
        self._http = httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=timeout, trust_env=False)

    async def _request(self, method: str, path: str, body: Any = None, timeout: Optional[float] = None) -> Any:
        try:
            answer = await self._http.request(method, path, json=body, timeout=timeout or self.timeout)
        except httpx.TransportError as e:
            raise ConnectionFailed("%s %s: %s" % (method, path, e)) from e
        try:
            decoded = answer.json() if answer.content else None
        except ValueError:
            decoded = None
        if answer.status_code >= 400:
            problem = decoded if isinstance(decoded, dict) else {"title": "HTTP %d" % answer.status_code}
            raise problem_error(answer.status_code, problem, retry_after_seconds(answer.headers.get("retry-after")))
        return decoded

    async def enqueue(self, type: str, payload: Any = None, **options: Any) -> Task:
        """As :meth:`errand.Client.enqueue`."""
        return Task.from_json(await self._request("POST", "/v1/tasks", task_spec(type, payload, **options)))

    async def enqueue_many(self, specs: Sequence[Mapping[str, Any]]) -> List[Task]:
        body = await self._request("POST", "/v1/tasks:batch", {"tasks": list(specs)})
        return [Task.from_json(r["task"]) for r in body["results"]]

    async def get(self, id: str) -> Task:
        return Task.from_json(await self._request("GET", "/v1/tasks/" + quote(id)))

    async def wait(self, id: str, timeout: Duration = 30.0) -> Task:
        """As :meth:`errand.Client.wait`: parks on the server, never blocks the event loop."""
        deadline = time.monotonic() + duration_seconds("timeout", timeout)
        while True:
            path, park = wait_request(id, deadline)
            asked = time.monotonic()
            task = Task.from_json(await self._request("GET", path, timeout=self.timeout + park))
            if task.finished:
                return task
            if deadline - time.monotonic() < 0.05:
                raise WaitTimeout(task)
            if time.monotonic() - asked < park - 1:
                await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    async def cancel(self, id: str) -> Task:
        return Task.from_json(await self._request("POST", "/v1/tasks/%s/cancel" % quote(id)))

    async def errors(self, id: str) -> List[Dict[str, Any]]:
        return list((await self._request("GET", "/v1/tasks/%s/errors" % quote(id)))["errors"])

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


__all__ = ["AsyncClient"]
