"""The asyncio client (on httpx) against a real server: the same calls as the threaded one."""
import asyncio
import os
import unittest

from tests.server import ServerTestCase, claim, post

import errand

try:
    from errand.aio import AsyncClient
except ImportError as e:  # httpx is optional
    AsyncClient, missing = None, e


class AsyncClientTest(ServerTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        if AsyncClient is None:
            if os.environ.get("CI") == "true":
                raise missing
            raise unittest.SkipTest("errand.aio needs httpx: %s" % missing)
        super().setUpClass()

    def test_enqueue_get_wait_cancel_and_problems(self) -> None:
        async def scenario() -> None:
            async with AsyncClient(self.server.url, timeout=10) as client:
                task = await client.enqueue("square", {"x": 3}, queue="a-calls", priority=2)
                self.assertEqual(("READY", 2), (task.state, (await client.get(task.id)).priority))
                leased = claim(self.server.url, "a-calls", wait=5)[0]
                waiting = asyncio.ensure_future(client.wait(task.id, 20))
                await asyncio.sleep(0.5)
                self.assertFalse(waiting.done(), "the wait parks until the task finishes")
                post(self.server.url, "/v1/tasks/%s/complete" % task.id, {"leaseToken": leased["leaseToken"], "result": 9})
                self.assertEqual(9, (await waiting).result)

                later = (await client.enqueue_many([errand.task_spec("later", queue="a-calls", delay="1h")]))[0]
                self.assertEqual("CANCELLED", (await client.cancel(later.id)).state)
                with self.assertRaises(errand.WaitTimeout):
                    await client.wait((await client.enqueue("later", queue="a-calls", delay="1h")).id, 1)
                with self.assertRaises(errand.Invalid) as refused:
                    await client.enqueue("Bad Type")
                self.assertEqual(["type"], [e.field for e in refused.exception.errors])
                with self.assertRaises(errand.NotFound):
                    await client.errors("01a2435b-0000-7000-8000-000000000000")
        asyncio.run(scenario())


if __name__ == "__main__":
    unittest.main()
