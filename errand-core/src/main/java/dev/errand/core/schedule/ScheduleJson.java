package dev.errand.core.schedule;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Locale;

/**
 * A schedule's definition as JSON: the one shape the HTTP API returns (and accepts, in the short forms
 * the server also reads), that the store keeps for stored schedules, and that every node decodes.
 *
 * <pre>{@code
 * {"cron": "0 3 * * *", "interval": null, "zone": "Europe/Berlin", "missedTicks": "skip", "enabled": true,
 *  "tolerance": "PT10S", "startAt": null,
 *  "task": {"type": "report", "queue": "default", "payload": {"kind": "daily"}, "priority": 0}}
 * }</pre>
 *
 * The name is not part of the definition: it is the key it is kept and addressed under. Durations are
 * ISO-8601, instants RFC 3339 in UTC. The task's payload is written and read back as the exact bytes it
 * holds, never re-encoded; {@code maxAttempts}, {@code timeout}, {@code backoffBase} and
 * {@code backoffCap} appear only when the spec sets them. Encoding is deterministic, so two nodes that
 * encode one schedule get the same bytes. Stateless and thread-safe.
 */
public final class ScheduleJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private ScheduleJson() {}

  /** The definition of {@code schedule} as one JSON object. */
  public static Json encode(Schedule schedule) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      writeFields(g, schedule);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory stream does not fail
    }
    return Json.ofTrusted(out.toByteArray());
  }

  /**
   * Writes the definition's fields into the object {@code g} is in, so a caller can add its own fields
   * (a name, fire times) around them.
   */
  public static void writeFields(JsonGenerator g, Schedule s) throws IOException {
    g.writeStringField("cron", s.cron());
    g.writeStringField("interval", s.interval() == null ? null : s.interval().toString());
    g.writeStringField("zone", s.zone().getId());
    g.writeStringField("missedTicks", policyName(s.missedTicks()));
    g.writeBooleanField("enabled", s.enabled());
    g.writeStringField("tolerance", s.tolerance().toString());
    g.writeStringField("startAt", s.startAt() == null ? null : s.startAt().toString());
    TaskSpec t = s.task();
    g.writeObjectFieldStart("task");
    g.writeStringField("type", t.type());
    g.writeStringField("queue", t.queue());
    g.writeFieldName("payload");
    g.writeRawValue(t.payload().asString());
    g.writeNumberField("priority", t.priority());
    if (t.maxAttempts() != null) {
      g.writeNumberField("maxAttempts", t.maxAttempts());
    }
    if (t.timeout() != null) {
      g.writeStringField("timeout", t.timeout().toString());
    }
    if (t.backoffBase() != null) {
      g.writeStringField("backoffBase", t.backoffBase().toString());
      g.writeStringField("backoffCap", t.backoffCap().toString());
    }
    g.writeEndObject();
  }

  /**
   * The schedule {@code name} that {@code definition} describes.
   *
   * @throws IllegalArgumentException naming the field, for a definition that is not one this codec
   *     wrote: an unknown field (perhaps from a newer Errand), a value of the wrong type or one the
   *     schedule's builder refuses
   */
  public static Schedule decode(String name, Json definition) {
    byte[] bytes = definition.bytesUnsafe();
    try (JsonParser p = FACTORY.createParser(bytes)) {
      require(p.nextToken() == JsonToken.START_OBJECT, "definition", "must be a JSON object");
      Schedule.Builder b = Schedule.builder(name);
      boolean hasTask = false;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        p.nextToken();
        if (p.currentToken() == JsonToken.VALUE_NULL) {
          continue;
        }
        try {
          switch (field) {
            case "cron" -> b.cron(text(p, field));
            case "interval" -> b.interval(duration(p, field));
            case "zone" -> b.zone(ZoneId.of(text(p, field)));
            case "missedTicks" -> b.missedTicks(policy(text(p, field)));
            case "enabled" -> b.enabled(bool(p, field));
            case "tolerance" -> b.tolerance(duration(p, field));
            case "startAt" -> b.startAt(Instant.parse(text(p, field)));
            case "task" -> {
              b.task(task(p, bytes));
              hasTask = true;
            }
            default -> throw new IllegalArgumentException(field + " is not a known field");
          }
        } catch (DateTimeException e) {
          throw new IllegalArgumentException(field + " is not valid: " + e.getMessage(), e);
        }
      }
      require(hasTask, "task", "is required");
      return b.build();
    } catch (IOException e) {
      throw new IllegalArgumentException("definition of schedule " + name + " is not valid JSON: "
          + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  private static TaskSpec task(JsonParser p, byte[] source) throws IOException {
    require(p.currentToken() == JsonToken.START_OBJECT, "task", "must be a JSON object");
    TaskSpec.Builder b = null;
    String queue = null;
    Json payload = Json.NULL;
    Integer priority = null;
    Integer maxAttempts = null;
    Duration timeout = null;
    Duration backoffBase = null;
    Duration backoffCap = null;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String field = "task." + p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("task.payload")) {
        payload = raw(p, source);
        continue;
      }
      if (value == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "task.type" -> b = TaskSpec.builder(text(p, field));
        case "task.queue" -> queue = text(p, field);
        case "task.priority" -> priority = integer(p, field);
        case "task.maxAttempts" -> maxAttempts = integer(p, field);
        case "task.timeout" -> timeout = duration(p, field);
        case "task.backoffBase" -> backoffBase = duration(p, field);
        case "task.backoffCap" -> backoffCap = duration(p, field);
        default -> throw new IllegalArgumentException(field + " is not a known field");
      }
    }
    require(b != null, "task.type", "is required");
    b.payload(payload).timeout(timeout);
    if (queue != null) {
      b.queue(queue);
    }
    if (priority != null) {
      b.priority(priority);
    }
    if (maxAttempts != null) {
      b.maxAttempts(maxAttempts);
    }
    if (backoffBase != null || backoffCap != null) {
      b.backoff(backoffBase, backoffCap);
    }
    return b.build();
  }

  /** The bytes of the value the parser is at, exactly as they stand in {@code source}. */
  private static Json raw(JsonParser p, byte[] source) throws IOException {
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (p.currentToken().isStructStart()) {
      p.skipChildren(); // now at the closing bracket, whose end is the value's end
      return Json.of(Arrays.copyOfRange(source, start, (int) p.currentLocation().getByteOffset()));
    }
    p.getText(); // finishes a string token, so the location below is past its closing quote
    int end = (int) p.currentLocation().getByteOffset();
    // A scalar's end location may lie past a delimiter the parser looked at; no scalar ends with one.
    while (end > start && isDelimiter(source[end - 1])) {
      end--;
    }
    return Json.of(Arrays.copyOfRange(source, start, end));
  }

  private static boolean isDelimiter(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == ',' || b == '}' || b == ']';
  }

  /** The policy as JSON spells it: {@code skip} or {@code catch-up-one}. */
  public static String policyName(MissedTickPolicy policy) {
    return policy.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The policy {@code name} spells (see {@link #policyName}), or IllegalArgumentException. */
  public static MissedTickPolicy policy(String name) {
    for (MissedTickPolicy p : MissedTickPolicy.values()) {
      if (policyName(p).equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("missedTicks must be skip or catch-up-one: " + name);
  }

  private static String text(JsonParser p, String field) throws IOException {
    require(p.currentToken() == JsonToken.VALUE_STRING, field, "must be a string");
    return p.getText();
  }

  private static boolean bool(JsonParser p, String field) {
    require(p.currentToken().isBoolean(), field, "must be true or false");
    return p.currentToken() == JsonToken.VALUE_TRUE;
  }

  private static int integer(JsonParser p, String field) throws IOException {
    require(p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT,
        field, "must be an integer");
    return p.getIntValue();
  }

  private static Duration duration(JsonParser p, String field) throws IOException {
    String text = text(p, field);
    try {
      return Duration.parse(text);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(field + " must be an ISO-8601 duration such as PT30S: " + text, e);
    }
  }

  private static void require(boolean condition, String field, String message) {
    if (!condition) {
      throw new IllegalArgumentException(field + " " + message);
    }
  }
}
