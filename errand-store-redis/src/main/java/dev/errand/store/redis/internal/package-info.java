/** The Redis store's implementation: its scripts, codecs and signals. Not public API. */
package dev.errand.store.redis.internal;
