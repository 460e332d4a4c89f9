#!/usr/bin/env python3
"""A remote Errand worker in Python, on the errand client package (clients/python, standard library only).

It works the ``emails`` queue, a queue of its own: a queue's workers must handle every task type sent to
that queue (a type with no handler here would go to the dead letters, with this worker named in the error).
The package does the protocol: long-poll claims, heartbeats, outcomes with the lease token, reconnecting
while the server is away, and a graceful stop on SIGTERM or Ctrl-C.

    ./errand server &
    ./errand enqueue send_email --queue emails --payload '{"to":"ada@example.com","subject":"Welcome"}'
    ERRAND_URL=http://127.0.0.1:7700 ERRAND_TOKEN=... python3 examples/python-worker/worker.py [--queue emails]
"""
import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict

try:
    import errand
except ImportError:  # run from the repository: the client beside it
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
    import errand


def send_email(payload: Dict[str, Any]) -> Dict[str, Any]:
    if "@" not in payload.get("to", ""):
        raise errand.Permanent("not an address: %r" % payload.get("to"))  # no retry: dead at once
    print("sending %r to %s" % (payload.get("subject"), payload["to"]), flush=True)
    return {"sent": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default="emails")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    worker = errand.Worker(os.environ.get("ERRAND_URL", "http://127.0.0.1:7700"), queues=[args.queue],
                           token=os.environ.get("ERRAND_TOKEN"), concurrency=args.concurrency)
    worker.register("send_email", send_email)
    worker.run()


if __name__ == "__main__":
    main()
