-- Migration 5: which executor runs a task (its kind), and its headers (a JSON object of strings, such as
-- a W3C trace context; NULL for none). Neither is in an index: no claim or completion reads them to decide.

-- name: add_tasks_kind
ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'handler'

-- name: add_tasks_headers
ALTER TABLE tasks ADD COLUMN headers TEXT
