/** Implementation of the PostgreSQL store. Not public API: anything here may change without notice. */
package dev.errand.store.postgres.internal;
