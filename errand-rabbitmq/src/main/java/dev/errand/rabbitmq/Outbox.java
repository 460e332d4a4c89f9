package dev.errand.rabbitmq;

import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskSpec;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The transactional outbox: a message published here is an Errand task of kind {@value #KIND} on the
 * outbox queue, and an {@link OutboxRelay} publishes it to RabbitMQ with confirms, its task id as the
 * {@code message-id}. Published inside the caller's JDBC transaction ({@link #publish(Connection,
 * AmqpMessage)}), the message exists if and only if the transaction commits, so nothing is published
 * before the commit and nothing after a rollback. Thread-safe.
 */
public final class Outbox {
  /** The kind of outbox tasks: no worker's executor runs them, the relay claims them. */
  public static final String KIND = "amqp";
  /** The type every outbox task carries. */
  public static final String TYPE = "amqp.publish";
  /** The queue outbox tasks wait in unless another is named. */
  public static final String DEFAULT_QUEUE = "errand.outbox";

  private final Errand errand;
  private final String queue;
  private final RetryPolicy retry;

  private Outbox(Errand errand, String queue, RetryPolicy retry) {
    this.errand = Objects.requireNonNull(errand, "errand");
    this.queue = queue;
    this.retry = retry;
  }

  /** The outbox of {@code errand} on the queue {@value #DEFAULT_QUEUE}. */
  public static Outbox of(Errand errand) {
    return new Outbox(errand, DEFAULT_QUEUE, null);
  }

  /** The outbox of {@code errand} on {@code queue}, for a relay of its own. */
  public static Outbox of(Errand errand, String queue) {
    return new Outbox(errand, dev.errand.core.Names.require("queue", queue), null);
  }

  /**
   * This outbox with {@code retry} for the messages it publishes from now on: how often a nacked or
   * unconfirmed message is sent again, and how long apart, before it is DEAD. Errand's default otherwise.
   */
  public Outbox retry(RetryPolicy retry) {
    return new Outbox(errand, queue, Objects.requireNonNull(retry, "retry"));
  }

  public String queue() {
    return queue;
  }

  /**
   * Publishes inside the caller's transaction: the message exists, and will be relayed, if and only if
   * the caller commits {@code connection}, which is never committed, rolled back or closed here.
   *
   * @throws UnsupportedOperationException if the store cannot join a JDBC transaction
   */
  public Enqueued publish(Connection connection, AmqpMessage message) {
    return errand.enqueue(connection, spec(message));
  }

  public List<Enqueued> publishMany(Connection connection, List<AmqpMessage> messages) {
    return errand.enqueueMany(connection, specs(messages));
  }

  /** Publishes on its own: durable (and then relayed) when this returns. */
  public Enqueued publish(AmqpMessage message) {
    return errand.enqueue(spec(message));
  }

  public List<Enqueued> publishMany(List<AmqpMessage> messages) {
    return errand.enqueueMany(specs(messages));
  }

  private List<TaskSpec> specs(List<AmqpMessage> messages) {
    List<TaskSpec> specs = new ArrayList<>(messages.size());
    for (AmqpMessage m : messages) {
      specs.add(spec(m));
    }
    return specs;
  }

  private TaskSpec spec(AmqpMessage message) {
    TaskSpec.Builder b = TaskSpec.builder(TYPE).kind(KIND).queue(queue).payload(OutboxPayload.encode(message));
    if (retry != null) {
      b.retry(retry);
    }
    if (message.idempotencyKey() != null) {
      b.idempotencyKey(message.idempotencyKey());
    }
    return b.build();
  }
}
