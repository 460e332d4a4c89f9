package dev.errand.rabbitmq;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.rabbitmq.client.Delivery;
import dev.errand.core.Json;
import dev.errand.core.Names;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Celery's message protocol, version 2, JSON serializer: the {@code task} header is the task type, the
 * {@code id} header the task id (so a redelivery finds its task), the body {@code [args, kwargs, embed]}
 * becomes the payload {@code {"args": [...], "kwargs": {...}}} (their bytes as received), and the {@code eta} header (which
 * {@code countdown} turns into on the client) the run time; an {@code eta} without an offset is UTC.
 * Protocol 1 messages and other serializers are rejected. Immutable.
 */
public final class CeleryConverter implements DeliveryConverter {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final byte[] ARGS = "{\"args\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KWARGS = ",\"kwargs\":".getBytes(StandardCharsets.US_ASCII);

  private final String taskQueue;
  private final long maxBodyBytes;

  public CeleryConverter(String taskQueue, long maxBodyBytes) {
    this.taskQueue = Names.require("taskQueue", taskQueue);
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public TaskSpec convert(Delivery d) {
    Map<String, Object> headers = d.getProperties().getHeaders();
    String name = RawConverter.header(headers, "task");
    String id = RawConverter.header(headers, "id");
    if (name == null || id == null) {
      throw new UnconvertibleMessageException("not a Celery protocol 2 message: no task or id header");
    }
    String contentType = d.getProperties().getContentType();
    if (!"application/json".equals(contentType)) {
      throw new UnconvertibleMessageException("Celery message " + id + " has content type " + contentType
          + "; only the JSON serializer is understood");
    }
    if (!Names.isValid(name)) {
      throw new UnconvertibleMessageException("Celery task name must match " + Names.PATTERN + ": " + name);
    }
    TaskId taskId;
    try {
      taskId = TaskId.of(id);
    } catch (IllegalArgumentException e) {
      throw new UnconvertibleMessageException("Celery task id is not a task id: " + e.getMessage());
    }
    Bodies.json(d.getBody(), maxBodyBytes);
    Json payload = argsAndKwargs(id, d.getBody());
    TaskSpec.Builder spec = TaskSpec.builder(name).id(taskId).queue(taskQueue).payload(payload);
    String eta = RawConverter.header(headers, "eta");
    if (eta != null) {
      spec.runAt(parseEta(id, eta));
    }
    return spec.build();
  }

  /**
   * {@code {"args": A, "kwargs": K}} with A and K the bytes of the body's first two elements exactly as
   * received (numbers and spacing kept), found by their offsets in one streaming pass.
   */
  private static Json argsAndKwargs(String id, byte[] body) {
    try (JsonParser p = FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_ARRAY || p.nextToken() != JsonToken.START_ARRAY) {
        throw notCelery(id);
      }
      int argsStart = (int) p.currentTokenLocation().getByteOffset();
      p.skipChildren();
      int argsEnd = (int) p.currentLocation().getByteOffset();
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw notCelery(id);
      }
      int kwargsStart = (int) p.currentTokenLocation().getByteOffset();
      p.skipChildren();
      int kwargsEnd = (int) p.currentLocation().getByteOffset();
      ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 20);
      out.writeBytes(ARGS);
      out.write(body, argsStart, argsEnd - argsStart);
      out.writeBytes(KWARGS);
      out.write(body, kwargsStart, kwargsEnd - kwargsStart);
      out.write('}');
      return Json.of(out.toByteArray());
    } catch (IOException | IllegalArgumentException e) {
      throw new UnconvertibleMessageException("Celery body of " + id + " is not JSON [args, kwargs, embed]", e);
    }
  }

  private static UnconvertibleMessageException notCelery(String id) {
    return new UnconvertibleMessageException("Celery body of " + id + " is not [args, kwargs, embed]");
  }

  private static Instant parseEta(String id, String eta) {
    try {
      return OffsetDateTime.parse(eta).toInstant();
    } catch (DateTimeParseException withoutOffset) {
      try {
        return LocalDateTime.parse(eta).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw new UnconvertibleMessageException("Celery eta of " + id + " is not an ISO 8601 time: " + eta);
      }
    }
  }
}
