package dev.errand.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.errand.core.Names;
import dev.errand.core.WorkerIds;
import dev.errand.core.loop.Service;
import dev.errand.core.spi.TaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the {@link Outbox}'s messages to RabbitMQ: {@code concurrency} loops, each with its own
 * connection and confirm-mode channel, claim a batch of outbox tasks, publish them {@code mandatory},
 * persistent, with the task id as {@code message-id}, wait for the broker's confirms until a deadline,
 * and complete the confirmed ones in one store write. Nacked and unconfirmed ones are retried with the
 * task's backoff (DEAD once its attempts run out); returned (unroutable) ones go DEAD at once, with the
 * broker's reason. A lost connection or channel is reopened with backoff and what was in flight is
 * published again, with the same {@code message-id}: at least once, never before the commit.
 *
 * <p>Lifecycle: {@link #start} once, {@link #stop} (or {@link #close}) once. Thread-safe.
 */
public final class OutboxRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

  private final List<RelayLoop> loops = new ArrayList<>();
  private final List<StatusCounts> counts = new ArrayList<>();
  private final String queue;

  private OutboxRelay(Builder b) {
    this.queue = b.queue;
    for (int i = 0; i < b.concurrency; i++) {
      StatusCounts c = new StatusCounts(b.metrics);
      counts.add(c);
      loops.add(new RelayLoop(LOG, b, b.workerId + "-relay-" + i, c));
    }
  }

  public static Builder builder(TaskStore store, ConnectionFactory factory) {
    return new Builder(store, factory);
  }

  public OutboxRelay start() {
    loops.forEach(RelayLoop::begin);
    return this;
  }

  /** Each loop's connection and counts, in loop order. */
  public List<RabbitStatus> status() {
    List<RabbitStatus> out = new ArrayList<>(loops.size());
    for (int i = 0; i < loops.size(); i++) {
      RelayLoop loop = loops.get(i);
      out.add(counts.get(i).status(loop.name(), RabbitStatus.RELAY, queue, loop.connected()));
    }
    return out;
  }

  /** Stops every loop: each finishes its batch until {@code grace}, then lets go of its leases. */
  public void stop(Duration grace) {
    long deadline = Service.deadline(grace);
    List<Thread> stops = new ArrayList<>(loops.size());
    for (RelayLoop loop : loops) { // all at once, so that each has the whole grace
      stops.add(Thread.ofVirtual().start(() -> {
        try {
          loop.stop(deadline);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
    }
    try {
      for (Thread t : stops) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }

  /** The relay's settings; each setter checks its argument. */
  public static final class Builder {
    final TaskStore store;
    final ConnectionFactory factory;
    String queue = Outbox.DEFAULT_QUEUE;
    String workerId = "errand";
    int concurrency = 1;
    int batchSize = 500;
    Duration confirmTimeout = Duration.ofSeconds(10);
    Duration leaseFor = Duration.ofMinutes(1);
    Duration pollInterval = Duration.ofMillis(100);
    Duration maxReconnectBackoff = Duration.ofSeconds(5);
    RabbitMetrics metrics = RabbitMetrics.NONE;

    private Builder(TaskStore store, ConnectionFactory factory) {
      this.store = Objects.requireNonNull(store, "store");
      this.factory = Objects.requireNonNull(factory, "factory");
    }

    public Builder queue(String queue) {
      this.queue = Names.require("queue", queue);
      return this;
    }

    /** The worker id its leases carry, suffixed with {@code -relay-N}. */
    public Builder workerId(String workerId) {
      this.workerId = WorkerIds.require("workerId", workerId);
      return this;
    }

    public Builder concurrency(int n) {
      this.concurrency = Checks.range("concurrency", n, 1, 64);
      return this;
    }

    public Builder batchSize(int n) {
      this.batchSize = Checks.range("batchSize", n, 1, Checks.MAX_BATCH);
      return this;
    }

    /** How long a batch waits for its confirms before the unconfirmed ones are retried. */
    public Builder confirmTimeout(Duration d) {
      this.confirmTimeout = Checks.positive("confirmTimeout", d);
      return this;
    }

    public Builder leaseFor(Duration d) {
      this.leaseFor = Checks.positive("leaseFor", d);
      return this;
    }

    public Builder pollInterval(Duration d) {
      this.pollInterval = Checks.positive("pollInterval", d);
      return this;
    }

    public Builder maxReconnectBackoff(Duration d) {
      this.maxReconnectBackoff = Checks.positive("maxReconnectBackoff", d);
      return this;
    }

    public Builder metrics(RabbitMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    public OutboxRelay build() {
      if (confirmTimeout.compareTo(leaseFor) >= 0) {
        throw new IllegalStateException("confirmTimeout " + confirmTimeout + " must be shorter than leaseFor " + leaseFor);
      }
      return new OutboxRelay(this);
    }
  }
}
