package dev.errand.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.errand.core.Errand;
import dev.errand.core.Names;
import dev.errand.core.TaskSpec;
import dev.errand.core.loop.Service;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes a RabbitMQ queue and turns every delivery into exactly one Errand task: manual acks and a
 * prefetch, deliveries converted (see {@link DeliveryConverter}) and inserted in batches, and acked
 * (with {@code multiple}) only once the insert is durable. A redelivery of a message already taken in
 * finds its task (by task id or idempotency key) and is acked, so the broker may deliver a message any
 * number of times and one task comes of it. While the store is down, the batch is held unacked and the
 * insert retried; a lost connection returns unacked deliveries to the queue. A delivery that can never
 * become a task is rejected without requeue (to the queue's dead-letter exchange) with the reason logged;
 * one whose conversion fails otherwise is requeued, until the queue's delivery limit dead-letters it.
 *
 * <p>Unless told not to, the inbox declares its queue as {@link Queues} says (quorum, dead-letter exchange,
 * delivery limit). Lifecycle: {@link #start} once, {@link #stop} once; one consumer thread.
 */
public final class Inbox implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);

  private final InboxLoop loop;
  private final StatusCounts counts;
  private final String queue;

  private Inbox(Builder b, DeliveryConverter converter) {
    this.counts = new StatusCounts(b.metrics);
    this.queue = b.queue;
    this.loop = new InboxLoop(LOG, b, converter, counts);
  }

  /** An inbox that reads {@code queue} (a RabbitMQ queue name) into tasks of {@code errand}. */
  public static Builder builder(Errand errand, ConnectionFactory factory, String queue) {
    return new Builder(errand, factory, queue);
  }

  public Inbox start() {
    loop.start();
    return this;
  }

  /** The inbox's connection and counts. */
  public RabbitStatus status() {
    return counts.status("inbox " + queue, RabbitStatus.INBOX, queue, loop.connected());
  }

  /** Stops consuming; deliveries not yet acked go back to the queue when the connection closes. */
  public void stop(Duration grace) {
    try {
      loop.stop(Service.deadline(grace));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }

  /** The inbox's settings; each setter checks its argument. */
  public static final class Builder {
    final Errand errand;
    final ConnectionFactory factory;
    final String queue;
    InboxFormat format = InboxFormat.RAW;
    DeliveryConverter converter;
    String taskQueue = TaskSpec.DEFAULT_QUEUE;
    Map<String, String> routingKeyTypes = Map.of();
    String idempotencyHeader;
    int prefetch = 1000;
    int batchSize = 500;
    boolean declare = true;
    int deliveryLimit = Queues.DEFAULT_DELIVERY_LIMIT;
    long maxBodyBytes = 1 << 20;
    Duration maxBackoff = Duration.ofSeconds(5);
    RabbitMetrics metrics = RabbitMetrics.NONE;

    private Builder(Errand errand, ConnectionFactory factory, String queue) {
      this.errand = Objects.requireNonNull(errand, "errand");
      this.factory = Objects.requireNonNull(factory, "factory");
      Objects.requireNonNull(queue, "queue");
      if (queue.isEmpty() || queue.getBytes(StandardCharsets.UTF_8).length > AmqpMessage.MAX_NAME_BYTES) {
        throw new IllegalArgumentException("queue must be 1.." + AmqpMessage.MAX_NAME_BYTES + " bytes: " + queue);
      }
      this.queue = queue;
    }

    public Builder format(InboxFormat format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /** A converter of one's own, instead of a {@link #format}. */
    public Builder converter(DeliveryConverter converter) {
      this.converter = Objects.requireNonNull(converter, "converter");
      return this;
    }

    /** The Errand queue the tasks go to. */
    public Builder taskQueue(String taskQueue) {
      this.taskQueue = Names.require("taskQueue", taskQueue);
      return this;
    }

    /** For the raw format: the type of a message without a {@code type} header, by its routing key. */
    public Builder routingKeyTypes(Map<String, String> types) {
      types.forEach((key, type) -> Names.require("routingKeyTypes." + key, type));
      this.routingKeyTypes = Map.copyOf(types);
      return this;
    }

    /** For the raw format: the header whose value is the idempotency key, instead of the message-id. */
    public Builder idempotencyHeader(String header) {
      this.idempotencyHeader = Objects.requireNonNull(header, "idempotencyHeader");
      return this;
    }

    public Builder prefetch(int n) {
      this.prefetch = Checks.range("prefetch", n, 1, 65_535);
      return this;
    }

    public Builder batchSize(int n) {
      this.batchSize = Checks.range("batchSize", n, 1, Checks.MAX_BATCH);
      return this;
    }

    /** Whether the inbox declares its queue (see {@link Queues}); off for a queue someone else declares. */
    public Builder declare(boolean declare) {
      this.declare = declare;
      return this;
    }

    public Builder deliveryLimit(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("deliveryLimit must be positive: " + n);
      }
      this.deliveryLimit = n;
      return this;
    }

    public Builder maxBodyBytes(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive: " + n);
      }
      this.maxBodyBytes = n;
      return this;
    }

    public Builder maxBackoff(Duration d) {
      this.maxBackoff = Checks.positive("maxBackoff", d);
      return this;
    }

    public Builder metrics(RabbitMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    public Inbox build() {
      DeliveryConverter c = converter != null ? converter : switch (format) {
        case CELERY -> new CeleryConverter(taskQueue, maxBodyBytes);
        case RAW -> new RawConverter(taskQueue, routingKeyTypes, idempotencyHeader, maxBodyBytes);
      };
      return new Inbox(this, c);
    }
  }
}
