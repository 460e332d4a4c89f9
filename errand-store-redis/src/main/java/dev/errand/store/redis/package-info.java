/**
 * The Redis store: many Errand nodes and workers share one Redis primary (with replicas or Sentinel
 * for failover).
 *
 * <pre>{@code
 * TaskStore store = RedisStore.of("redis://:secret@cache:6379/0?prefix=billing");
 * Errand errand = Errand.builder().store(store).queue("default", 16).build();
 * }</pre>
 *
 * Every change of state is one Lua script, atomic on the server and one round trip per batch; leases
 * are timed by the server's clock and fenced by their token inside the same script. The store refuses
 * to start unless the server fsyncs each write before acknowledging it ({@code appendonly yes},
 * {@code appendfsync always}), or unless the URL says {@code durability=relaxed} or {@code none}: see
 * {@link dev.errand.store.redis.Durability}.
 */
package dev.errand.store.redis;
