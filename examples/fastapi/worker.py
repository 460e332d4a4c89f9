"""The worker of the orders example: runs every task type of the ``orders`` queue.

A queue's workers must handle all of its types, so this one worker has a handler for each type the app
sends to ``orders``: ``prepare_order`` and ``expire_order``.

    ERRAND_URL=http://127.0.0.1:7700 ERRAND_TOKEN=... python3 worker.py     # SIGTERM or Ctrl-C to stop
"""
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict

try:
    import errand
except ImportError:  # run from the repository: the client beside it
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
    import errand

worker = errand.Worker(os.environ.get("ERRAND_URL", "http://127.0.0.1:7700"), queues=["orders"],
                       token=os.environ.get("ERRAND_TOKEN"), concurrency=4)


@worker.handler("prepare_order")
def prepare_order(order: Dict[str, Any], task: errand.ClaimedTask) -> Dict[str, Any]:
    for step, name in enumerate(["reserve stock", "pack"], start=1):
        time.sleep(0.2)  # the real work
        task.progress({"step": step, "of": 2, "doing": name})
    return {"order_id": order["order_id"], "status": "prepared", "item": order["item"], "quantity": order["quantity"]}


@worker.handler("expire_order")
def expire_order(order: Dict[str, Any]) -> Dict[str, Any]:
    # Runs only if the order was not paid in time (paying cancels this task): release the stock here.
    return {"order_id": order["order_id"], "status": "expired"}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    worker.run()
