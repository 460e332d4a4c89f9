package dev.errand.server.internal;

import dev.errand.core.Json;
import dev.errand.core.TaskSpec;
import dev.errand.httptarget.HttpTarget;
import dev.errand.httptarget.TargetJson;
import io.javalin.config.Key;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The target headers whose values no read shows, server-wide ({@code --redact-headers}, the config file's
 * {@code targets.redactHeaders}): a read redacts these and the task's own {@code secretHeaders}, so that a
 * name added to the list hides the value in every task already stored. Names are matched without regard
 * to case. Immutable.
 */
public record Redaction(Set<String> headers) {
  /** {@code authorization}: the server's list unless configured otherwise. */
  public static final Redaction DEFAULT = new Redaction(HttpTarget.DEFAULT_SECRET_HEADERS);
  /** Where the server keeps its redaction for the routes ({@link #of(Context)}). */
  public static final Key<Redaction> KEY = new Key<>("errand.redaction");

  public Redaction {
    headers = headers.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  /** The server's redaction, for a request it answers (the default where none was registered). */
  public static Redaction of(Context ctx) {
    try {
      return ctx.appData(KEY);
    } catch (IllegalStateException none) {
      return DEFAULT;
    }
  }

  /** {@code target} with this list's headers marked secret too. */
  public HttpTarget apply(HttpTarget target) {
    if (target.secretHeaders().containsAll(headers)) {
      return target;
    }
    HttpTarget.Builder b = target.newBuilder();
    headers.forEach(b::secretHeader);
    return b.build();
  }

  /**
   * {@code spec} as a read shows it: a target task's stored target with every secret value, the task's
   * own and this list's, replaced by {@link TargetJson#REDACTED}; any other task as it is.
   */
  public TaskSpec apply(TaskSpec spec) {
    if (!spec.kind().equals(HttpTarget.KIND)) {
      return spec;
    }
    TargetJson.Stored stored;
    try {
      stored = TargetJson.decode(spec.payload());
    } catch (IllegalArgumentException e) {
      return spec; // a hand-made payload that is no target: shown as given, as for a task
    }
    HttpTarget shown = apply(stored.target());
    HttpTarget.Builder b = shown.newBuilder();
    for (String name : shown.headers().keySet()) {
      if (shown.secretHeaders().contains(name)) {
        b.header(name, TargetJson.REDACTED);
      }
    }
    Json payload = TargetJson.encode(b.build(), stored.payload());
    return spec.newBuilder().payload(payload).build();
  }
}
