-- Migration 5: held for a change that comes separately; does nothing.

-- name: reserved
SELECT 1
