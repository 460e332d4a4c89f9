/**
 * The SQLite store's machinery: the group-commit writer, the read pool, the directory lock, migrations,
 * row mapping, the wake-up signal, and the statement groups the store delegates to (task writes, claims,
 * housekeeping, queue control, schedules, reads, the wait for work). Not public API: anything here may
 * change without notice.
 */
package dev.errand.store.sqlite.internal;
