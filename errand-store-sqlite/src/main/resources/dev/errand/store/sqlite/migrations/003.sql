-- Migration 3: schedule definitions kept in the store, so that they outlive the process and every Errand
-- on the store runs them. definition is the schedule's JSON as core wrote it, stored as given; version
-- counts the puts of the name; updated_at is microseconds on the store's clock.

-- name: create_schedules
CREATE TABLE schedules (
  name       TEXT    NOT NULL PRIMARY KEY,
  definition BLOB    NOT NULL,
  version    INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID
