package dev.errand.store.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.RedisException;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The wake-ups the scripts publish on the installation's channel (a queue's name when work may have
 * become claimable in it), counted per queue in this process so that a waiter that read the counts
 * before looking at the store misses none. One pub/sub connection, opened on the first wait; Lettuce
 * reconnects and subscribes it again by itself. While it is down, {@link #live} is false and waiters
 * poll. Thread-safe; not public API.
 */
public final class WakeSignals implements AutoCloseable {
  private final RedisClient client;
  private final RedisURI uri;
  private final String channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, Long> generations = new HashMap<>(); // guarded by lock
  private StatefulRedisPubSubConnection<String, byte[]> connection; // guarded by lock
  private boolean closed; // guarded by lock

  public WakeSignals(RedisClient client, RedisURI uri, String keyPrefix) {
    this.client = client;
    this.uri = uri;
    this.channel = keyPrefix + "wake";
  }

  /** Subscribes if not yet done; false while the subscription is not up (then waiters poll). */
  public boolean live() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      if (connection == null) {
        try {
          StatefulRedisPubSubConnection<String, byte[]> c =
              client.connectPubSub(Scripts.CODEC, uri);
          c.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, byte[] message) {
              signal(new String(message, StandardCharsets.UTF_8));
            }
          });
          c.sync().subscribe(channel);
          connection = c;
        } catch (RedisException e) {
          return false;
        }
      }
      return connection.isOpen();
    } finally {
      lock.unlock();
    }
  }

  private void signal(String queue) {
    lock.lock();
    try {
      generations.merge(queue, 1L, Long::sum);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The sum of the wake-ups seen so far for {@code queues}: what {@link #await} compares against. */
  public long seen(Set<String> queues) {
    lock.lock();
    try {
      long sum = 0;
      for (String q : queues) {
        sum += generations.getOrDefault(q, 0L);
      }
      return sum;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until a wake-up for one of {@code queues} arrives after {@code seen} was read, or {@code nanos}. */
  public void await(Set<String> queues, long seen, long nanos) throws InterruptedException {
    lock.lock();
    try {
      long left = nanos;
      while (left > 0 && !closed && seen(queues) == seen) {
        left = changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    StatefulRedisPubSubConnection<String, byte[]> c;
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
      c = connection;
      connection = null;
    } finally {
      lock.unlock();
    }
    if (c != null) {
      // Closed before the store shuts its client down, which would otherwise close it a second time
      // (and Lettuce warns that the connection is already closed).
      c.close();
    }
  }
}
