package dev.errand.httptarget.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.StatusRules;
import dev.errand.httptarget.TargetRefusedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import dev.errand.core.spi.Completion;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The outcome of one attempt, from its response or its failure:
 * <ul>
 *   <li>2xx: SUCCEEDED, the result {@code {status, headers, body, truncated, latencyMs}} with the body cut at
 *       the size limit;
 *   <li>429 and 503: retried with the task's backoff, and never sooner than the response's
 *       {@code Retry-After} (seconds or an HTTP date, at most a day);
 *   <li>408, other 5xx, connection errors and the deadline: retried with the task's backoff;
 *   <li>any other status (other 4xx, 1xx, an unfollowed 3xx): DEAD, with the status and the start of the body.
 * </ul>
 * The target's {@link StatusRules} come first. A retry on the task's last attempt is DEAD instead. Each
 * failed attempt's error (status, latency, what went wrong) lands in the task's error history. Stateless.
 * Internal: not public API.
 */
public final class TargetResponses {
  static final int EXCERPT_CHARS = 500;
  static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);
  // Buffers from a shared pool: the default keeps them per thread, and every attempt runs on a new
  // virtual thread, so each result allocated fresh ones.
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();

  private final int maxResponseBytes;

  public TargetResponses(int maxResponseBytes) {
    this.maxResponseBytes = maxResponseBytes;
  }

  public int maxResponseBytes() {
    return maxResponseBytes;
  }

  /** The outcome of a response; {@code head} is the body's first bytes, one past the cap if it is longer. */
  public Completion.Outcome map(Task task, HttpTarget target, String method, HttpUrl url, Response response, byte[] head,
      Duration latency, Instant now) {
    int status = response.code();
    StatusRules.Verdict verdict = target.expect().verdict(status).orElseGet(() -> defaultVerdict(status));
    if (verdict == StatusRules.Verdict.SUCCESS) {
      return new Completion.Succeeded(result(response, head, latency));
    }
    String excerpt = excerpt(head);
    String error = "HTTP " + status + " from " + where(method, url) + " after " + latency.toMillis() + " ms"
        + (excerpt.isEmpty() ? "" : ": " + excerpt);
    if (verdict == StatusRules.Verdict.PERMANENT) {
      return new Completion.Dead(error);
    }
    Duration retryAfter = status == 429 || status == 503 ? retryAfter(response.header("retry-after"), now) : null;
    return retry(task, retryAfter != null ? error + " (Retry-After " + retryAfter.toSeconds() + " s)" : error, retryAfter);
  }

  public Completion.Outcome deadline(Task task, HttpTarget target, String method, HttpUrl url, Duration latency) {
    return retry(task, "deadline of " + target.deadline().toMillis() + " ms passed: " + where(method, url) + " after "
        + latency.toMillis() + " ms", null);
  }

  public Completion.Outcome connectionError(Task task, String method, HttpUrl url, IOException e, Duration latency) {
    return retry(task, "connection error: " + where(method, url) + " after " + latency.toMillis() + " ms: " + e, null);
  }

  private static StatusRules.Verdict defaultVerdict(int status) {
    if (status >= 200 && status < 300) {
      return StatusRules.Verdict.SUCCESS;
    }
    if (status == 408 || status == 429 || status >= 500) {
      return StatusRules.Verdict.RETRY;
    }
    return StatusRules.Verdict.PERMANENT;
  }

  /** Retried after the task's backoff (at least {@code atLeast}), or DEAD when no attempt is left. */
  private static Completion.Outcome retry(Task task, String error, Duration atLeast) {
    if (!task.retry().allowsRetryAfter(task.attempt())) {
      return new Completion.Dead(error);
    }
    Duration backoff = task.retry().backoff(task.attempt(), ThreadLocalRandom.current());
    return new Completion.Retry(atLeast != null && atLeast.compareTo(backoff) > 0 ? atLeast : backoff, error);
  }

  /** {@code Retry-After} as seconds or an HTTP date, capped at a day; null if absent or unreadable. */
  static Duration retryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    Duration d;
    try {
      d = Duration.ofSeconds(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      try {
        d = Duration.between(now, ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
    return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
  }

  private Json result(Response response, byte[] head, Duration latency) {
    boolean truncated = head.length > maxResponseBytes;
    byte[] kept = truncated ? Arrays.copyOf(head, maxResponseBytes) : head;
    ByteArrayOutputStream out = new ByteArrayOutputStream(kept.length + 256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("status", response.code());
      g.writeObjectFieldStart("headers");
      for (String name : response.headers().names()) {
        g.writeStringField(name.toLowerCase(java.util.Locale.ROOT), String.join(", ", response.headers(name)));
      }
      g.writeEndObject();
      g.writeStringField("body", new String(kept, StandardCharsets.UTF_8));
      g.writeBooleanField("truncated", truncated);
      g.writeNumberField("latencyMs", latency.toMillis());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Json.ofTrusted(out.toByteArray());
  }

  private static String excerpt(byte[] head) {
    String s = new String(head, 0, Math.min(head.length, EXCERPT_CHARS * 4), StandardCharsets.UTF_8).strip();
    return s.length() > EXCERPT_CHARS ? s.substring(0, EXCERPT_CHARS) + "…" : s;
  }

  /** The method and URL without its query, which may hold secrets. */
  public static String where(String method, HttpUrl url) {
    return method + " " + url.scheme() + "://" + url.host() + (url.port() == HttpUrl.defaultPort(url.scheme()) ? ""
        : ":" + url.port()) + url.encodedPath();
  }

  /** The refusal behind {@code e}, in its causes or suppressed exceptions, or null. */
  public static TargetRefusedException refusedIn(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TargetRefusedException r) {
        return r;
      }
      for (Throwable s : t.getSuppressed()) {
        TargetRefusedException r = refusedIn(s);
        if (r != null) {
          return r;
        }
      }
    }
    return null;
  }
}
