package dev.errand.server.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Json;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code errand enqueue TYPE --payload JSON ...}: POST /v1/tasks. */
@Command(name = "enqueue", mixinStandardHelpOptions = true, description = "Enqueue a task on a running server.")
final class EnqueueCommand implements Callable<Integer> {
  @Mixin
  ClientOptions client;

  @Parameters(index = "0", paramLabel = "TYPE", description = "The task type (its handler's name).")
  String type;

  @Option(names = "--payload", defaultValue = "null", description = "The payload, a JSON value (default null).")
  String payload;

  @Option(names = "--queue", description = "Queue (default 'default').")
  String queue;

  @Option(names = "--priority", description = "0..9, higher first (default 0).")
  Integer priority;

  @Option(names = "--delay", description = "Run no sooner than this from now, such as 30s, 15m, 1h.")
  String delay;

  @Option(names = "--run-at", description = "Run no sooner than this RFC 3339 time.")
  String runAt;

  @Option(names = "--max-attempts", description = "Attempts before the task is dead.")
  Integer maxAttempts;

  @Option(names = "--idempotency-key", description = "Enqueue at most once per key and queue.")
  String idempotencyKey;

  @Override
  public Integer call() throws Exception {
    Json.parse(payload); // a local, clear error for a payload that is not JSON
    StringWriter body = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(body)) {
      g.writeStartObject();
      g.writeStringField("type", type);
      g.writeFieldName("payload");
      g.writeRawValue(payload);
      optional(g, "queue", queue);
      if (priority != null) {
        g.writeNumberField("priority", priority);
      }
      optional(g, "delay", delay);
      optional(g, "runAt", runAt);
      if (maxAttempts != null) {
        g.writeNumberField("maxAttempts", maxAttempts);
      }
      optional(g, "idempotencyKey", idempotencyKey);
      g.writeEndObject();
    }
    return client.call("POST", "/v1/tasks", body.toString());
  }

  private static void optional(JsonGenerator g, String name, String value) throws java.io.IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }
}
