package dev.errand.rabbitmq;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Delivery;
import dev.errand.core.Json;
import dev.errand.core.Names;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Celery's message protocol, version 2, JSON serializer: the {@code task} header is the task type, the
 * {@code id} header the task id (so a redelivery finds its task), the body {@code [args, kwargs, embed]}
 * becomes the payload {@code {"args": [...], "kwargs": {...}}}, and the {@code eta} header (which
 * {@code countdown} turns into on the client) the run time; an {@code eta} without an offset is UTC.
 * Protocol 1 messages and other serializers are rejected. Immutable.
 */
public final class CeleryConverter implements DeliveryConverter {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS); // numbers kept as they were written

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
    JsonNode body;
    try {
      body = MAPPER.readTree(d.getBody());
    } catch (IOException e) {
      throw new UnconvertibleMessageException("Celery body is not JSON", e);
    }
    if (!body.isArray() || body.size() < 2 || !body.get(0).isArray() || !body.get(1).isObject()) {
      throw new UnconvertibleMessageException("Celery body of " + id + " is not [args, kwargs, embed]");
    }
    ObjectNode payload = MAPPER.createObjectNode();
    payload.set("args", body.get(0));
    payload.set("kwargs", body.get(1));
    TaskSpec.Builder spec = TaskSpec.builder(name).id(taskId).queue(taskQueue).payload(Json.encode(payload, MAPPER));
    String eta = RawConverter.header(headers, "eta");
    if (eta != null) {
      spec.runAt(parseEta(id, eta));
    }
    return spec.build();
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
