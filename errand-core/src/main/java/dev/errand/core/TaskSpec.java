package dev.errand.core;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: an immutable description of a task to enqueue. {@link #of} covers the common case;
 * derivations such as {@link #delay} return new specs, and {@link #newBuilder} changes many fields at
 * once. Every setter rejects a bad value at once with an IllegalArgumentException naming the field;
 * {@link Builder#build} checks the rules between fields. Fields left unset take the Errand's defaults
 * (queue {@code default}, priority 0, run now, the type's retry policy and timeout) when enqueued.
 */
public final class TaskSpec {
  public static final String DEFAULT_QUEUE = "default";
  public static final int MIN_PRIORITY = 0;
  public static final int MAX_PRIORITY = 9;
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;
  /** The kind of a task run by the Java handler registered for its type: the default. */
  public static final String HANDLER_KIND = "handler";

  private final TaskId id;
  private final String type;
  private final Json payload;
  private final String queue;
  private final int priority;
  private final Duration delay;
  private final Instant runAt;
  private final Integer maxAttempts;
  private final Duration backoffBase;
  private final Duration backoffCap;
  private final Duration timeout;
  private final String idempotencyKey;
  private final String kind;
  private final Map<String, String> headers;

  private TaskSpec(Builder b) {
    this.id = b.id;
    this.type = b.type;
    this.payload = b.payload;
    this.queue = b.queue;
    this.priority = b.priority;
    this.delay = b.delay;
    this.runAt = b.runAt;
    this.maxAttempts = b.maxAttempts;
    this.backoffBase = b.backoffBase;
    this.backoffCap = b.backoffCap;
    this.timeout = b.timeout;
    this.idempotencyKey = b.idempotencyKey;
    this.kind = b.kind;
    this.headers = b.headers;
  }

  /** A spec whose payload is {@code payload} encoded with {@link Json#DEFAULT_MAPPER}. */
  public static TaskSpec of(String type, Object payload) {
    return builder(type).payload(payload instanceof Json json ? json : Json.encode(payload)).build();
  }

  public static Builder builder(String type) {
    return new Builder().type(type);
  }

  public Builder newBuilder() {
    return new Builder(this);
  }

  public TaskSpec delay(Duration delay) {
    return newBuilder().runAt(null).delay(delay).build();
  }

  public TaskSpec runAt(Instant runAt) {
    return newBuilder().delay(null).runAt(runAt).build();
  }

  public TaskSpec queue(String queue) {
    return newBuilder().queue(queue).build();
  }

  public TaskSpec priority(int priority) {
    return newBuilder().priority(priority).build();
  }

  public TaskSpec maxAttempts(int maxAttempts) {
    return newBuilder().maxAttempts(maxAttempts).build();
  }

  public TaskSpec timeout(Duration timeout) {
    return newBuilder().timeout(timeout).build();
  }

  public TaskSpec idempotencyKey(String key) {
    return newBuilder().idempotencyKey(key).build();
  }

  public TaskSpec id(TaskId id) {
    return newBuilder().id(id).build();
  }

  /** The client-chosen id, or null to let Errand choose. */
  public TaskId id() {
    return id;
  }

  public String type() {
    return type;
  }

  public Json payload() {
    return payload;
  }

  public String queue() {
    return queue;
  }

  public int priority() {
    return priority;
  }

  /** The delay from enqueue, or null. At most one of delay and runAt is set. */
  public Duration delay() {
    return delay;
  }

  /** The instant not to run before, or null. */
  public Instant runAt() {
    return runAt;
  }

  /** Null means the type's default. */
  public Integer maxAttempts() {
    return maxAttempts;
  }

  public Duration backoffBase() {
    return backoffBase;
  }

  public Duration backoffCap() {
    return backoffCap;
  }

  public Duration timeout() {
    return timeout;
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** Which executor runs the task: {@value #HANDLER_KIND} (the default) for a Java handler. */
  public String kind() {
    return kind;
  }

  /** The task's headers (see {@link TaskHeaders}), sorted by name; empty for none. */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * True if this spec, enqueued after the task {@code existing} that has its idempotency key or id, asks
   * for that same task, so that it is answered with it; false makes it a conflict. The one rule of what
   * a repeat is, for single enqueues and batches alike: the same type, kind, queue, payload and priority, and
   * this spec's id if it names one. Timing and retry settings are not compared: a delay is relative to
   * its own enqueue, so a retried request could never repeat it, and the first enqueue's settings stand.
   */
  public boolean isRepeatOf(Task existing) {
    return isRepeatOf(existing.type(), existing.kind(), existing.queue(), existing.payload(), existing.priority(),
        existing.id());
  }

  /**
   * True if this spec, enqueued after {@code first} (with the same idempotency key or id), would be
   * answered with {@code first}'s task, by the rule of {@link #isRepeatOf(Task)}. An id this spec names
   * must be {@code first}'s own: a task enqueued without one gets a new id.
   */
  public boolean isRepeatOf(TaskSpec first) {
    return isRepeatOf(first.type, first.kind, first.queue, first.payload, first.priority, first.id);
  }

  private boolean isRepeatOf(String firstType, String firstKind, String firstQueue, Json firstPayload,
      int firstPriority, TaskId firstId) {
    return type.equals(firstType) && kind.equals(firstKind) && queue.equals(firstQueue) && payload.equals(firstPayload)
        && priority == firstPriority && (id == null || id.equals(firstId));
  }

  @Override
  public String toString() {
    return "TaskSpec{type=" + type + (kind.equals(HANDLER_KIND) ? "" : ", kind=" + kind) + ", queue=" + queue
        + ", priority=" + priority
        + (delay != null ? ", delay=" + delay : "") + (runAt != null ? ", runAt=" + runAt : "")
        + (idempotencyKey != null ? ", idempotencyKey=" + idempotencyKey : "") + "}";
  }

  /** Builds a {@link TaskSpec}. Not thread-safe. */
  public static final class Builder {
    private TaskId id;
    private String type;
    private Json payload = Json.NULL;
    private String queue = DEFAULT_QUEUE;
    private int priority = MIN_PRIORITY;
    private Duration delay;
    private Instant runAt;
    private Integer maxAttempts;
    private Duration backoffBase;
    private Duration backoffCap;
    private Duration timeout;
    private String idempotencyKey;
    private String kind = HANDLER_KIND;
    private Map<String, String> headers = Map.of();

    private Builder() {}

    private Builder(TaskSpec s) {
      id = s.id;
      type = s.type;
      payload = s.payload;
      queue = s.queue;
      priority = s.priority;
      delay = s.delay;
      runAt = s.runAt;
      maxAttempts = s.maxAttempts;
      backoffBase = s.backoffBase;
      backoffCap = s.backoffCap;
      timeout = s.timeout;
      idempotencyKey = s.idempotencyKey;
      kind = s.kind;
      headers = s.headers;
    }

    public Builder id(TaskId id) {
      this.id = id;
      return this;
    }

    public Builder type(String type) {
      this.type = Names.require("type", type);
      return this;
    }

    public Builder payload(Json payload) {
      this.payload = Objects.requireNonNull(payload, "payload");
      return this;
    }

    /** Encodes {@code value} with {@link Json#DEFAULT_MAPPER}. */
    public Builder payloadValue(Object value) {
      return payload(Json.encode(value));
    }

    public Builder queue(String queue) {
      this.queue = Names.require("queue", queue);
      return this;
    }

    public Builder priority(int priority) {
      if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
        throw new IllegalArgumentException(
            "priority must be in " + MIN_PRIORITY + ".." + MAX_PRIORITY + ": " + priority);
      }
      this.priority = priority;
      return this;
    }

    /** Not before {@code delay} after enqueue; null clears it. */
    public Builder delay(Duration delay) {
      if (delay != null && delay.isNegative()) {
        throw new IllegalArgumentException("delay must not be negative: " + delay);
      }
      this.delay = delay;
      return this;
    }

    /** Not before {@code runAt}; null clears it. An instant in the past means now. */
    public Builder runAt(Instant runAt) {
      this.runAt = runAt;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = RetryPolicy.checkMaxAttempts(maxAttempts);
      return this;
    }

    /** Exponential backoff from {@code base}, capped at {@code cap}. */
    public Builder backoff(Duration base, Duration cap) {
      if (base == null || base.isNegative() || base.isZero()) {
        throw new IllegalArgumentException("backoff base must be positive: " + base);
      }
      if (cap == null || cap.compareTo(base) < 0) {
        throw new IllegalArgumentException("backoff cap must be at least base " + base + ": " + cap);
      }
      this.backoffBase = base;
      this.backoffCap = cap;
      return this;
    }

    public Builder retry(RetryPolicy policy) {
      maxAttempts(policy.maxAttempts());
      return backoff(policy.base(), policy.cap());
    }

    public Builder timeout(Duration timeout) {
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    public Builder idempotencyKey(String key) {
      if (key != null && (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH
          || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f))) {
        throw new IllegalArgumentException("idempotencyKey must be 1.." + MAX_IDEMPOTENCY_KEY_LENGTH
            + " printable ASCII characters: " + key);
      }
      this.idempotencyKey = key;
      return this;
    }

    /** Which executor runs the task (see {@link TaskExecutor}); {@value #HANDLER_KIND} by default. */
    public Builder kind(String kind) {
      this.kind = Names.require("kind", kind);
      return this;
    }

    /** Replaces the headers; each is checked as {@link TaskHeaders#check} says. */
    public Builder headers(Map<String, String> headers) {
      this.headers = TaskHeaders.check(headers);
      return this;
    }

    /** Adds or replaces one header; null removes it. */
    public Builder header(String name, String value) {
      Map<String, String> next = new HashMap<>(headers);
      if (value == null) {
        next.remove(name);
      } else {
        next.put(name, value);
      }
      this.headers = TaskHeaders.check(next);
      return this;
    }

    public TaskSpec build() {
      if (type == null) {
        throw new IllegalArgumentException("type is required");
      }
      if (delay != null && runAt != null) {
        throw new IllegalArgumentException("set delay or runAt, not both");
      }
      return new TaskSpec(this);
    }
  }
}
