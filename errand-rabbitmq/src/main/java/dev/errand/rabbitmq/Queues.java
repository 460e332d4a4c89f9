package dev.errand.rabbitmq;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.Map;

/**
 * How Errand declares the queues it consumes: a durable quorum queue whose rejected and over-delivered
 * messages go to the dead-letter exchange {@code <queue>.dlx} (fanout), bound to the quorum queue
 * {@code <queue>.dead}, with an explicit {@code x-delivery-limit} (RabbitMQ before 4.0 sets none, so a
 * message that keeps failing would loop forever). Declaring is idempotent as long as the arguments agree;
 * a queue declared before with other arguments makes the broker close the channel (406).
 */
public final class Queues {
  /** The delivery limit unless another is given: enough for redeliveries after crashes, not a loop. */
  public static final int DEFAULT_DELIVERY_LIMIT = 5;

  private Queues() {}

  public static String deadLetterExchange(String queue) {
    return queue + ".dlx";
  }

  public static String deadLetterQueue(String queue) {
    return queue + ".dead";
  }

  /** The arguments Errand declares {@code queue} with; a producer that declares it too must pass the same. */
  public static Map<String, Object> arguments(String queue, int deliveryLimit) {
    if (deliveryLimit < 1) {
      throw new IllegalArgumentException("deliveryLimit must be positive: " + deliveryLimit);
    }
    return Map.of("x-queue-type", "quorum",
        "x-dead-letter-exchange", deadLetterExchange(queue),
        "x-delivery-limit", deliveryLimit);
  }

  /** Declares {@code queue}, its dead-letter exchange and dead-letter queue. */
  public static void declare(Channel channel, String queue, int deliveryLimit) throws IOException {
    Map<String, Object> args = arguments(queue, deliveryLimit);
    channel.exchangeDeclare(deadLetterExchange(queue), BuiltinExchangeType.FANOUT, true);
    channel.queueDeclare(deadLetterQueue(queue), true, false, false, Map.of("x-queue-type", "quorum"));
    channel.queueBind(deadLetterQueue(queue), deadLetterExchange(queue), "");
    channel.queueDeclare(queue, true, false, false, args);
  }

  /** Deletes what {@link #declare} made; for tests and tear-downs. */
  public static void delete(Channel channel, String queue) throws IOException {
    channel.queueDelete(queue);
    channel.queueDelete(deadLetterQueue(queue));
    channel.exchangeDelete(deadLetterExchange(queue));
  }
}
