package dev.errand.httptarget;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.errand.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a target task: its payload is one JSON object holding the target and, under
 * {@code payload}, the task's own payload as the bytes given (never re-encoded):
 * {@code {"url":..,"method":..,"headers":{..},"secretHeaders":[..],"body":..,"deadline":"PT30S","expect":{..},"payload":..}}.
 * Also writes the target as reads show it, with secret header values redacted. Stateless.
 */
public final class TargetJson {
  /** What a read shows instead of a secret header's value. */
  public static final String REDACTED = "[redacted]";
  // A shared buffer pool (as TargetResponses): each attempt decodes its target on a new virtual thread.
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();

  private TargetJson() {}

  /** A stored target task: the target and the task's payload (null when none was given). */
  public record Stored(HttpTarget target, Json payload) {}

  /** The stored payload of a task that calls {@code target} with {@code payload} (null for none). */
  public static Json encode(HttpTarget target, Json payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (payload == null ? 0 : payload.size()));
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      write(g, target, false);
      if (payload != null) {
        g.writeFieldName("payload");
        g.writeRawValue(payload.asString());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Json.ofTrusted(out.toByteArray());
  }

  /** Writes the fields of {@code target} into the object {@code g} is in; secret values redacted when {@code redact}. */
  public static void write(JsonGenerator g, HttpTarget target, boolean redact) throws IOException {
    g.writeStringField("url", target.url());
    g.writeStringField("method", target.method());
    if (!target.headers().isEmpty()) {
      g.writeObjectFieldStart("headers");
      for (Map.Entry<String, String> h : target.headers().entrySet()) {
        g.writeStringField(h.getKey(), redact && target.secretHeaders().contains(h.getKey()) ? REDACTED : h.getValue());
      }
      g.writeEndObject();
    }
    g.writeArrayFieldStart("secretHeaders");
    for (String s : target.secretHeaders()) {
      g.writeString(s);
    }
    g.writeEndArray();
    if (target.body() != null) {
      g.writeStringField("body", target.body());
    }
    g.writeStringField("deadline", target.deadline().toString());
    StatusRules e = target.expect();
    if (!e.isEmpty()) {
      g.writeObjectFieldStart("expect");
      list(g, "success", e.success());
      list(g, "retry", e.retry());
      list(g, "permanent", e.permanent());
      g.writeEndObject();
    }
  }

  private static void list(JsonGenerator g, String name, List<String> values) throws IOException {
    if (!values.isEmpty()) {
      g.writeArrayFieldStart(name);
      for (String v : values) {
        g.writeString(v);
      }
      g.writeEndArray();
    }
  }

  /**
   * Reads a stored target task back.
   *
   * @throws IllegalArgumentException if the payload is not a stored target (a task of kind http made by hand)
   */
  public static Stored decode(Json stored) {
    byte[] bytes = stored.bytesUnsafe();
    String url = null;
    HttpTarget.Builder b = null;
    String method = null;
    String body = null;
    Duration deadline = null;
    StatusRules expect = StatusRules.NONE;
    List<String[]> headers = new ArrayList<>();
    List<String> secrets = new ArrayList<>();
    Json payload = null;
    try (JsonParser p = FACTORY.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a target task's payload must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "url" -> url = p.getValueAsString();
          case "method" -> method = p.getValueAsString();
          case "body" -> body = t == JsonToken.VALUE_NULL ? null : p.getValueAsString();
          case "deadline" -> deadline = Duration.parse(p.getValueAsString());
          case "headers" -> {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String h = p.currentName();
              p.nextToken();
              headers.add(new String[] {h, p.getValueAsString()});
            }
          }
          case "secretHeaders" -> {
            while (p.nextToken() != JsonToken.END_ARRAY) {
              secrets.add(p.getValueAsString());
            }
          }
          case "expect" -> expect = readRules(p);
          case "payload" -> {
            int start = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            int end = (int) p.currentLocation().getByteOffset();
            payload = Json.ofTrusted(Arrays.copyOfRange(bytes, start, end));
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a stored target: " + e.getMessage(), e);
    }
    if (url == null) {
      throw new IllegalArgumentException("not a stored target: no url");
    }
    b = HttpTarget.builder(url);
    if (method != null) {
      b.method(method);
    }
    for (String[] h : headers) {
      b.header(h[0], h[1]);
    }
    for (String s : secrets) {
      b.secretHeader(s);
    }
    if (deadline != null) {
      b.deadline(deadline);
    }
    return new Stored(b.body(body).expect(expect).build(), payload);
  }

  private static StatusRules readRules(JsonParser p) throws IOException {
    List<String> success = List.of();
    List<String> retry = List.of();
    List<String> permanent = List.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      List<String> values = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        values.add(p.getValueAsString());
      }
      switch (name) {
        case "success" -> success = values;
        case "retry" -> retry = values;
        case "permanent" -> permanent = values;
        default -> { }
      }
    }
    return new StatusRules(success, retry, permanent);
  }
}
