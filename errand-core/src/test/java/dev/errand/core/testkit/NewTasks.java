package dev.errand.core.testkit;

import dev.errand.core.Json;
import dev.errand.core.RetryPolicy;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.NewTask;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Test factory for the {@link NewTask} records core would resolve from a spec: every field has a plain
 * default (a fresh id, queue {@code default}, type {@code noop}, payload {@code {}}, run now), and the
 * builder changes only what a test cares about.
 */
public final class NewTasks {
  private NewTasks() {}

  public static Builder task() {
    return new Builder();
  }

  public static Builder task(String queue) {
    return new Builder().queue(queue);
  }

  /** Mutable builder; each call to {@link #build} without an explicit id gets a fresh one. */
  public static final class Builder {
    private TaskId id;
    private String queue = "default";
    private String type = "noop";
    private Json payload = Json.parse("{}");
    private int priority;
    private Instant runAt;
    private Duration delay = Duration.ZERO;
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private Duration timeout = Duration.ofMinutes(1);
    private String idempotencyKey;
    private int joinCount;
    private String kind = TaskSpec.HANDLER_KIND;
    private Map<String, String> headers = Map.of();

    private Builder() {}

    public Builder id(String id) {
      this.id = TaskId.of(id);
      return this;
    }

    public Builder queue(String queue) {
      this.queue = queue;
      return this;
    }

    public Builder type(String type) {
      this.type = type;
      return this;
    }

    public Builder payload(String json) {
      this.payload = Json.parse(json);
      return this;
    }

    public Builder payload(Json json) {
      this.payload = json;
      return this;
    }

    public Builder priority(int priority) {
      this.priority = priority;
      return this;
    }

    public Builder runAt(Instant runAt) {
      this.runAt = runAt;
      return this;
    }

    public Builder delay(Duration delay) {
      this.delay = delay;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder idempotencyKey(String key) {
      this.idempotencyKey = key;
      return this;
    }

    public Builder joinCount(int joinCount) {
      this.joinCount = joinCount;
      return this;
    }

    public Builder kind(String kind) {
      this.kind = kind;
      return this;
    }

    public Builder headers(Map<String, String> headers) {
      this.headers = TaskHeaders.check(headers);
      return this;
    }

    public NewTask build() {
      return new NewTask(id != null ? id : TaskId.generate(), queue, type, payload, priority, runAt, delay, retry,
          timeout, idempotencyKey, joinCount, kind, headers);
    }
  }
}
