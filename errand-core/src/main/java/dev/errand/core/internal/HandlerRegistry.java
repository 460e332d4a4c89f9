package dev.errand.core.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.Task;
import dev.errand.core.TaskHandler;
import dev.errand.core.TypeDefaults;
import dev.errand.core.spi.Completion;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/** The handlers of one Errand by type, and the retry arithmetic they share. Internal: not public API. */
public final class HandlerRegistry {
  private final ObjectMapper mapper;
  private final Map<String, TypeDefaults> typeDefaults;
  private final Map<String, Registered<?>> handlers = new ConcurrentHashMap<>();

  public HandlerRegistry(ObjectMapper mapper, Map<String, TypeDefaults> typeDefaults) {
    this.mapper = mapper;
    this.typeDefaults = Map.copyOf(typeDefaults);
  }

  /** A handler with the payload class it decodes. */
  public record Registered<P>(String type, Class<P> payloadType, TaskHandler<P> handler) {}

  public <P> void register(String type, Class<P> payloadType, TaskHandler<P> handler) {
    Registered<P> r = new Registered<>(type, Objects.requireNonNull(payloadType, "payloadType"),
        Objects.requireNonNull(handler, "handler"));
    if (handlers.putIfAbsent(type, r) != null) {
      throw new IllegalArgumentException("a handler for type " + type + " is already registered");
    }
  }

  public Registered<?> find(String type) {
    return handlers.get(type);
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  /** Decodes a payload for its handler; {@code Json.class} gets the raw bytes. */
  @SuppressWarnings("unchecked")
  public <P> P decode(Registered<P> r, Json payload) throws IOException {
    if (r.payloadType() == Json.class) {
      return (P) payload;
    }
    return payload.decode(r.payloadType(), mapper);
  }

  /** The type's own retry policy if it has one, else {@code fallback}. */
  public RetryPolicy retryFor(String type, RetryPolicy fallback) {
    TypeDefaults d = typeDefaults.get(type);
    return d != null && d.retry() != null ? d.retry() : fallback;
  }

  /** The type's own timeout if it has one, else {@code fallback}. */
  public Duration timeoutFor(String type, Duration fallback) {
    TypeDefaults d = typeDefaults.get(type);
    return d != null && d.timeout() != null ? d.timeout() : fallback;
  }

  /** Retry with backoff while attempts remain and the error allows it; otherwise dead. */
  public Completion.Outcome failureOutcome(Task task, String error, boolean retryable, RandomGenerator random) {
    if (retryable && task.retry().allowsRetryAfter(task.attempt())) {
      return new Completion.Retry(task.retry().backoff(task.attempt(), random), error);
    }
    return new Completion.Dead(error);
  }
}
