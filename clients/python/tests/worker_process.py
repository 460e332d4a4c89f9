"""A worker process for the shutdown tests: ``worker_process.py URL QUEUE GRACE``.

Its one handler, ``sleep``, says "handler started", sleeps the payload's seconds and returns "slept".
"""
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import errand  # noqa: E402


def main() -> None:
    url, queue, grace = sys.argv[1], sys.argv[2], float(sys.argv[3])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    worker = errand.Worker(url, queues=[queue], worker_id="proc-" + queue, poll=5, grace=grace)

    @worker.handler("sleep")
    def sleep(seconds: float) -> str:
        print("handler started", flush=True)
        time.sleep(seconds)
        return "slept"
    worker.run()
    print("worker exited", flush=True)


if __name__ == "__main__":
    main()
