#!/usr/bin/env python3
"""A remote Errand worker speaking the HTTP worker protocol, with the Python standard library only.

It long-polls a queue for tasks, runs the handler registered for each task's type, keeps the lease alive
with heartbeats while a handler runs, and reports the outcome with the task's lease token:

    POST /v1/queues/{queue}/claim      {"workerId", "max", "leaseSeconds", "waitSeconds"}
    POST /v1/tasks/{id}/heartbeat      {"leaseToken", "leaseSeconds"}
    POST /v1/tasks:complete            {"completions": [{"id", "leaseToken", "result"}, ...]}
    POST /v1/tasks/{id}/fail           {"leaseToken", "error", "retryable"}

Successes are reported together, once per claimed batch (sooner if one has waited a third of its lease,
which no heartbeat extends once its handler is done); one at a time is POST /v1/tasks/{id}/complete
{"leaseToken", "result"}. A 409 answer, or a stale_lease status in a batch, means the lease was lost (the
task timed out here and was claimed again, or was cancelled): the outcome is dropped, never forced.

    ERRAND_URL=http://127.0.0.1:7700 ERRAND_TOKEN=... python3 worker.py [--queue default] [--drain]
"""
import argparse
import json
import os
import socket
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request

URL = os.environ.get("ERRAND_URL", "http://127.0.0.1:7700").rstrip("/")
TOKEN = os.environ.get("ERRAND_TOKEN")
LEASE_SECONDS = 30


class Permanent(Exception):
    """Raise from a handler to fail without retry: the task goes to the dead-letter queue."""


def send_email(payload):
    if "@" not in payload.get("to", ""):
        raise Permanent("not an address: %r" % payload.get("to"))
    print("sending %r to %s" % (payload.get("subject"), payload["to"]), flush=True)
    return {"sent": True}


HANDLERS = {"send_email": send_email}


def call(method, path, body=None, timeout=90):
    """One API call; returns (status, parsed JSON or None)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(URL + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if TOKEN:
        request.add_header("Authorization", "Bearer " + TOKEN)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def heartbeat_until(stop, task):
    """Extends the lease every third of its length until stop is set or the lease is lost."""
    while not stop.wait(LEASE_SECONDS / 3):
        status, _ = call("POST", "/v1/tasks/%s/heartbeat" % task["id"],
                         {"leaseToken": task["leaseToken"], "leaseSeconds": LEASE_SECONDS})
        if status == 409:
            return


def complete_all(done):
    """Reports the successes in done, each (task, result, when it finished), with one call; empties it."""
    if not done:
        return
    status, body = call("POST", "/v1/tasks:complete", {"completions": [
        {"id": task["id"], "leaseToken": task["leaseToken"], "result": result} for task, result, _ in done]})
    if status != 200:
        print("complete of %d tasks answered %d: %s" % (len(done), status, body), file=sys.stderr, flush=True)
    else:
        for answer in body["results"]:
            if answer["status"] != "completed":
                print("complete of %s: %s; outcome dropped" % (answer["id"], answer["status"]), file=sys.stderr, flush=True)
    done.clear()


def run(task, done):
    """Runs the task's handler; a success joins done, to be reported with others, a failure is reported now."""
    stop = threading.Event()
    beat = threading.Thread(target=heartbeat_until, args=(stop, task), daemon=True)
    beat.start()
    try:
        handler = HANDLERS.get(task["type"])
        if handler is None:
            raise Permanent("no handler for type %s" % task["type"])
        done.append((task, handler(task["payload"]), time.monotonic()))
        return
    except Permanent as e:
        outcome = ("fail", {"leaseToken": task["leaseToken"], "error": str(e), "retryable": False})
    except Exception:  # anything else is retried with backoff until the task's attempts run out
        outcome = ("fail", {"leaseToken": task["leaseToken"], "error": traceback.format_exc(), "retryable": True})
    finally:
        stop.set()
    status, problem = call("POST", "/v1/tasks/%s/%s" % (task["id"], outcome[0]), outcome[1])
    if status == 409:
        print("lease on %s was lost; outcome dropped" % task["id"], file=sys.stderr, flush=True)
    elif status >= 400:
        print("%s of %s answered %d: %s" % (outcome[0], task["id"], status, problem), file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default="default")
    parser.add_argument("--max", type=int, default=10, help="tasks per claim")
    parser.add_argument("--wait", type=int, default=30, help="long-poll seconds")
    parser.add_argument("--drain", action="store_true", help="exit once a claim comes back empty")
    args = parser.parse_args()
    worker_id = "py-%s-%d" % (socket.gethostname(), os.getpid())
    while True:
        status, body = call("POST", "/v1/queues/%s/claim" % args.queue, {
            "workerId": worker_id, "max": args.max, "leaseSeconds": LEASE_SECONDS,
            "waitSeconds": 1 if args.drain else args.wait})
        if status != 200:
            print("claim answered %d: %s" % (status, body), file=sys.stderr, flush=True)
            sys.exit(1)
        if not body["tasks"] and args.drain:
            return
        done = []
        for task in body["tasks"]:
            if done and time.monotonic() - done[0][2] > LEASE_SECONDS / 3:
                complete_all(done)
            run(task, done)
        complete_all(done)


if __name__ == "__main__":
    main()
