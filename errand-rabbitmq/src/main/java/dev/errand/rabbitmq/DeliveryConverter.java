package dev.errand.rabbitmq;

import com.rabbitmq.client.Delivery;
import dev.errand.core.TaskSpec;

/**
 * Turns one delivery into the task it stands for. The same delivery must always give the same spec (a
 * redelivery is recognised by its task id or idempotency key and must agree with the first), and the spec
 * must carry an id or an idempotency key, so that a redelivery finds its task instead of making another.
 * Called on the inbox's thread.
 */
@FunctionalInterface
public interface DeliveryConverter {
  /**
   * @throws UnconvertibleMessageException if the delivery can never become a task: it is rejected to the
   *     dead-letter exchange. Any other exception requeues it, until the queue's delivery limit.
   */
  TaskSpec convert(Delivery delivery);
}
