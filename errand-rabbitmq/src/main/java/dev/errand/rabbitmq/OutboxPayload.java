package dev.errand.rabbitmq;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.errand.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An outbox message as the payload of its task: {@code {"exchange", "routingKey", "contentType",
 * "headers", "body"}} with the body in base64, so any bytes survive the store and come back exactly as
 * given (a JSON body is not re-encoded either: base64 carries it byte for byte). Streamed with Jackson's
 * core parser, on the relay's hot path. Internal.
 */
final class OutboxPayload {
  private static final JsonFactory FACTORY = new JsonFactory();

  private OutboxPayload() {}

  static Json encode(AmqpMessage m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(m.bodyUnsafe().length * 4 / 3 + 128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("exchange", m.exchange());
      g.writeStringField("routingKey", m.routingKey());
      if (m.contentType() != null) {
        g.writeStringField("contentType", m.contentType());
      }
      if (!m.headers().isEmpty()) {
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, String> h : m.headers().entrySet()) {
          g.writeStringField(h.getKey(), h.getValue());
        }
        g.writeEndObject();
      }
      g.writeFieldName("body");
      g.writeBinary(m.bodyUnsafe());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Json.ofTrusted(out.toByteArray());
  }

  /** The message a task's payload holds; throws IllegalArgumentException if it holds none. */
  static AmqpMessage decode(Json payload) {
    String exchange = null;
    String routingKey = null;
    String contentType = null;
    byte[] body = null;
    Map<String, String> headers = new LinkedHashMap<>();
    try (JsonParser p = FACTORY.createParser(payload.bytesUnsafe())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("outbox payload is not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "exchange" -> exchange = p.getValueAsString();
          case "routingKey" -> routingKey = p.getValueAsString();
          case "contentType" -> contentType = p.getValueAsString();
          case "body" -> body = p.getBinaryValue();
          case "headers" -> {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String name = p.currentName();
              p.nextToken();
              headers.put(name, p.getValueAsString());
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("outbox payload is malformed: " + e.getMessage(), e);
    }
    if (exchange == null || routingKey == null || body == null) {
      throw new IllegalArgumentException("outbox payload lacks exchange, routingKey or body");
    }
    return AmqpMessage.builder(exchange, routingKey).body(body).contentType(contentType).headers(headers).build();
  }
}
