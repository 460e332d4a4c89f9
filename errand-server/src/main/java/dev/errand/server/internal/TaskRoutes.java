package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.AttemptError;
import dev.errand.core.Enqueued;
import dev.errand.core.Errand;
import dev.errand.core.IdempotencyConflictException;
import dev.errand.core.Names;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskSpec;
import dev.errand.core.TraceContext;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Producer and operator endpoints on tasks: enqueue one or many, read, list, cancel and replay. Each
 * handler parses, calls the {@link Errand} facade and answers. Thread-safe.
 */
public final class TaskRoutes {
  private static final Set<String> LIST_PARAMS = Set.of("queue", "state", "type", "limit", "cursor", "created_after",
      "created_before");
  private static final int DEFAULT_LIMIT = 50;

  /** The longest {@code ?wait=} a read may ask for. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(60);
  private static final Set<String> BULK_FIELDS = Set.of("queue", "type", "state", "createdAfter", "createdBefore",
      "dryRun");

  private final Errand errand;
  private final Limits limits;
  /** Reads waiting for their task to finish, so that shutdown can answer them at once. */
  private final Set<CompletableFuture<Task>> waits = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  public TaskRoutes(Errand errand, Limits limits) {
    this.errand = errand;
    this.limits = limits;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.POST, "/v1/tasks", ApiRoute.PRODUCERS, this::enqueue),
        new ApiRoute(HandlerType.POST, "/v1/tasks:batch", ApiRoute.PRODUCERS, this::enqueueBatch),
        new ApiRoute(HandlerType.GET, "/v1/tasks", ApiRoute.READERS, this::list),
        new ApiRoute(HandlerType.GET, "/v1/tasks/{id}", ApiRoute.READERS, this::get),
        new ApiRoute(HandlerType.GET, "/v1/tasks/{id}/errors", ApiRoute.READERS, this::errors),
        new ApiRoute(HandlerType.POST, "/v1/tasks/{id}/cancel", ApiRoute.ADMINS, this::cancel),
        new ApiRoute(HandlerType.POST, "/v1/tasks/{id}/replay", ApiRoute.ADMINS, this::replay),
        new ApiRoute(HandlerType.POST, "/v1/tasks:cancel", ApiRoute.ADMINS, this::cancelMatching),
        new ApiRoute(HandlerType.POST, "/v1/tasks:retry", ApiRoute.ADMINS, this::retryMatching));
  }

  /** Answers every request still waiting for a task (503, Retry-After) instead of at its deadline; called on shutdown. */
  public void stop() {
    stopping = true;
    waits.forEach(f -> f.completeExceptionally(new ApiException(503, "the server is shutting down", List.of(),
        Map.of("Retry-After", ProblemMapper.RETRY_AFTER_SECONDS))));
  }

  private void enqueue(Context ctx) {
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    TaskSpec spec = TaskSpecReader.read(body, ctx.header("Idempotency-Key"), trace(ctx), limits.maxPayloadBytes(),
        errors);
    errors.throwIfAny();
    QueueGuard.require(ctx, spec.queue());
    Enqueued e;
    try {
      e = errand.enqueue(spec);
    } catch (IdempotencyConflictException c) {
      if (spec.idempotencyKey() == null) { // the client named an id that a different task already has
        throw new ApiException(409, "task " + spec.id() + " already exists with a different spec");
      }
      throw c;
    }
    ctx.header("Location", "/v1/tasks/" + e.id().value());
    Responses.task(ctx, e.created() ? 201 : 200, e.task());
  }

  /**
   * The request's W3C trace context, which the tasks it enqueues keep: null without a valid
   * {@code traceparent} header. An invalid one is ignored, not refused, as the W3C specification asks of
   * a receiver; so is a {@code tracestate} that a task header could not hold.
   */
  static TraceContext trace(Context ctx) {
    String parent = ctx.header(TraceContext.TRACEPARENT);
    if (parent == null) {
      return null;
    }
    String state = ctx.header(TraceContext.TRACESTATE);
    if (state != null && TaskHeaders.problem(TraceContext.TRACESTATE, state) != null) {
      state = null;
    }
    return TraceContext.parse(parent, state).orElse(null);
  }

  /** All items are checked before any is written, and all are written in one store call. */
  private void enqueueBatch(Context ctx) throws Exception {
    List<TaskSpec> specs = TaskBatchReader.read(Requests.body(ctx, limits.batchBodyBytes()), limits, trace(ctx));
    FieldErrors errors = new FieldErrors();
    rejectClashesWithin(specs, errors);
    errors.throwIfAny();
    specs.forEach(spec -> QueueGuard.require(ctx, spec.queue()));
    List<Enqueued> results = errand.enqueueMany(specs);
    boolean anyCreated = results.stream().anyMatch(Enqueued::created);
    // Streamed to the client (compressed if it asks): a batch's answer is as large as its body, and
    // building it in an array first held it twice.
    ctx.status(anyCreated ? 201 : 200).contentType("application/json");
    try (JsonOut out = JsonOut.to(ctx.outputStream())) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("results");
      for (Enqueued e : results) {
        g.writeStartObject();
        g.writeStringField("status", e.conflict() ? "conflict" : e.created() ? "created" : "existing");
        g.writeFieldName("task");
        out.task(e.task(), Redaction.of(ctx));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException clientGone) {
      // The tasks are in; nobody is left to read the answer, and Jetty closes the connection.
    }
  }

  /**
   * Two items of one batch that claim the same idempotency key (in one queue) or the same id for
   * different tasks would leave one written and one refused; refuse the whole batch instead. "Different"
   * is {@link TaskSpec#isRepeatOf}, the rule two single enqueues are answered by.
   */
  private static void rejectClashesWithin(List<TaskSpec> specs, FieldErrors errors) {
    Map<String, TaskSpec> seen = new HashMap<>();
    for (int i = 0; i < specs.size(); i++) {
      TaskSpec spec = specs.get(i);
      if (spec.idempotencyKey() != null) {
        TaskSpec first = seen.putIfAbsent("key " + spec.queue() + " " + spec.idempotencyKey(), spec);
        if (first != null && !spec.isRepeatOf(first)) {
          errors.add("tasks[" + i + "].idempotencyKey", "is used by an earlier task of this batch with a different spec");
        }
      }
      if (spec.id() != null) {
        TaskSpec first = seen.putIfAbsent("id " + spec.id(), spec);
        if (first != null && !spec.isRepeatOf(first)) {
          errors.add("tasks[" + i + "].id", "is used by an earlier task of this batch with a different spec");
        }
      }
    }
  }

  /**
   * The task; with {@code ?wait=30s} (at most {@link #MAX_WAIT}) answered once it has finished or at the
   * deadline, whichever comes first, always 200 with the task as it is then. The request holds no thread
   * while it waits: the Errand's finish waiters complete it (see {@link Errand#awaitAsync}).
   */
  private void get(Context ctx) {
    Map<String, String> q = Requests.query(ctx, Set.of("wait"));
    FieldErrors errors = new FieldErrors();
    Duration wait = Durations.duration("wait", q.get("wait"), true, errors);
    if (wait != null && wait.compareTo(MAX_WAIT) > 0) {
      errors.add("wait", "must be at most " + MAX_WAIT.toSeconds() + "s: " + Durations.quote(q.get("wait")));
    }
    errors.throwIfAny();
    TaskId id = Requests.taskId(ctx);
    if (wait == null || wait.isZero() || stopping) {
      Responses.task(ctx, 200, errand.get(id));
      return;
    }
    CompletableFuture<Task> finished = errand.awaitAsync(id, wait);
    if (finished.isDone()) {
      Responses.task(ctx, 200, finished.join());
      return;
    }
    waits.add(finished);
    finished.whenComplete((t, e) -> waits.remove(finished));
    if (stopping) {
      finished.cancel(false);
      Responses.task(ctx, 200, errand.get(id));
      return;
    }
    ctx.future(() -> finished.handle((task, failure) -> {
      if (failure != null) {
        throw failure instanceof CompletionException c && c.getCause() instanceof RuntimeException r ? r
            : failure instanceof RuntimeException r ? r : new CompletionException(failure);
      }
      Responses.task(ctx, 200, task);
      return null;
    }));
  }

  /**
   * Cancels the unfinished tasks a filter matches, {@code {queue?, type?, state?, createdAfter?,
   * createdBefore?, dryRun?}}: {@code {"count": n}}, how many were cancelled, or with {@code dryRun} how
   * many match now (nothing changes).
   */
  private void cancelMatching(Context ctx) throws IOException {
    bulk(ctx, "cancel", errand::cancelMatching);
  }

  /** Runs now the RETRYING, SCHEDULED and DEAD tasks a filter matches (dead ones are replayed); as cancel. */
  private void retryMatching(Context ctx) throws IOException {
    bulk(ctx, "retry", errand::retryMatching);
  }

  private interface BulkAction {
    int apply(TaskQuery filter, boolean dryRun);
  }

  private void bulk(Context ctx, String what, BulkAction action) throws IOException {
    Requests.query(ctx, Set.of());
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(BULK_FIELDS, errors);
    String queue = body.string("queue", errors);
    if (queue != null && !Names.isValid(queue)) {
      errors.add("queue", "must match " + Names.PATTERN + ": " + Durations.quote(queue));
    }
    String type = body.string("type", errors);
    if (type != null && !Names.isValid(type)) {
      errors.add("type", "must match " + Names.PATTERN + ": " + Durations.quote(type));
    }
    TaskState state = state(body.string("state", errors), errors);
    Instant createdAfter = Durations.instant("createdAfter", body.string("createdAfter", errors), errors);
    Instant createdBefore = Durations.instant("createdBefore", body.string("createdBefore", errors), errors);
    if (createdAfter != null && createdBefore != null && !createdAfter.isBefore(createdBefore)) {
      errors.add("createdBefore", "must be later than createdAfter");
    }
    Boolean dryRun = body.bool("dryRun", errors);
    errors.throwIfAny();
    TaskQuery filter = new TaskQuery(queue, state, type, TaskQuery.MAX_LIMIT, null, createdAfter, createdBefore);
    int count;
    try {
      count = action.apply(filter, dryRun != null && dryRun);
    } catch (IllegalArgumentException e) { // a state this action does not apply to
      throw ApiException.invalid("state", "cannot " + what + " tasks that are " + state + ": " + e.getMessage());
    }
    Responses.count(ctx, "count", count);
  }

  /** The task's failed attempts, oldest first: {@code {"errors": [...]}}; 404 for an unknown task. */
  private void errors(Context ctx) throws Exception {
    Requests.query(ctx, Set.of());
    TaskId id = Requests.taskId(ctx);
    List<AttemptError> errors = errand.errors(id);
    if (errors.isEmpty()) {
      errand.get(id); // 404 if it does not exist
    }
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("errors");
      for (AttemptError e : errors) {
        g.writeStartObject();
        g.writeNumberField("attempt", e.attempt());
        out.instant("at", e.at());
        g.writeStringField("workerId", e.workerId());
        g.writeStringField("message", e.message());
        g.writeStringField("error", e.error());
        out.instant("claimedAt", e.claimedAt());
        out.heartbeats(e.heartbeats());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  private void list(Context ctx) throws Exception {
    Map<String, String> q = Requests.query(ctx, LIST_PARAMS);
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String type = Requests.name(q, "type", errors);
    TaskState state = state(q.get("state"), errors);
    int limit = limit(q.get("limit"), errors);
    TaskId cursor = cursor(q.get("cursor"), errors);
    Instant createdAfter = Durations.instant("created_after", q.get("created_after"), errors);
    Instant createdBefore = Durations.instant("created_before", q.get("created_before"), errors);
    if (createdAfter != null && createdBefore != null && !createdAfter.isBefore(createdBefore)) {
      errors.add("created_before", "must be later than created_after");
    }
    errors.throwIfAny();
    TaskPage page = errand.list(new TaskQuery(queue, state, type, limit, cursor, createdAfter, createdBefore));
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("tasks");
      for (Task t : page.tasks()) {
        out.task(t, Redaction.of(ctx));
      }
      g.writeEndArray();
      g.writeStringField("next", page.next() == null ? null : page.next().value());
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  static TaskState state(String text, FieldErrors errors) {
    if (text == null) {
      return null;
    }
    try {
      return TaskState.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      errors.add("state", "must be one of " + List.of(TaskState.values()) + ": " + Durations.quote(text));
      return null;
    }
  }

  private static int limit(String text, FieldErrors errors) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= TaskQuery.MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errors.add("limit", "must be an integer in 1.." + TaskQuery.MAX_LIMIT + ": " + Durations.quote(text));
    return DEFAULT_LIMIT;
  }

  private static TaskId cursor(String text, FieldErrors errors) {
    if (text == null) {
      return null;
    }
    try {
      return TaskId.of(text);
    } catch (IllegalArgumentException e) {
      errors.add("cursor", "is not a cursor this server returned: " + Durations.quote(text));
      return null;
    }
  }

  /** Cancelling a cancelled task again is a no-op; cancelling a task that finished otherwise is a 409. */
  private void cancel(Context ctx) {
    CancelResult r = errand.cancel(Requests.taskId(ctx));
    if (r.status() == CancelResult.Status.ALREADY_FINAL && r.task().state() != TaskState.CANCELLED) {
      throw new ApiException(409, "task " + r.task().id() + " already finished as " + r.task().state());
    }
    Responses.task(ctx, 200, r.task());
  }

  private void replay(Context ctx) {
    TaskId id = Requests.taskId(ctx);
    if (errand.replay(DeadFilter.of(id)) == 0) {
      Task t = errand.get(id); // 404 if it does not exist
      throw new ApiException(409, "task " + id + " is " + t.state() + ", not DEAD; only dead tasks can be replayed");
    }
    Responses.task(ctx, 200, errand.get(id));
  }
}
