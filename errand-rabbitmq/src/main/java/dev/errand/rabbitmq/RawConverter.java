package dev.errand.rabbitmq;

import com.rabbitmq.client.Delivery;
import dev.errand.core.Json;
import dev.errand.core.Names;
import dev.errand.core.TaskSpec;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code raw} format: the body as received is the payload (it must be JSON), the type comes from the
 * {@code type} header or else from the routing key through a map, and the idempotency key is the
 * {@code message-id}, or the value of a named header. Immutable.
 */
public final class RawConverter implements DeliveryConverter {
  /** The header that names the task type. */
  public static final String TYPE_HEADER = "type";

  private final String taskQueue;
  private final Map<String, String> routingKeyTypes;
  private final String idempotencyHeader;
  private final long maxBodyBytes;

  /**
   * @param routingKeyTypes types by routing key, for messages without a {@code type} header
   * @param idempotencyHeader null to key by {@code message-id}, else the header whose value is the key
   */
  public RawConverter(String taskQueue, Map<String, String> routingKeyTypes, String idempotencyHeader,
      long maxBodyBytes) {
    this.taskQueue = Names.require("taskQueue", taskQueue);
    routingKeyTypes.forEach((key, type) -> Names.require("routingKeyTypes." + key, type));
    this.routingKeyTypes = Map.copyOf(routingKeyTypes);
    this.idempotencyHeader = idempotencyHeader;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public TaskSpec convert(Delivery d) {
    String key = idempotencyHeader == null ? d.getProperties().getMessageId()
        : header(d.getProperties().getHeaders(), idempotencyHeader);
    if (key == null || key.isEmpty()) {
      throw new UnconvertibleMessageException(idempotencyHeader == null ? "no message-id"
          : "no " + idempotencyHeader + " header");
    }
    if (key.length() > TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new UnconvertibleMessageException("idempotency key over " + TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
    }
    String type = header(d.getProperties().getHeaders(), TYPE_HEADER);
    if (type == null) {
      type = routingKeyTypes.get(d.getEnvelope().getRoutingKey());
    }
    if (type == null) {
      throw new UnconvertibleMessageException("no type header and no type mapped for routing key '"
          + d.getEnvelope().getRoutingKey() + "'");
    }
    if (!Names.isValid(type)) {
      throw new UnconvertibleMessageException("type must match " + Names.PATTERN + ": " + type);
    }
    Json payload = Bodies.json(d.getBody(), maxBodyBytes);
    return TaskSpec.builder(type).queue(taskQueue).payload(payload).idempotencyKey(key).build();
  }

  static String header(Map<String, Object> headers, String name) {
    if (headers == null) {
      return null;
    }
    Object v = headers.get(Objects.requireNonNull(name));
    return v == null ? null : v.toString(); // LongString and friends print as their text
  }
}
