#!/usr/bin/env python3
"""Adds the worker-protocol and operator paths of issue 19 to the server's OpenAPI document: the task
read's ?wait=, progress on heartbeats, retryAfter on fail, snooze, a task's retry policy, bulk cancel and
retry by filter, and schedule enable, disable and run. Idempotent: re-running it sets the same values, so
it can be re-applied after a merge. Run normalize.py after it.

    python3 scripts/openapi/protocol_paths.py [errand-server/src/main/resources/dev/errand/server/openapi.json]
"""
import json
import sys

DOC = sys.argv[1] if len(sys.argv) > 1 else "errand-server/src/main/resources/dev/errand/server/openapi.json"

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem(description):
    return {"description": description, "content": PROBLEM}


def json_body(ref):
    return {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}}


def ok(ref, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def path_param(name, ref):
    return {"name": name, "in": "path", "required": True, "schema": {"$ref": ref}}


def main():
    with open(DOC, encoding="utf-8") as f:
        doc = json.load(f)
    schemas = doc["components"]["schemas"]
    paths = doc["paths"]

    schemas["Backoff"] = {
        "type": "object", "additionalProperties": False, "required": ["base", "cap"],
        "description": "Exponential backoff with full jitter: the wait after failed attempt n is drawn from "
                       "[base, min(cap, base * 2^(n-1))].",
        "properties": {"base": {"$ref": "#/components/schemas/Duration"},
                       "cap": {"$ref": "#/components/schemas/Duration", "description": "At least base"}}}
    schemas["TaskRequest"]["properties"]["retry"] = {
        "$ref": "#/components/schemas/Backoff",
        "description": "The backoff between attempts; the task type's (config file `types`) or the server's "
                       "(1s..1h) when absent"}
    task = schemas["Task"]["properties"]
    task["retry"] = {"type": "object", "required": ["base", "cap"], "description": "The task's backoff, as ISO-8601 durations",
                     "properties": {"base": {"type": "string"}, "cap": {"type": "string"}}}
    task["progress"] = {"description": "The last progress a worker reported with a heartbeat (any JSON value up to "
                                       "4 KiB), kept after the run; null if none was reported"}

    schemas["HeartbeatRequest"]["properties"]["progress"] = {
        "description": "Any JSON value up to 4096 bytes, kept as the task's `progress` if the lease is extended "
                       "(422 `progress` if larger); absent keeps the last one"}
    schemas["FailRequest"]["properties"]["retryAfter"] = {
        "$ref": "#/components/schemas/Duration",
        "description": "The retry runs no sooner than this (the wait is the larger of it and the backoff); it "
                       "does not make a non-retryable error or a final attempt retry"}
    schemas["SnoozeRequest"] = {
        "type": "object", "additionalProperties": False, "required": ["leaseToken", "delay"],
        "properties": {"leaseToken": {"type": "string"},
                       "delay": {"$ref": "#/components/schemas/Duration",
                                 "description": "The task runs again no sooner than this; 0s makes it READY at once"}}}
    schemas["BulkRequest"] = {
        "type": "object", "additionalProperties": False,
        "description": "Which tasks a bulk action applies to; absent fields match everything.",
        "properties": {
            "queue": {"$ref": "#/components/schemas/Name"},
            "type": {"$ref": "#/components/schemas/Name"},
            "state": {"$ref": "#/components/schemas/State",
                      "description": "cancel: WAITING, SCHEDULED, READY, RUNNING or RETRYING (all of them when "
                                     "absent); retry: RETRYING, SCHEDULED or DEAD (all three when absent)"},
            "createdAfter": {"type": "string", "format": "date-time", "description": "Created at or after"},
            "createdBefore": {"type": "string", "format": "date-time", "description": "Created before"},
            "dryRun": {"type": "boolean", "default": False,
                       "description": "Count what matches now and change nothing"}}}
    schemas["BulkResponse"] = {
        "type": "object", "additionalProperties": False, "required": ["count"],
        "properties": {"count": {"type": "integer", "minimum": 0,
                                 "description": "How many tasks were changed (with dryRun: match now)"}}}

    get = paths["/v1/tasks/{id}"]["get"]
    params = [p for p in get.get("parameters", []) if p.get("name") != "wait"]
    params.append({"name": "wait", "in": "query", "required": False,
                   "schema": {"$ref": "#/components/schemas/Duration"},
                   "description": "Long-poll: answer once the task has finished (SUCCEEDED, DEAD, CANCELLED) or "
                                  "after this long, at most 60s, whichever is first; always 200 with the task as "
                                  "it is then, so check `state`."})
    get["parameters"] = params
    get["responses"]["422"] = problem("Invalid `wait` (not a duration, or over 60s), or an unknown query parameter")

    paths["/v1/tasks/{id}/heartbeat"]["post"]["responses"]["404"] = problem("No such task")
    paths["/v1/tasks/{id}/heartbeat"]["post"]["responses"]["409"] = problem(
        "Stale lease token (the lease ran out, the task was cancelled, or its timeout passed); nothing changed")

    paths["/v1/tasks/{id}/snooze"] = {"post": {
        "summary": "Release a claimed task to run again after a delay, without burning its attempt",
        "description": "Roles: worker, admin. As a Java handler's TaskFailure.snooze: the task becomes SCHEDULED "
                       "at now + delay (READY for 0s) and its attempt count goes back by one.",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": json_body("#/components/schemas/SnoozeRequest"),
        "responses": {"204": {"description": "Released"}, "404": problem("No such task"),
                      "409": problem("Stale lease token; nothing changed"),
                      "422": problem("Invalid input: `errors` names each field.")}}}

    for action, summary, roles in (
            ("cancel", "Cancel every unfinished task a filter matches (or count them with dryRun)", "admin"),
            ("retry", "Run now every RETRYING, SCHEDULED or DEAD task a filter matches (dead ones replayed "
                      "with fresh attempts), or count them with dryRun", "admin")):
        paths["/v1/tasks:" + action] = {"post": {
            "summary": summary,
            "description": "Roles: " + roles + ". Tasks are acted on one by one, not atomically: a task that "
                           "changes state meanwhile is left alone and not counted.",
            "requestBody": json_body("#/components/schemas/BulkRequest"),
            "responses": {"200": ok("#/components/schemas/BulkResponse"),
                          "422": problem("Invalid filter: `errors` names each field (a state the action "
                                         "does not apply to is an error of `state`)")}}}

    for action, summary in (
            ("enable", "Enable a stored schedule: it fires again from its next tick"),
            ("disable", "Disable a stored schedule: it keeps its definition and fires no tick until enabled"),
            ("run", "Enqueue the schedule's task now, once, besides its ticks")):
        responses = {"404": problem("No such schedule"),
                     "409": problem("The schedule comes from a server's config file (source `code`); "
                                    "change it there")}
        if action == "run":
            responses["201"] = ok("#/components/schemas/Task", "Enqueued: the new task")
            responses.pop("409")
        else:
            responses["200"] = ok("#/components/schemas/ScheduleInfo", "The schedule as stored now")
        paths["/v1/schedules/{name}/" + action] = {"post": {
            "summary": summary, "description": "Roles: admin.",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": responses}}

    events = paths.get("/v1/events", {}).get("get", {})
    if "description" in events and "progress" not in events["description"]:
        events["description"] = events["description"].replace(
            "{kind, id, queue, type, state, attempt, at, error?}; kind is enqueued, started, succeeded, retrying, "
            "dead, released, lease_lost or cancelled.",
            "{kind, id, queue, type, state, attempt, at, error?, progress?}; kind is enqueued, started, succeeded, "
            "retrying, dead, released, lease_lost, cancelled or progress (a worker's heartbeat reported progress); "
            "`progress` is the task's last reported progress, when it has one.")

    cron = ("5 fields (Unix: minute hour day-of-month month day-of-week, Sunday 0 or 7); 6 fields, seconds "
            "first: Spring (`0 */5 * * * *`, `*` allowed in both day fields, Sunday 0 or 7) or, when it has a "
            "`?`, Quartz (Sunday 1); 7 fields: Quartz with a year. Read in `zone`. Set exactly one of cron and "
            "interval.")
    for name in ("Schedule", "ScheduleInfo"):
        if "cron" in schemas.get(name, {}).get("properties", {}):
            schemas[name]["properties"]["cron"]["description"] = cron

    with open(DOC, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
