-- Migration 8: the progress a worker reports with its heartbeats (JSON bytes, at most 4 KiB, NULL for
-- none), kept with the task and returned with it. ADD COLUMN without a default rewrites no row; no index
-- reads it.

-- name: add_progress
ALTER TABLE tasks ADD COLUMN progress BLOB
