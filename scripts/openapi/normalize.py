#!/usr/bin/env python3
"""Makes the server's OpenAPI document uniform, mechanically, so that it can be re-run after any merge
that adds paths (it is idempotent, and keeps what a path already says):

- `servers`: the default local server, if the document has none;
- every operation gets an `operationId` (from TABLE, else derived from method and path) and `tags`
  (from the path: the worker protocol's routes are tagged `worker`);
- every operation documents the statuses every route can answer: 400 (malformed JSON) and 413 (body over
  the limit) where it takes a body, 413 (BodyNotAccepted) where it takes none, 404 where the path has
  a parameter, 405 (method not allowed on the path), 401/403 where a role is needed, 503 (store
  unavailable or shutting down) except on the routes that never touch the store;
- path parameters get patterns: task ids, and names in the queue alphabet;
- the Duration schema gets its pattern, and the fields listed in NULLABLE may be null.

    python3 scripts/openapi/normalize.py [errand-server/src/main/resources/dev/errand/server/openapi.json]
"""
import json
import re
import sys

DOC = sys.argv[1] if len(sys.argv) > 1 else "errand-server/src/main/resources/dev/errand/server/openapi.json"

SERVERS = [{"url": "http://127.0.0.1:7700", "description": "errand server on its default address and port"}]

TASK_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
DURATION_PATTERN = "^([0-9]{1,10}(ms|s|m|h|d)|-?P.*)$"

# Operation ids of the routes that exist when this was written; others get a derived one.
TABLE = {
    ("post", "/v1/tasks"): "enqueueTask",
    ("get", "/v1/tasks"): "listTasks",
    ("post", "/v1/tasks:batch"): "enqueueTasks",
    ("get", "/v1/tasks:due"): "listDueTasks",
    ("get", "/v1/tasks/{id}"): "getTask",
    ("get", "/v1/tasks/{id}/errors"): "getTaskErrors",
    ("post", "/v1/tasks/{id}/cancel"): "cancelTask",
    ("post", "/v1/tasks/{id}/replay"): "replayTask",
    ("post", "/v1/tasks/{id}/run"): "runTaskNow",
    ("post", "/v1/tasks/{id}/heartbeat"): "heartbeatTask",
    ("post", "/v1/tasks/{id}/complete"): "completeTask",
    ("post", "/v1/tasks/{id}/fail"): "failTask",
    ("post", "/v1/tasks/{id}/snooze"): "snoozeTask",
    ("post", "/v1/tasks:complete"): "completeTasks",
    ("post", "/v1/tasks:cancel"): "cancelTasks",
    ("post", "/v1/tasks:retry"): "retryTasks",
    ("get", "/v1/queues"): "listQueues",
    ("post", "/v1/queues/{queue}/pause"): "pauseQueue",
    ("post", "/v1/queues/{queue}/resume"): "resumeQueue",
    ("post", "/v1/queues/{queue}/claim"): "claimTasks",
    ("put", "/v1/queues/{queue}/limits"): "setQueueLimits",
    ("delete", "/v1/dead"): "purgeDeadTasks",
    ("post", "/v1/dead/replay"): "replayDeadTasks",
    ("get", "/v1/dead/groups"): "listDeadGroups",
    ("post", "/v1/due/run"): "runDueTasks",
    ("get", "/v1/openapi.json"): "getOpenApi",
    ("get", "/docs"): "getDocs",
    ("get", "/health/live"): "getLiveness",
    ("get", "/health/ready"): "getReadiness",
    ("get", "/v1/events"): "streamEvents",
    ("get", "/v1/events/recent"): "listRecentEvents",
    ("get", "/v1/stats"): "getStats",
    ("get", "/v1/stats/queues"): "getQueueStats",
    ("get", "/v1/workers"): "listWorkers",
    ("get", "/v1/rabbitmq"): "getRabbitStatus",
    ("get", "/metrics"): "getMetrics",
    ("get", "/v1/schedules"): "listSchedules",
    ("get", "/v1/schedules/{name}"): "getSchedule",
    ("put", "/v1/schedules/{name}"): "putSchedule",
    ("delete", "/v1/schedules/{name}"): "deleteSchedule",
    ("post", "/v1/schedules/{name}/enable"): "enableSchedule",
    ("post", "/v1/schedules/{name}/disable"): "disableSchedule",
    ("post", "/v1/schedules/{name}/run"): "runSchedule",
}

WORKER_SUFFIXES = ("/claim", "/heartbeat", "/complete", "/fail", "/snooze", "/v1/tasks:complete")

