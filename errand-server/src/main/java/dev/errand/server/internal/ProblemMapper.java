package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.FieldError;
import dev.errand.core.IdempotencyConflictException;
import dev.errand.core.InvalidTaskException;
import dev.errand.core.PayloadTooLargeException;
import dev.errand.core.ScheduleConflictException;
import dev.errand.core.StaleLeaseException;
import dev.errand.core.StoreCorruptException;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.StoreUnreachableException;
import dev.errand.core.TaskNotFoundException;
import io.javalin.http.Context;
import io.javalin.http.ExceptionHandler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.MethodNotAllowedResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place exceptions become responses: RFC 9457 {@code application/problem+json} with
 * {@code type}, {@code title}, {@code status}, {@code detail}, {@code instance} and, for invalid input,
 * {@code errors: [{field, message}]}. Anything a client can cause has its own status; only a bug is a 500,
 * and only a bug is logged at ERROR. Thread-safe.
 */
public final class ProblemMapper implements ExceptionHandler<Exception> {
  private static final Logger log = LoggerFactory.getLogger(ProblemMapper.class);
  /** How long a client should wait before retrying while the store is down. */
  static final String RETRY_AFTER_SECONDS = "5";
  /** The title of the answer to a request that met damaged data. */
  static final String STORE_CORRUPT = "store is corrupt";

  private static final Duration WARN_EVERY = Duration.ofSeconds(30);

  private final String name;
  private final BooleanSupplier stopping;
  private final AtomicLong lastStoreWarning = new AtomicLong();

  public ProblemMapper(String name, BooleanSupplier stopping) {
    this.name = name;
    this.stopping = stopping;
  }

  @Override
  public void handle(Exception e, Context ctx) {
    switch (e) {
      case ApiException a -> write(ctx, a.status(), a.getMessage(), a.errors(), a.headers());
      case PayloadTooLargeException p -> write(ctx, 413, p.getMessage(), p.errors(), Map.of());
      case InvalidTaskException i -> write(ctx, 422, i.getMessage(), i.errors(), Map.of());
      case IdempotencyConflictException c -> write(ctx, 422, c.getMessage(),
          List.of(new FieldError("idempotencyKey", "was already used for task " + c.existing().id()
              + " with a different request")), Map.of());
      case TaskNotFoundException n -> write(ctx, 404, n.getMessage(), List.of(), Map.of());
      case StaleLeaseException s -> write(ctx, 409, s.getMessage(), List.of(), Map.of());
      case ScheduleConflictException c -> write(ctx, 409, c.getMessage(), List.of(), Map.of());
      // The store logged the damage loudly once; retrying cannot help, so no Retry-After.
      case StoreCorruptException c -> write(ctx, 500, STORE_CORRUPT, "the store's data is damaged; an operator must"
          + " repair or restore it", List.of(), Map.of());
      case StoreUnreachableException s -> {
        warnStoreUnavailable(s);
        write(ctx, 503, "the store cannot be reached; retry later. A write may or may not have taken effect: "
            + "retry it with the same idempotency key", List.of(), Map.of("Retry-After", RETRY_AFTER_SECONDS));
      }
      case StoreUnavailableException s -> {
        warnStoreUnavailable(s);
        write(ctx, 503, "the store is unavailable; retry later", List.of(), Map.of("Retry-After", RETRY_AFTER_SECONDS));
      }
      case MethodNotAllowedResponse m -> write(ctx, 405, "method " + ctx.method() + " is not allowed on "
          + ctx.path(), List.of(), allow(m));
      case HttpResponseException h -> write(ctx, h.getStatus(), h.getMessage(), List.of(), Map.of());
      default -> {
        if (stopping.getAsBoolean()) {
          write(ctx, 503, "the server is shutting down", List.of(), Map.of("Retry-After", RETRY_AFTER_SECONDS));
        } else {
          log.error("{} failed on {} {}", name, ctx.method(), ctx.path(), e);
          write(ctx, 500, "internal error", List.of(), Map.of());
        }
      }
    }
  }

  private static String title(int status) {
    HttpStatus s = HttpStatus.forStatus(status);
    return s == HttpStatus.UNKNOWN ? "HTTP " + status : s.getMessage();
  }

  /** One WARN per {@link #WARN_EVERY} while the store is down, not one per request. */
  private void warnStoreUnavailable(StoreUnavailableException e) {
    long now = System.nanoTime();
    long last = lastStoreWarning.get();
    if ((last == 0 || now - last >= WARN_EVERY.toNanos()) && lastStoreWarning.compareAndSet(last, now == 0 ? 1 : now)) {
      log.warn("{} store unavailable, answering 503: {}", name, e.getMessage());
    }
  }

  /** The Allow header a 405 must carry, from the methods Javalin found for the path. */
  private static Map<String, String> allow(MethodNotAllowedResponse m) {
    String methods = m.getDetails().getOrDefault("Available methods", m.getDetails().get("availableMethods"));
    return methods == null || methods.isBlank() ? Map.of() : Map.of("Allow", methods);
  }

  /** Writes a problem response; also used for errors Javalin raises itself. */
  public static void write(Context ctx, int status, String detail, List<FieldError> errors, Map<String, String> headers) {
    write(ctx, status, title(status), detail, errors, headers);
  }

  /** As {@link #write(Context, int, String, List, Map)}, with a title of its own rather than the status's. */
  static void write(Context ctx, int status, String title, String detail, List<FieldError> errors,
      Map<String, String> headers) {
    headers.forEach(ctx::header);
    ctx.status(status).contentType("application/problem+json").result(body(ctx.path(), status, title, detail, errors));
  }

  static byte[] body(String path, int status, String detail, List<FieldError> errors) {
    return body(path, status, title(status), detail, errors);
  }

  private static byte[] body(String path, int status, String title, String detail, List<FieldError> errors) {
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeStringField("type", "about:blank");
      g.writeStringField("title", title);
      g.writeNumberField("status", status);
      if (detail != null) {
        g.writeStringField("detail", detail);
      }
      if (path != null && !path.isEmpty()) {
        g.writeStringField("instance", path);
      }
      if (!errors.isEmpty()) {
        g.writeArrayFieldStart("errors");
        for (FieldError fe : errors) {
          g.writeStartObject();
          g.writeStringField("field", fe.field());
          g.writeStringField("message", fe.message());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      return out.bytes();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
