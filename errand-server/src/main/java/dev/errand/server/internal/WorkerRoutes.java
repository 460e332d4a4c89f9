package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.CompletionStatus;
import dev.errand.core.Errand;
import dev.errand.core.Json;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskSpec;
import dev.errand.core.WorkerCompletion;
import dev.errand.core.WorkerIds;
import dev.errand.core.workflow.ParentResult;
import dev.errand.server.metrics.WorkerTracker;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The worker protocol for workers outside this process: claim (a long poll that returns leased tasks with
 * their lease tokens), heartbeat, complete and fail, and complete in batches. Every call after the claim
 * carries the lease token; a stale one is a 409 (in a batch: that element's status) and changes nothing.
 * Thread-safe; long polls block their own virtual thread.
 */
public final class WorkerRoutes {
  public static final int MAX_CLAIM = 100;
  public static final int MAX_LEASE_SECONDS = 3600;
  public static final int DEFAULT_LEASE_SECONDS = 30;
  public static final int MAX_ERROR_CHARS = 64 * 1024;

  private final Errand errand;
  private final Limits limits;
  private final int maxWaitSeconds;
  private final WorkerTracker workers;
  private final Consumer<Task> progressed;
  /** Threads parked in a claim long poll, so that shutdown can answer them at once instead of at their wait's end. */
  private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  public WorkerRoutes(Errand errand, Limits limits, int maxWaitSeconds) {
    this(errand, limits, maxWaitSeconds, new WorkerTracker(Clock.systemUTC(), WorkerTracker.DEFAULT_WINDOW));
  }

  /** @param workers hears of every claim and heartbeat, so that it knows which workers are alive */
  public WorkerRoutes(Errand errand, Limits limits, int maxWaitSeconds, WorkerTracker workers) {
    this(errand, limits, maxWaitSeconds, workers, task -> { });
  }

  /** @param progressed hears of each task whose heartbeat reported progress, read after the heartbeat */
  public WorkerRoutes(Errand errand, Limits limits, int maxWaitSeconds, WorkerTracker workers,
      Consumer<Task> progressed) {
    this.errand = errand;
    this.limits = limits;
    this.maxWaitSeconds = maxWaitSeconds;
    this.workers = workers;
    this.progressed = progressed;
  }

  public List<ApiRoute> routes() {
    return List.of(
        new ApiRoute(HandlerType.POST, "/v1/queues/{queue}/claim", ApiRoute.WORKERS, this::claim),
        new ApiRoute(HandlerType.POST, "/v1/tasks/{id}/heartbeat", ApiRoute.WORKERS, this::heartbeat),
        new ApiRoute(HandlerType.POST, "/v1/tasks/{id}/complete", ApiRoute.WORKERS, this::complete),
        new ApiRoute(HandlerType.POST, "/v1/tasks:complete", ApiRoute.WORKERS, this::completeBatch),
        new ApiRoute(HandlerType.POST, "/v1/tasks/{id}/fail", ApiRoute.WORKERS, this::fail),
        new ApiRoute(HandlerType.POST, "/v1/tasks/{id}/snooze", ApiRoute.WORKERS, this::snooze));
  }

  private void claim(Context ctx) throws Exception {
    String queue = Requests.queue(ctx);
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(Set.of("workerId", "max", "leaseSeconds", "waitSeconds"), errors);
    String workerId = body.string("workerId", errors);
    if (!body.has("workerId")) {
      errors.add("workerId", "is required");
    } else if (workerId != null && !WorkerIds.isValid(workerId)) {
      errors.add("workerId", WorkerIds.RULE);
    }
    Integer max = body.integer("max", 1, MAX_CLAIM, errors);
    Integer lease = body.integer("leaseSeconds", 1, MAX_LEASE_SECONDS, errors);
    Integer wait = body.integer("waitSeconds", 0, maxWaitSeconds, errors);
    errors.throwIfAny();
    List<Task> tasks;
    Duration waitFor = Duration.ofSeconds(wait != null ? wait : 0);
    workers.polling(workerId, waitFor);
    Thread self = Thread.currentThread();
    waiting.add(self);
    try {
      if (stopping) {
        throw new InterruptedException("stopping");
      }
      tasks = errand.claim(queue, max != null ? max : 1,
          Duration.ofSeconds(lease != null ? lease : DEFAULT_LEASE_SECONDS), workerId, waitFor);
    } catch (InterruptedException e) {
      throw new ApiException(503, "the server is shutting down", List.of(),
          Map.of("Retry-After", ProblemMapper.RETRY_AFTER_SECONDS));
    } finally {
      waiting.remove(self);
      Thread.interrupted(); // an interrupt that came after the claim returned must not outlive this request
    }
    workers.seen(workerId); // the poll's end starts its next absence
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("tasks");
      Map<TaskId, List<ParentResult>> parents = errand.parents(tasks.stream().map(Task::id).toList());
      for (Task t : tasks) {
        out.task(t, true, parents.getOrDefault(t.id(), List.of()));
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  /** Answers every parked long poll now (503) and every later claim at once; called on shutdown. */
  public void stop() {
    stopping = true;
    waiting.forEach(Thread::interrupt);
  }

  /**
   * Extends the lease, and keeps {@code progress} (any JSON value up to {@value Task#MAX_PROGRESS_BYTES}
   * bytes) as the task's progress under the same fence. 404 for an unknown task, 409 for a lost lease.
   */
  private void heartbeat(Context ctx) throws Exception {
    TaskId id = Requests.taskId(ctx);
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(Set.of("leaseToken", "leaseSeconds", "progress"), errors);
    String token = leaseToken(body, errors);
    Integer lease = body.integer("leaseSeconds", 1, MAX_LEASE_SECONDS, errors);
    if (body.rawSize("progress") > Task.MAX_PROGRESS_BYTES) {
      errors.add("progress", "is " + body.rawSize("progress") + " bytes, over the limit of " + Task.MAX_PROGRESS_BYTES);
    }
    errors.throwIfAny();
    Instant until = errand.heartbeat(id, token, Duration.ofSeconds(lease != null ? lease : DEFAULT_LEASE_SECONDS),
        body.raw("progress"));
    workers.heartbeat(id);
    if (body.raw("progress") != null) {
      errand.find(id).ifPresent(progressed); // one read, only for heartbeats that report progress
    }
    try (JsonOut out = new JsonOut()) {
      out.generator().writeStartObject();
      out.instant("leaseUntil", until);
      out.generator().writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  private void complete(Context ctx) {
    TaskId id = Requests.taskId(ctx);
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(Set.of("leaseToken", "result", "enqueue"), errors);
    String token = leaseToken(body, errors);
    checkResultSize(body, errors);
    List<TaskSpec> enqueue = enqueue(body, errors);
    errors.throwIfAny();
    enqueue.forEach(spec -> QueueGuard.require(ctx, spec.queue()));
    errand.complete(new WorkerCompletion(id, token, result(body), enqueue));
    ctx.status(204);
  }

  /**
   * Completes many tasks in one store write: {@code {"completions": [{"id", "leaseToken", "result"?}, ...]}},
   * answered with each one's status in order (completed, stale_lease, not_found). Every element is checked
   * before any is written: one bad element, or an id given twice, is a 422 naming it and completes nothing.
   */
  private void completeBatch(Context ctx) throws Exception {
    JsonFields body = Requests.object(ctx, limits.batchBodyBytes());
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(Set.of("completions"), errors);
    List<JsonFields> items = body.objects("completions", errors);
    if (items == null && !body.has("completions")) {
      errors.add("completions", "is required");
    } else if (items != null && (items.isEmpty() || items.size() > limits.maxBatch())) {
      errors.add("completions", "must hold 1.." + limits.maxBatch() + " completions");
    }
    errors.throwIfAny();
    List<WorkerCompletion> completions = new ArrayList<>(items.size());
    Map<TaskId, Integer> firstIndex = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      JsonFields item = items.get(i);
      item.rejectUnknown(Set.of("id", "leaseToken", "result", "enqueue"), errors);
      TaskId id = taskId(item, errors);
      String token = leaseToken(item, errors);
      checkResultSize(item, errors);
      List<TaskSpec> enqueue = enqueue(item, errors);
      if (id != null) {
        Integer first = firstIndex.putIfAbsent(id, i);
        if (first != null) {
          errors.add(item.field("id"), "is the task of completions[" + first + "] too; complete each task once");
        }
      }
      enqueue.forEach(spec -> QueueGuard.require(ctx, spec.queue())); // follow-ups, like enqueues, stay in scope
      if (id != null && token != null) {
        completions.add(new WorkerCompletion(id, token, result(item), enqueue));
      }
    }
    errors.throwIfAny();
    List<CompletionStatus> statuses = errand.completeMany(completions);
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeArrayFieldStart("results");
      for (int i = 0; i < statuses.size(); i++) {
        g.writeStartObject();
        g.writeStringField("id", completions.get(i).id().value());
        g.writeStringField("status", statuses.get(i).name().toLowerCase(Locale.ROOT));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }

  private static TaskId taskId(JsonFields item, FieldErrors errors) {
    String id = item.string("id", errors);
    if (!item.has("id")) {
      errors.add(item.field("id"), "is required");
      return null;
    }
    try {
      return id == null ? null : TaskId.of(id);
    } catch (IllegalArgumentException e) {
      errors.add(item.field("id"), e.getMessage());
      return null;
    }
  }

  /**
   * The tasks a completion enqueues with its success: {@code "enqueue": [task, ...]}, each read and
   * checked as the body of POST /v1/tasks is, its errors named {@code enqueue[i].field}.
   */
  private List<TaskSpec> enqueue(JsonFields body, FieldErrors errors) {
    List<JsonFields> items = body.objects("enqueue", errors);
    if (items == null) {
      return List.of();
    }
    if (items.size() > limits.maxBatch()) {
      errors.add(body.field("enqueue"), "must hold at most " + limits.maxBatch() + " tasks");
      return List.of();
    }
    List<TaskSpec> specs = new ArrayList<>(items.size());
    for (JsonFields item : items) {
      TaskSpec spec = TaskSpecReader.read(item, null, null, limits.maxPayloadBytes(), errors);
      if (spec != null) {
        specs.add(spec);
      }
    }
    return specs;
  }

  private void checkResultSize(JsonFields body, FieldErrors errors) {
    if (body.rawSize("result") > limits.maxPayloadBytes()) {
      errors.add(body.field("result"), "is " + body.rawSize("result") + " bytes, over the limit of " + limits.maxPayloadBytes());
    }
  }

  /** The result as the worker sent it, or JSON null for none. */
  private static Json result(JsonFields body) {
    Json result = body.raw("result");
    return result != null ? result : Json.NULL;
  }

  /**
   * Fails the attempt: retried with the task's backoff while attempts remain and {@code retryable} (default
   * true), no sooner than {@code retryAfter} if given, else DEAD.
   */
  private void fail(Context ctx) {
    TaskId id = Requests.taskId(ctx);
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(Set.of("leaseToken", "error", "retryable", "retryAfter"), errors);
    String token = leaseToken(body, errors);
    String error = body.string("error", errors);
    if (!body.has("error")) {
      errors.add("error", "is required");
    } else if (error != null && error.length() > MAX_ERROR_CHARS) {
      errors.add("error", "must be at most " + MAX_ERROR_CHARS + " characters");
    }
    Boolean retryable = body.bool("retryable", errors);
    Duration retryAfter = Durations.duration("retryAfter", body.string("retryAfter", errors), true, errors);
    errors.throwIfAny();
    errand.fail(id, token, error, retryable == null || retryable, retryAfter);
    ctx.status(204);
  }

  /** Releases the task to run again after {@code delay} without burning the attempt (as {@code TaskFailure.snooze}). */
  private void snooze(Context ctx) {
    TaskId id = Requests.taskId(ctx);
    JsonFields body = Requests.object(ctx, limits.bodyBytes());
    FieldErrors errors = new FieldErrors();
    body.rejectUnknown(Set.of("leaseToken", "delay"), errors);
    String token = leaseToken(body, errors);
    Duration delay = Durations.duration("delay", body.string("delay", errors), true, errors);
    if (!body.has("delay")) {
      errors.add("delay", "is required");
    }
    errors.throwIfAny();
    errand.snooze(id, token, delay);
    ctx.status(204);
  }

  private static String leaseToken(JsonFields body, FieldErrors errors) {
    String token = body.string("leaseToken", errors);
    if (!body.has("leaseToken")) {
      errors.add(body.field("leaseToken"), "is required");
    } else if (token != null && (token.isEmpty() || token.length() > 200)) {
      errors.add(body.field("leaseToken"), "must be 1..200 characters");
      return null;
    }
    return token;
  }
}
