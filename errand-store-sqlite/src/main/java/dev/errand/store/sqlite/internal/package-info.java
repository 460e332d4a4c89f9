/**
 * The SQLite store's machinery: the group-commit writer, the read pool, the directory lock, migrations,
 * row mapping and the wake-up signal. Not public API: anything here may change without notice.
 */
package dev.errand.store.sqlite.internal;
