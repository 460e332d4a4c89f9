"""How fast one Python worker drains no-op tasks from a real server: ``python3 bench/drain.py [N] [CONCURRENCY]``.

Starts its own server (tests/server.py: the built jar, SQLite in a temp dir), enqueues N tasks in batches,
runs a Worker until all have SUCCEEDED, and prints tasks per second. Noisy on a shared machine: compare
runs made in the same window, alternated.
"""
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import errand  # noqa: E402
from tests.server import ErrandServer, require_server  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    require_server()
    server = ErrandServer().start()
    try:
        client = errand.Client(server.url)
        for i in range(0, n, 1000):
            client.enqueue_many([errand.task_spec("noop", j, queue="bench") for j in range(i, min(n, i + 1000))])
        worker = errand.Worker(server.url, queues=["bench"], concurrency=concurrency, poll=1)

        @worker.handler("noop")
        def noop(payload: int) -> int:
            return payload
        thread = threading.Thread(target=worker.run, daemon=True)
        started = time.monotonic()
        thread.start()
        while True:
            queues = client._http.request("GET", "/v1/queues")[1]
            succeeded = sum(q.get("counts", {}).get("SUCCEEDED", 0) for q in queues.get("queues", [])
                            if q.get("queue", q.get("name")) == "bench")
            if succeeded >= n:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        worker.stop()
        thread.join(30)
        print("drained %d tasks with concurrency %d in %.2f s: %.0f tasks/s" % (n, concurrency, elapsed, n / elapsed))
    finally:
        server.close()


if __name__ == "__main__":
    main()
