package dev.errand.rabbitmq;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A message for the {@link Outbox}: where it goes (exchange and routing key), its body as bytes that are
 * published exactly as given, never re-encoded, its content type and string headers, and an optional
 * idempotency key that makes a repeated {@code publish} return the first message. Persistent delivery
 * and the {@code message-id} (the task's id) are set by the relay. Immutable; only a {@link Builder}
 * makes one.
 */
public final class AmqpMessage {
  /** The largest exchange or routing key AMQP 0-9-1 carries (a short string). */
  public static final int MAX_NAME_BYTES = 255;

  private final String exchange;
  private final String routingKey;
  private final byte[] body;
  private final String contentType;
  private final Map<String, String> headers;
  private final String idempotencyKey;

  private AmqpMessage(Builder b) {
    this.exchange = b.exchange;
    this.routingKey = b.routingKey;
    this.body = b.body;
    this.contentType = b.contentType;
    this.headers = Map.copyOf(b.headers);
    this.idempotencyKey = b.idempotencyKey;
  }

  /** A message to {@code exchange} ("" is the default exchange) with {@code routingKey} and {@code body}. */
  public static Builder builder(String exchange, String routingKey) {
    return new Builder(exchange, routingKey);
  }

  public Builder newBuilder() {
    Builder b = new Builder(exchange, routingKey).body(body).contentType(contentType).headers(headers);
    return idempotencyKey == null ? b : b.idempotencyKey(idempotencyKey);
  }

  public String exchange() {
    return exchange;
  }

  public String routingKey() {
    return routingKey;
  }

  /** A copy of the body. */
  public byte[] body() {
    return body.clone();
  }

  byte[] bodyUnsafe() {
    return body;
  }

  /** The content type, or null for none. */
  public String contentType() {
    return contentType;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** Null, or the key that makes a repeated publish return the first message's task. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  @Override
  public String toString() {
    return "AmqpMessage[exchange=" + exchange + ", routingKey=" + routingKey + ", " + body.length + " bytes]";
  }

  /** Builds an {@link AmqpMessage}; each setter checks its argument. */
  public static final class Builder {
    private final String exchange;
    private final String routingKey;
    private byte[] body = new byte[0];
    private String contentType;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String idempotencyKey;

    private Builder(String exchange, String routingKey) {
      this.exchange = shortString("exchange", exchange);
      this.routingKey = shortString("routingKey", routingKey);
    }

    /** The body, copied; published byte for byte. */
    public Builder body(byte[] body) {
      this.body = Objects.requireNonNull(body, "body").clone();
      return this;
    }

    /** The body as UTF-8 JSON text, with content type {@code application/json} unless one is set. */
    public Builder json(String json) {
      body(Objects.requireNonNull(json, "json").getBytes(StandardCharsets.UTF_8));
      if (contentType == null) {
        contentType = "application/json";
      }
      return this;
    }

    public Builder contentType(String contentType) {
      this.contentType = contentType == null ? null : shortString("contentType", contentType);
      return this;
    }

    public Builder header(String name, String value) {
      shortString("header name", name);
      if (name.isEmpty()) {
        throw new IllegalArgumentException("header name must not be empty");
      }
      headers.put(name, Objects.requireNonNull(value, "header " + name));
      return this;
    }

    public Builder headers(Map<String, String> headers) {
      Objects.requireNonNull(headers, "headers").forEach(this::header);
      return this;
    }

    public Builder idempotencyKey(String key) {
      this.idempotencyKey = Objects.requireNonNull(key, "idempotencyKey");
      return this;
    }

    public AmqpMessage build() {
      return new AmqpMessage(this);
    }

    private static String shortString(String field, String value) {
      Objects.requireNonNull(value, field);
      if (value.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw new IllegalArgumentException(field + " must be at most " + MAX_NAME_BYTES + " bytes: " + value);
      }
      return value;
    }
  }
}
