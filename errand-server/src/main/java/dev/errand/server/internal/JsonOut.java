package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Heartbeats;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.workflow.ParentResult;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.TargetJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes response bodies with a streaming generator. A task's payload and result are written as the
 * bytes stored, never decoded and re-encoded. Into an array, or straight to a stream ({@link #to}).
 * Not thread-safe: one per response.
 */
public final class JsonOut implements AutoCloseable {
  // A shared buffer pool: the default keeps buffers per thread, and requests run on virtual threads,
  // each new, so every response allocated fresh ones.
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();

  private final ByteArrayOutputStream out;
  private final JsonGenerator g;

  public JsonOut() {
    this(new ByteArrayOutputStream(512), null);
  }

  private JsonOut(ByteArrayOutputStream buffer, OutputStream target) {
    this.out = buffer;
    try {
      g = FACTORY.createGenerator(buffer != null ? buffer : target, JsonEncoding.UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A writer straight to {@code target}, such as a response's output stream, for a document too large
   * to hold twice: {@link #close()} finishes it and closes {@code target}; {@link #bytes()} is not
   * available.
   */
  public static JsonOut to(OutputStream target) {
    return new JsonOut(null, target);
  }

  /** The generator, for the caller's own fields. IOExceptions cannot happen on an in-memory stream. */
  public JsonGenerator generator() {
    return g;
  }

  /**
   * Writes {@code task} as a read shows it: a target task's target apart, its secret header values and
   * those of {@code redaction} replaced, and the payload as given.
   */
  public void task(Task t, Redaction redaction) throws IOException {
    task(t, false, List.of(), redaction);
  }

  /**
   * Writes {@code task} as an object, with its workflow parents as {@code parents}
   * ({@code [{"name", "id", "state", "result", "lastError"}]}, in the order of its dependencies) if it has any.
   */
  public void task(Task t, boolean withLeaseToken, List<ParentResult> parents) throws IOException {
    task(t, withLeaseToken, parents, Redaction.DEFAULT);
  }

  private void task(Task t, boolean withLeaseToken, List<ParentResult> parents, Redaction redaction) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", t.id().value());
    g.writeStringField("queue", t.queue());
    g.writeStringField("type", t.type());
    TargetJson.Stored target = withLeaseToken ? null : target(t);
    if (target != null) { // a read shows the target apart, its secret headers redacted, and the payload as given
      g.writeObjectFieldStart("target");
      TargetJson.write(g, redaction.apply(target.target()), true);
      g.writeEndObject();
    }
    g.writeFieldName("payload");
    raw(target != null ? target.payload() : t.payload());
    g.writeNumberField("priority", t.priority());
    g.writeStringField("state", t.state().name());
    g.writeNumberField("attempt", t.attempt());
    g.writeNumberField("maxAttempts", t.maxAttempts());
    g.writeObjectFieldStart("retry");
    g.writeStringField("base", t.retry().base().toString());
    g.writeStringField("cap", t.retry().cap().toString());
    g.writeEndObject();
    g.writeStringField("timeout", t.timeout().toString());
    if (t.idempotencyKey() != null) {
      g.writeStringField("idempotencyKey", t.idempotencyKey());
    }
    g.writeStringField("kind", t.kind());
    if (!t.headers().isEmpty()) {
      g.writeObjectFieldStart("headers");
      for (Map.Entry<String, String> h : t.headers().entrySet()) {
        g.writeStringField(h.getKey(), h.getValue());
      }
      g.writeEndObject();
    }
    instant("runAt", t.runAt());
    instant("createdAt", t.createdAt());
    instant("startedAt", t.startedAt());
    instant("finishedAt", t.finishedAt());
    g.writeFieldName("result");
    raw(t.result());
    g.writeStringField("lastError", t.lastError());
    g.writeFieldName("progress");
    raw(t.progress());
    heartbeats(t.heartbeats());
    if (t.lease() != null) {
      if (withLeaseToken) {
        g.writeStringField("leaseToken", t.lease().token());
      }
      instant("leaseUntil", t.lease().until());
      g.writeStringField("workerId", t.lease().workerId());
    }
    if (!parents.isEmpty()) {
      g.writeArrayFieldStart("parents");
      for (ParentResult p : parents) {
        g.writeStartObject();
        g.writeStringField("name", p.name());
        g.writeStringField("id", p.id().value());
        g.writeStringField("state", p.state() == null ? null : p.state().name());
        g.writeFieldName("result");
        raw(p.result());
        g.writeStringField("lastError", p.error());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** The target of a task of kind http, or null (also for one made by hand whose payload is no target). */
  private static TargetJson.Stored target(Task t) {
    if (!t.kind().equals(HttpTarget.KIND)) {
      return null;
    }
    try {
      return TargetJson.decode(t.payload());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void raw(Json json) throws IOException {
    if (json == null) {
      g.writeNull();
    } else {
      g.writeRawValue(json.asString());
    }
  }

  public void instant(String name, Instant value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, value.toString());
    }
  }

  /** Finishes and returns the document. */
  public byte[] bytes() {
    if (out == null) {
      throw new IllegalStateException("this JsonOut writes to a stream, not to bytes");
    }
    try {
      g.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    try {
      g.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JSON of one task as a read shows it, as a whole response body. */
  public static byte[] ofTask(Task t, Redaction redaction) {
    try (JsonOut out = new JsonOut()) {
      out.task(t, redaction);
      return out.bytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code "heartbeats": {count, first, last}}, or null for none. */
  public void heartbeats(Heartbeats hb) throws IOException {
    if (hb == null) {
      g.writeNullField("heartbeats");
      return;
    }
    g.writeObjectFieldStart("heartbeats");
    g.writeNumberField("count", hb.count());
    instant("first", hb.first());
    instant("last", hb.last());
    g.writeEndObject();
  }
}