# Routes that answer without the store: no 503 from them (but for shutdown, which closes the port).
NO_STORE = {"/v1/openapi.json", "/docs", "/health/live", "/metrics"}

# (schema, property): these may come back null.
NULLABLE = [
    ("Task", "startedAt"), ("Task", "finishedAt"), ("Task", "lastError"),
    ("Schedule", "cron"), ("Schedule", "interval"), ("Schedule", "startAt"),
    ("ScheduleInfo", "cron"), ("ScheduleInfo", "interval"), ("ScheduleInfo", "startAt"),
    ("ScheduleInfo", "nextFire"), ("ScheduleInfo", "lastFire"), ("ScheduleInfo", "zone"),
    ("ScheduleInfo", "tolerance"),
]

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}

COMMON = {
    "MalformedJson": "The body is not well-formed JSON (or not the JSON type expected)",
    "TooLarge": "The body is over the size limit; nothing was done",
    "NotFound": "No such resource",
    "MethodNotAllowed": "The path exists but not with this method; the Allow header lists those it has",
    "Unavailable": "The store is unavailable, or the server is shutting down; see Retry-After",
}


def derived_id(method, path):
    words = [w for w in re.split(r"[/:{}_.-]+", path) if w and w != "v1"]
    return method + "".join(w[:1].upper() + w[1:] for w in words)


def tag(path):
    if path.endswith(WORKER_SUFFIXES):
        return "worker"
    parts = [p for p in path.split("/") if p and p != "v1"]
    head = parts[0].split(":")[0] if parts else "server"
    return {"openapi.json": "meta", "docs": "meta"}.get(head, head)


def nullable(prop):
    if "$ref" in prop:
        ref = prop.pop("$ref")
        prop["anyOf"] = [{"$ref": ref}, {"type": "null"}]
        return
    if "anyOf" in prop:
        if {"type": "null"} not in prop["anyOf"]:
            prop["anyOf"].append({"type": "null"})
        return
    t = prop.get("type")
    if isinstance(t, str):
        prop["type"] = [t, "null"]
    elif isinstance(t, list) and "null" not in t:
        t.append("null")


def main():
    with open(DOC, encoding="utf-8") as f:
        doc = json.load(f)
    doc.setdefault("servers", SERVERS)
    # Keep the key order readable: servers after info.
    doc = {k: doc[k] for k in sorted(doc, key=lambda k: ["openapi", "info", "servers"].index(k)
                                       if k in ("openapi", "info", "servers") else 3)}
    components = doc["components"]
    responses = components.setdefault("responses", {})
    for name, description in COMMON.items():
        responses.setdefault(name, {"description": description, "content": PROBLEM})
    schemas = components["schemas"]
    if "Duration" in schemas:
        schemas["Duration"].setdefault("pattern", DURATION_PATTERN)
    for schema, prop in NULLABLE:
        props = schemas.get(schema, {}).get("properties", {})
        if prop in props:
            nullable(props[prop])
    tags = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            op.setdefault("operationId", TABLE.get((method, path), derived_id(method, path)))
            op.setdefault("tags", [tag(path)])
            tags.update(op["tags"])
            rs = op.setdefault("responses", {})
            if "requestBody" in op:
                rs.setdefault("400", {"$ref": "#/components/responses/MalformedJson"})
                rs.setdefault("413", {"$ref": "#/components/responses/TooLarge"})
            elif method != "get":
                rs.setdefault("413", {"$ref": "#/components/responses/BodyNotAccepted"})
            if "{" in path:
                rs.setdefault("404", {"$ref": "#/components/responses/NotFound"})
            rs.setdefault("405", {"$ref": "#/components/responses/MethodNotAllowed"})
            if path not in NO_STORE:
                rs.setdefault("503", {"$ref": "#/components/responses/Unavailable"})
            secured = op.get("security", doc.get("security")) and op.get("security") != []
            if secured and "Roles:" in op.get("description", ""):
                rs.setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
                rs.setdefault("403", {"$ref": "#/components/responses/Forbidden"})
            for p in op.get("parameters", []):
                if p.get("in") != "path":
                    continue
                s = p.setdefault("schema", {"type": "string"})
                if "$ref" not in s:
                    if p["name"] == "id":
                        s.setdefault("pattern", TASK_ID_PATTERN)
                    elif p["name"] in ("queue", "name"):
                        p["schema"] = {"$ref": "#/components/schemas/Name"}
    existing = {t["name"] for t in doc.get("tags", [])}
    doc.setdefault("tags", [])
    for t in sorted(tags - existing):
        doc["tags"].append({"name": t})
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
