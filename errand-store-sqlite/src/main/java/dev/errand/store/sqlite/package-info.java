/**
 * The embedded default store, {@link dev.errand.store.sqlite.SqliteStore}: one SQLite database in a data
 * directory, owned by one process at a time.
 */
package dev.errand.store.sqlite;
