"""Orders over FastAPI, their work done by Errand: the web process enqueues, a Python worker runs.

    POST /order               {"item": "book", "quantity": 2} -> {"order_id", "task_id", "timeout_task_id"}
    GET  /task/{id}           -> {"id", "state", "result", "error", "progress"}
    POST /order/{id}/pay      cancels the order's timeout; 409 once the order has expired

Each order gets two tasks on the ``orders`` queue: ``prepare_order`` now, and ``expire_order`` delayed by
ORDER_TIMEOUT (30 minutes). Paying cancels the timeout. The timeout task's id is derived from the order's
(``expire-<order>``), so paying needs no table of its own. Cancelling takes an ``admin`` token when the
server has tokens; enqueueing and reading, a ``producer`` one.

    ERRAND_URL=http://127.0.0.1:7700 ERRAND_TOKEN=... uvicorn app:app --port 8000   # from this folder
"""
import os
import sys
import uuid
from pathlib import Path
from typing import Any, Dict

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

try:
    import errand
except ImportError:  # run from the repository: the client beside it
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
    import errand

QUEUE = "orders"
ORDER_TIMEOUT = os.environ.get("ORDER_TIMEOUT", "30m")

app = FastAPI(title="orders")
tasks = errand.Client(os.environ.get("ERRAND_URL", "http://127.0.0.1:7700"), token=os.environ.get("ERRAND_TOKEN"))


class Order(BaseModel):
    item: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=1000)


def timeout_task_id(order_id: str) -> str:
    return "expire-" + order_id


@app.post("/order", status_code=201)
def create_order(order: Order) -> Dict[str, Any]:
    order_id = uuid.uuid4().hex
    prepare, expire = tasks.enqueue_many([
        errand.task_spec("prepare_order", {"order_id": order_id, "item": order.item, "quantity": order.quantity},
                         queue=QUEUE),
        errand.task_spec("expire_order", {"order_id": order_id}, queue=QUEUE, delay=ORDER_TIMEOUT,
                         id=timeout_task_id(order_id)),
    ])
    return {"order_id": order_id, "task_id": prepare.id, "timeout_task_id": expire.id}


@app.get("/task/{task_id}")
def task_status(task_id: str) -> Dict[str, Any]:
    try:
        task = tasks.get(task_id)
    except errand.NotFound:
        raise HTTPException(404, "no task " + task_id)
    return {"id": task.id, "type": task.type, "state": task.state, "result": task.result,
            "error": task.last_error, "progress": task.progress}


@app.post("/order/{order_id}/pay")
def pay(order_id: str) -> Dict[str, Any]:
    try:
        timeout = tasks.cancel(timeout_task_id(order_id))
    except errand.NotFound:
        raise HTTPException(404, "no order " + order_id)
    except errand.Conflict:
        timeout = tasks.get(timeout_task_id(order_id))
    if timeout.state != "CANCELLED":
        raise HTTPException(409, "order %s has expired" % order_id)
    return {"order_id": order_id, "paid": True}
