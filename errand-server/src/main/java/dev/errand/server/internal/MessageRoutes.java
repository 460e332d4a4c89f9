package dev.errand.server.internal;

import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.TaskSpec;
import dev.errand.rabbitmq.AmqpMessage;
import dev.errand.rabbitmq.Outbox;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/messages}: a message for RabbitMQ, put in the outbox as a task of kind
 * {@value Outbox#KIND} and published by the outbox relay of any server with a {@code rabbitmq} section,
 * with the task id as its {@code message-id}. The body is {@code payload} (JSON, published as the bytes
 * received, content type {@code application/json} unless given) or {@code body} (base64 of any bytes).
 * Answers 201 with the message's task, or 200 with the earlier one for a repeated idempotency key.
 */
public final class MessageRoutes {
  private static final Set<String> FIELDS = Set.of("exchange", "routingKey", "payload", "body", "contentType",
      "headers", "idempotencyKey");

  private final Outbox outbox;
  private final Limits limits;

  public MessageRoutes(Errand errand, Limits limits) {
    this.outbox = Outbox.of(errand);
    this.limits = limits;
  }

  public List<ApiRoute> routes() {
    return List.of(new ApiRoute(HandlerType.POST, "/v1/messages", ApiRoute.PRODUCERS, this::publish));
  }

  private void publish(Context ctx) {
    JsonFields in = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    in.rejectUnknown(FIELDS, errors);
    String exchange = shortString(in, "exchange", true, errors);
    String routingKey = shortString(in, "routingKey", true, errors);
    String contentType = shortString(in, "contentType", false, errors);
    String key = in.string("idempotencyKey", errors);
    if (key == null) {
      key = ctx.header("Idempotency-Key");
    }
    if (key != null && (key.isEmpty() || key.length() > TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH)) {
      errors.add(in.field("idempotencyKey"), "must be 1.." + TaskSpec.MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
    }
    byte[] body = null;
    boolean json = in.raw("payload") != null;
    if (json && in.has("body")) {
      errors.add(in.field("body"), "give payload or body, not both");
    } else if (json) {
      body = in.raw("payload").toByteArray(); // the JSON exactly as received
    } else if (in.has("body")) {
      String base64 = in.string("body", errors);
      if (base64 != null) {
        try {
          body = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
          errors.add(in.field("body"), "must be base64");
        }
      }
    } else {
      errors.add(in.field("payload"), "give payload (JSON) or body (base64)");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    JsonFields h = in.object("headers", errors);
    if (h != null) {
      for (String name : h.names()) {
        String value = h.string(name, errors);
        if (value == null) {
          errors.add(h.field(name), "must be a string");
        } else if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > AmqpMessage.MAX_NAME_BYTES) {
          errors.add(h.field(name), "name must be 1.." + AmqpMessage.MAX_NAME_BYTES + " bytes");
        } else {
          headers.put(name, value);
        }
      }
    }
    if (body != null && body.length > limits.maxPayloadBytes()) {
      throw ApiException.tooLarge(limits.maxPayloadBytes());
    }
    errors.throwIfAny();
    AmqpMessage.Builder m = AmqpMessage.builder(exchange, routingKey).body(body).headers(headers)
        .contentType(contentType != null ? contentType : json ? "application/json" : null);
    if (key != null) {
      m.idempotencyKey(key);
    }
    Enqueued e = outbox.publish(m.build());
    ctx.header("Location", "/v1/tasks/" + e.id().value());
    Responses.task(ctx, e.created() ? 201 : 200, e.task());
  }

  /** A string of at most 255 UTF-8 bytes (an AMQP short string); "" is a value (the default exchange). */
  private static String shortString(JsonFields in, String name, boolean required, FieldErrors errors) {
    String v = in.string(name, errors);
    if (v == null) {
      if (required && !in.has(name)) {
        errors.add(in.field(name), "is required");
      }
      return null;
    }
    if (v.getBytes(StandardCharsets.UTF_8).length > AmqpMessage.MAX_NAME_BYTES) {
      errors.add(in.field(name), "must be at most " + AmqpMessage.MAX_NAME_BYTES + " bytes");
      return null;
    }
    return v;
  }
}
