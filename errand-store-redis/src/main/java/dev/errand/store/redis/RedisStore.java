package dev.errand.store.redis;

import dev.errand.core.AttemptError;
import dev.errand.core.Json;
import dev.errand.core.Names;
import dev.errand.core.QueueLimits;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import dev.errand.core.spi.WakeUpStore;
import dev.errand.core.spi.WorkflowInsert;
import dev.errand.core.spi.WorkflowInsertResult;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.store.redis.internal.Args;
import dev.errand.store.redis.internal.CompletionCarrier;
import dev.errand.store.redis.internal.DurabilityCheck;
import dev.errand.store.redis.internal.Micros;
import dev.errand.store.redis.internal.RedisUrl;
import dev.errand.store.redis.internal.Scripts;
import dev.errand.store.redis.internal.TaskCodec;
import dev.errand.store.redis.internal.WakeSignals;
import dev.errand.store.redis.internal.WorkflowCodec;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.protocol.AsyncCommand;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Redis store: every change of state is one Lua script run atomically on the server (see the
 * scripts beside {@code internal/common.lua}), one round trip per batch, with lease times from the
 * server's own clock ({@code TIME}) and every change to a RUNNING task fenced by its lease token in the
 * same script. All keys of an installation share the hash tag of its prefix, so they lie in one slot.
 *
 * <p>Durability follows the server's persistence: the store checks it at start (see {@link Durability}).
 * Idle workers wait on the installation's pub/sub channel, which the scripts publish to when work may
 * have become claimable, and poll while it is down.
 *
 * <p>On a server that fsyncs every write ({@code appendfsync always}), a completion batch written while a
 * claim is expected waits for that claim and goes out in the same write, so that the two share one fsync
 * (see {@link CompletionCarrier}): a durable completion may then take up to a claim's round trip longer.
 *
 * <p>One multiplexed connection carries every command, so concurrent callers share it without a pool;
 * Lettuce reconnects by itself, and a call made while it is down fails at once with
 * {@link dev.errand.core.StoreUnavailableException} instead of queueing. Thread-safe.
 *
 * <p>Workflows ({@link WorkflowStore}) are inserted whole by one script, and moved on by the script of
 * the completion, sweep or cancel that made a node final, in Lua (see {@code internal/workflow.lua}).
 */
public final class RedisStore implements TaskStore, ScheduleStore, QueueLimitStore, WakeUpStore, WorkflowStore {
  /** How long an idle worker sleeps at most while the wake-up subscription is down. */
  private static final Duration POLL_WHILE_DEAF = Duration.ofMillis(500);
  /** How soon a waiter looks again at a limited queue that has due work: slots and tokens are not signalled. */
  private static final Duration LIMIT_RECHECK = Duration.ofMillis(50);
  /**
   * The longest pause between Lettuce's reconnect attempts (its default doubles up to 30 s): a Redis back
   * after a long outage, or a new primary after a slow failover, is used again within about this long.
   */
  private static final Duration RECONNECT_AT_MOST = Duration.ofSeconds(1);
  /** At least this many due delayed tasks are promoted to READY by a claim. */
  private static final int PROMOTION_BATCH = 500;

  private final String name;
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, byte[]> connection;
  private final RedisCommands<String, byte[]> redis;
  private final Scripts scripts;
  /** Null unless the server fsyncs every write: then completions ride with claims (see the class). */
  private final CompletionCarrier carrier;
  private final WakeSignals signals;
  private final String keyPrefix;
  private final int pageReadLimit;

  private RedisStore(Builder b) {
    RedisUrl url = RedisUrl.parse(b.url);
    String prefix = b.prefix != null ? b.prefix : url.prefix();
    Durability durability = b.durability != null ? b.durability : url.durability();
    this.name = "redis " + prefix;
    this.keyPrefix = "{" + prefix + "}:";
    this.pageReadLimit = b.pageReadLimit;
    RedisURI uri = url.uri();
    if (uri.getTimeout() == null || uri.getTimeout().equals(RedisURI.DEFAULT_TIMEOUT_DURATION)) {
      uri.setTimeout(b.timeout);
    }
    this.resources = DefaultClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ZERO, RECONNECT_AT_MOST, 2, TimeUnit.MILLISECONDS)).build();
    this.client = RedisClient.create(resources);
    ClientOptions.Builder options = ClientOptions.builder()
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(uri.getTimeout()));
    if (url.caCert() != null) {
      // The URL's cacert: these certificates are trusted for TLS instead of the JVM's trust store.
      options.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(url.caCert().toFile()).build());
    }
    client.setOptions(options.build());
    try {
      this.connection = client.connect(Scripts.CODEC, uri);
    } catch (RedisException e) {
      shutdown();
      throw Scripts.failure(name, "connect to " + RedisUrl.redact(b.url), e);
    }
    this.redis = connection.sync();
    this.scripts = new Scripts(connection, uri.getTimeout(), keyPrefix, name);
    boolean fsyncsEveryWrite;
    try {
      fsyncsEveryWrite = durability != Durability.NONE && DurabilityCheck.check(name, redis, durability) == null;
      checkSlotIsServed(name, redis, keyPrefix);
      scripts.run("tidy", new Args());
    } catch (RuntimeException e) {
      connection.close();
      shutdown();
      throw e;
    }
    this.carrier = fsyncsEveryWrite ? new CompletionCarrier() : null;
    this.signals = new WakeSignals(client, uri, keyPrefix);
  }

  /**
   * Refuses a Redis Cluster node that does not serve the installation's slot: the store talks to the one
   * node of its URL and does not follow MOVED redirects, so every script would fail there.
   */
  private static void checkSlotIsServed(String name, RedisCommands<String, byte[]> redis, String keyPrefix) {
    try {
      redis.exists(keyPrefix + "queues");
    } catch (io.lettuce.core.RedisCommandExecutionException e) {
      String message = e.getMessage() == null ? "" : e.getMessage();
      if (message.startsWith("MOVED") || message.startsWith("ASK")) {
        throw new IllegalStateException(name + ": this Redis Cluster node does not serve the keys of the "
            + "installation (" + message + "); the store talks to one node and follows no redirects: "
            + "give it the URL of the primary that serves the slot of " + keyPrefix, e);
      }
      throw Scripts.failure(name, "read the installation's queues", e);
    } catch (RedisException e) {
      throw Scripts.failure(name, "read the installation's queues", e);
    }
  }

  /** Opens the store at {@code url} (see {@link Builder#url}). */
  public static RedisStore of(String url) {
    return builder().url(url).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link RedisStore}; {@link #url} is required. */
  public static final class Builder {
    private String url;
    private String prefix;
    private Durability durability;
    private int pageReadLimit = 2_000;
    private Duration timeout = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * {@code redis://[user:password@]host[:port][/db]}, {@code rediss://} for TLS or
     * {@code redis-sentinel://}, with the options {@code prefix=NAME} and {@code durability=strict|relaxed|none}.
     */
    public Builder url(String url) {
      RedisUrl.parse(url);
      this.url = url;
      return this;
    }

    /** The installation's key prefix, overriding the URL's; installations with different prefixes share a server. */
    public Builder prefix(String prefix) {
      this.prefix = Names.require("prefix", prefix);
      return this;
    }

    /** Overrides the URL's durability option. */
    public Builder durability(Durability durability) {
      this.durability = java.util.Objects.requireNonNull(durability, "durability");
      return this;
    }

    /** The most ids one list page reads past its cursor (default 2,000). */
    public Builder pageReadLimit(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("pageReadLimit must be positive: " + rows);
      }
      this.pageReadLimit = rows;
      return this;
    }

    /** How long a command may take before the store is called unavailable, unless the URL sets one (default 10 s). */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    public RedisStore build() {
      if (url == null) {
        throw new IllegalStateException("url is required");
      }
      return new RedisStore(this);
    }
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    if (request.tasks().isEmpty()) {
      return new InsertResult(List.of());
    }
    Args args = new Args();
    for (NewTask t : request.tasks()) {
      TaskCodec.addInsert(args, t);
    }
    ClaimRequest claimFor = request.claimFor();
    if (claimFor != null) {
      args.add(claimFor.workerId()).add(Micros.of(claimFor.leaseFor())).add(UUID.randomUUID().toString());
    }
    List<Object> reply = scripts.run(claimFor == null ? "insert" : "insertclaim", args);
    List<InsertResult.Outcome> outcomes = new ArrayList<>(reply.size());
    for (Object o : reply) {
      List<?> pair = (List<?>) o;
      outcomes.add(new InsertResult.Outcome(TaskCodec.task(pair.get(1)), TaskCodec.number(pair.get(0)) == 1));
    }
    return new InsertResult(outcomes);
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    String base = UUID.randomUUID().toString();
    Args args = new Args().add(request.queue()).add(request.limit()).add(Micros.of(request.leaseFor()))
        .add(request.workerId()).add(base).add(Math.max(request.limit(), PROMOTION_BATCH));
    List<Object> reply;
    if (carrier == null) {
      reply = scripts.run("claim", args);
    } else {
      boolean full = false;
      try {
        reply = claimCarrying(args);
        full = ((List<?>) reply.get(1)).size() == request.limit();
      } finally {
        carrier.claimed(full);
      }
    }
    Object startedAt = reply.get(0);
    List<?> hashes = (List<?>) reply.get(1);
    List<?> untils = (List<?>) reply.get(2);
    List<?> ids = (List<?>) reply.get(3);
    List<Task> out = new ArrayList<>(hashes.size());
    for (int i = 0; i < hashes.size(); i++) {
      out.add(TaskCodec.claimed(request.queue(), ids.get(i), hashes.get(i), startedAt, untils.get(i),
          base + ":" + (i + 1), request.workerId()));
    }
    return new ClaimResult(out);
  }

  @Override
  public WorkflowInsertResult insertWorkflow(WorkflowInsert insert) {
    java.util.Objects.requireNonNull(insert, "insert");
    return WorkflowCodec.inserted(insert, scripts.run("winsert", WorkflowCodec.insert(insert)));
  }

  @Override
  public Optional<WorkflowInfo> workflow(String id) {
    java.util.Objects.requireNonNull(id, "id");
    return WorkflowCodec.info(scripts.run("wget", new Args().add(id)));
  }

  @Override
  public Optional<WorkflowInfo> cancelWorkflow(String id) {
    java.util.Objects.requireNonNull(id, "id");
    return WorkflowCodec.info(scripts.run("wcancel", new Args().add(id)));
  }

  @Override
  public Map<TaskId, List<ParentResult>> parents(List<TaskId> tasks) {
    if (tasks.isEmpty()) {
      return Map.of();
    }
    Args args = new Args();
    tasks.forEach(t -> args.add(t.value()));
    return WorkflowCodec.parents(tasks, scripts.run("wparents", args));
  }

  /** A claim that takes a held completion batch with it, if there is one: both in one write (see the class). */
  private List<Object> claimCarrying(Args claimArgs) {
    CompletionCarrier.Held held = carrier.claimStarting();
    if (held == null) {
      return scripts.run("claim", claimArgs);
    }
    AsyncCommand<String, byte[], List<Object>> completion;
    AsyncCommand<String, byte[], List<Object>> claim;
    try {
      completion = scripts.command("complete", held.args());
      claim = scripts.command("claim", claimArgs);
      scripts.dispatch(List.of(completion, claim));
    } catch (RuntimeException e) {
      carrier.carried(held, null, e);
      throw e;
    }
    carrier.carried(held, completion, null);
    return scripts.await(claim, "claim", claimArgs);
  }

  private static List<Task> tasks(List<Object> packed) {
    List<Task> out = new ArrayList<>(packed.size());
    for (Object o : packed) {
      out.add(TaskCodec.task(o));
    }
    return out;
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    if (request.leases().isEmpty()) {
      return new ExtendResult(Map.of(), List.of());
    }
    Args args = new Args().add(Micros.of(request.leaseFor()));
    for (LeaseRef ref : request.leases()) {
      args.add(ref.id().value()).add(ref.token())
          .add(ref.progress() == null ? new byte[0] : ref.progress().bytesUnsafe());
    }
    List<Object> reply = scripts.run("extend", args);
    Map<TaskId, java.time.Instant> extended = new HashMap<>();
    List<TaskId> stale = new ArrayList<>();
    for (Object o : reply) {
      List<?> r = (List<?>) o;
      TaskId id = TaskId.of(TaskCodec.text(r.getFirst()));
      if (r.size() == 2) {
        extended.put(id, Micros.toInstant(TaskCodec.number(r.get(1))));
      } else {
        stale.add(id);
      }
    }
    return new ExtendResult(extended, stale);
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    if (request.completions().isEmpty()) {
      return new CompleteResult(List.of(), List.of());
    }
    Args args = new Args().add(request.returnTasks() ? "1" : "0");
    // The batch's leading plain successes (no follow-ups; a drain's batches are nothing else) go three
    // arguments each instead of seven (complete.lua). Only a leading run: completions apply in order.
    List<Completion> all = request.completions();
    int plain = 0;
    while (!request.returnTasks() && plain < all.size() && isPlainSuccess(all.get(plain))) {
      plain++;
    }
    args.add(plain);
    for (Completion c : all.subList(0, plain)) {
      Json result = ((Completion.Succeeded) c.outcome()).result();
      args.add(c.id().value()).add(c.leaseToken()).add(withMark(result));
    }
    for (Completion c : all.subList(plain, all.size())) {
      args.add(c.id().value()).add(c.leaseToken());
      switch (c.outcome()) {
        case Completion.Succeeded s -> args.add("S").add(withMark(s.result())).add("");
        case Completion.Retry r -> args.add("R").add(Micros.of(r.delay())).add(r.error());
        case Completion.Dead d -> args.add("D").add(d.error()).add("");
        case Completion.Release r -> args.add("L").add(Micros.of(r.delay())).add("");
      }
      args.add(c.followUps().inserts().size()).add(c.followUps().decrements().size());
      c.followUps().inserts().forEach(n -> TaskCodec.addInsert(args, n));
      c.followUps().decrements().forEach(id -> args.add(id.value()));
    }
    List<Object> reply = runCompletion(args);
    List<TaskId> stale = new ArrayList<>();
    for (Object id : (List<?>) reply.get(0)) {
      stale.add(TaskId.of(TaskCodec.text(id)));
    }
    @SuppressWarnings("unchecked")
    List<Object> applied = (List<Object>) reply.get(1);
    return new CompleteResult(stale, tasks(applied));
  }

  private static boolean isPlainSuccess(Completion c) {
    return c.outcome() instanceof Completion.Succeeded && c.followUps().inserts().isEmpty()
        && c.followUps().decrements().isEmpty();
  }

  /** Runs complete.lua, riding with the next claim when the carrier takes it. */
  private List<Object> runCompletion(Args args) {
    if (carrier != null) {
      var command = carrier.hold(args);
      if (command != null) {
        return scripts.await(command, "complete", args);
      }
    }
    return scripts.run("complete", args);
  }

  /** A result as complete.lua takes it: '=' then the bytes, so that an absent result ('') differs from any. */
  private static byte[] withMark(Json result) {
    if (result == null) {
      return new byte[0];
    }
    byte[] bytes = result.toByteArray();
    byte[] out = new byte[bytes.length + 1];
    out[0] = '=';
    System.arraycopy(bytes, 0, out, 1, bytes.length);
    return out;
  }

  @Override
  public CancelResult cancel(CancelRequest request) {
    List<Object> reply = scripts.run("cancel", new Args().add(request.id().value()));
    CancelResult.Status status = CancelResult.Status.valueOf(TaskCodec.text(reply.get(0)));
    Object task = reply.get(1);
    return new CancelResult(task == null ? null : TaskCodec.task(task), status);
  }

  @Override
  public SweepResult sweepExpiredLeases(SweepRequest request) {
    List<Object> reply = scripts.run("sweep", new Args().add(request.limit()));
    List<SweepResult.Swept> swept = new ArrayList<>(reply.size());
    for (Object o : reply) {
      swept.add(SweepResult.Swept.of(TaskCodec.task(o)));
    }
    return new SweepResult(swept);
  }

  @Override
  public Optional<Task> get(TaskId id) {
    List<Object> reply = scripts.run("get", new Args().add(id.value()));
    Object task = reply.getFirst();
    return task == null ? Optional.empty() : Optional.of(TaskCodec.task(task));
  }

  @Override
  public List<AttemptError> errors(TaskId id) {
    List<byte[]> entries = call("read the error history", () -> redis.lrange(keyPrefix + "e:" + id.value(), 0, -1));
    List<AttemptError> out = new ArrayList<>(entries.size());
    for (byte[] e : entries) {
      out.add(TaskCodec.error(e));
    }
    return out;
  }

  @Override
  public TaskPage list(TaskQuery q) {
    Args args = new Args().addOrEmpty(q.queue()).add(q.state() == null ? "" : q.state().name()).addOrEmpty(q.type())
        .add(q.limit()).add(q.idBound())
        .add(q.createdAfter() == null ? "" : Long.toString(Micros.of(q.createdAfter())))
        .add(q.createdBefore() == null ? "" : Long.toString(Micros.of(q.createdBefore())))
        .add(Math.max(pageReadLimit, q.limit() + 1));
    List<Object> reply = scripts.run("list", args);
    @SuppressWarnings("unchecked")
    List<Object> page = (List<Object>) reply.get(0);
    Object next = reply.get(1);
    return new TaskPage(tasks(page), next == null ? null : TaskId.of(TaskCodec.text(next)));
  }

  @Override
  public DuePage listDue(DueQuery q) {
    Args args = new Args().addOrEmpty(q.queue()).addOrEmpty(q.type()).add(q.limit())
        .add(Math.max(pageReadLimit, q.limit()));
    return new DuePage(tasks(scripts.run("due", args)));
  }

  private static final TaskState[] STATES = {TaskState.WAITING, TaskState.SCHEDULED, TaskState.READY,
      TaskState.RUNNING, TaskState.RETRYING, TaskState.SUCCEEDED, TaskState.DEAD, TaskState.CANCELLED};

  @Override
  public List<QueueInfo> queues() {
    List<Object> reply = scripts.run("queues", new Args());
    List<QueueInfo> out = new ArrayList<>(reply.size());
    for (Object o : reply) {
      List<?> row = (List<?>) o;
      Map<TaskState, Long> counts = new EnumMap<>(TaskState.class);
      for (int i = 0; i < STATES.length; i++) {
        long n = TaskCodec.number(row.get(i + 1));
        if (n > 0) {
          counts.put(STATES[i], n);
        }
      }
      String oldest = TaskCodec.text(row.get(11));
      out.add(new QueueInfo(TaskCodec.text(row.get(0)), counts, TaskCodec.number(row.get(9)) == 1,
          limits(TaskCodec.text(row.get(10))), oldest.isEmpty() ? null : Micros.toInstant(Long.parseLong(oldest)),
          Set.of()));
    }
    out.sort(java.util.Comparator.comparing(QueueInfo::queue));
    return out;
  }

  /** Limits as limit.lua keeps them: cap|rate|burst, '' for none. */
  private static QueueLimits limits(String stored) {
    if (stored.isEmpty()) {
      return QueueLimits.NONE;
    }
    String[] p = stored.split("\\|", -1);
    return new QueueLimits(p[0].isEmpty() ? null : Integer.valueOf(p[0]),
        p[1].isEmpty() ? null : Double.valueOf(p[1]), p[2].isEmpty() ? null : Integer.valueOf(p[2]));
  }

  @Override
  public void pauseQueue(QueuePauseRequest request) {
    scripts.run("pause", new Args().add(request.queue()).add(request.paused() ? "1" : "0"));
  }

  @Override
  public void limitQueue(QueueLimitsRequest request) {
    QueueLimits l = request.limits();
    scripts.run("limit", new Args().add(request.queue())
        .add(l.maxRunning() == null ? "" : l.maxRunning().toString())
        .add(l.ratePerSecond() == null ? "" : l.ratePerSecond().toString())
        .add(l.burst() == null ? "" : l.burst().toString()));
  }

  @Override
  public int replayDead(DeadFilter f) {
    return count("replay", f.id(), f.queue(), f.type());
  }

  @Override
  public int runNow(RunNowRequest r) {
    return count("runnow", r.id(), r.queue(), r.type());
  }

  @Override
  public int purgeDead(DeadFilter f) {
    return count("purge", f.id(), f.queue(), f.type());
  }

  private int count(String script, TaskId id, String queue, String type) {
    Args args = new Args().add(id == null ? "" : id.value()).addOrEmpty(queue).addOrEmpty(type);
    return (int) scripts.runForNumber(script, args);
  }

  @Override
  public int prune(PruneRequest request) {
    return (int) scripts.runForNumber("prune",
        new Args().add(Micros.of(request.finishedBefore())).add(request.limit()));
  }

  @Override
  public StoredSchedule putSchedule(SchedulePutRequest request) {
    List<Object> reply = scripts.run("schedule", new Args().add(request.name()).add(request.definition().toByteArray()));
    return new StoredSchedule(request.name(), request.definition(), TaskCodec.number(reply.get(0)),
        Micros.toInstant(TaskCodec.number(reply.get(1))));
  }

  @Override
  public boolean deleteSchedule(String scheduleName) {
    Names.require("name", scheduleName);
    return call("delete a schedule", () -> redis.hdel(keyPrefix + "sched", scheduleName)) == 1;
  }

  @Override
  public List<StoredSchedule> storedSchedules() {
    Map<String, byte[]> all = call("read the schedules", () -> redis.hgetall(keyPrefix + "sched"));
    List<StoredSchedule> out = new ArrayList<>(all.size());
    all.forEach((scheduleName, value) -> {
      // version \n updatedAt \n definition, as schedule.lua writes it
      int first = indexOf(value, 0);
      int second = indexOf(value, first + 1);
      byte[] definition = java.util.Arrays.copyOfRange(value, second + 1, value.length);
      out.add(new StoredSchedule(scheduleName, Json.ofTrusted(definition),
          Long.parseLong(new String(value, 0, first, StandardCharsets.US_ASCII)),
          Micros.toInstant(Long.parseLong(new String(value, first + 1, second - first - 1, StandardCharsets.US_ASCII)))));
    });
    out.sort(java.util.Comparator.comparing(StoredSchedule::name));
    return out;
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    throw new IllegalStateException("stored schedule is malformed");
  }

  @Override
  public void awaitWork(WaitRequest request) throws InterruptedException {
    long maxNanos = request.maxWait().toNanos();
    if (maxNanos <= 0 || request.queues().isEmpty()) {
      return;
    }
    boolean live = signals.live();
    long seen = signals.seen(request.queues());
    Args args = new Args().add(Micros.of(LIMIT_RECHECK));
    request.queues().forEach(args::add);
    long waitMicros;
    try {
      waitMicros = scripts.runForNumber("idle", args);
    } catch (dev.errand.core.StoreUnavailableException e) {
      // The store is down: wait a while, as a poll would, and let the claim report it.
      Thread.sleep(Duration.ofNanos(Math.min(maxNanos, POLL_WHILE_DEAF.toNanos())));
      return;
    }
    if (waitMicros == 0) {
      return;
    }
    long nanos = waitMicros > 0 ? Math.min(maxNanos, waitMicros * 1_000) : maxNanos;
    if (!live) {
      nanos = Math.min(nanos, POLL_WHILE_DEAF.toNanos());
    }
    signals.await(request.queues(), seen, nanos);
  }

  /** The Redis server's version, as its INFO reports it, such as {@code 7.0.15}. */
  public String serverVersion() {
    String info = call("read the server's version", () -> redis.info("server"));
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("redis_version:")) {
        return line.substring("redis_version:".length()).trim();
      }
    }
    return "unknown";
  }

  /**
   * Deletes every key of this store's installation (its prefix): every task, history, schedule and queue
   * setting, and nothing of other installations on the server. Walks the keys with SCAN, so it does not
   * block the server; work written meanwhile may survive. Returns how many keys it deleted.
   */
  public long deleteInstallation() {
    return call("delete the installation", () -> {
      long deleted = 0;
      io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
      io.lettuce.core.ScanArgs match = io.lettuce.core.ScanArgs.Builder.matches(keyPrefix + "*").limit(1000);
      do {
        io.lettuce.core.KeyScanCursor<String> page = redis.scan(cursor, match);
        if (!page.getKeys().isEmpty()) {
          deleted += redis.unlink(page.getKeys().toArray(new String[0]));
        }
        cursor = page;
      } while (!cursor.isFinished());
      return deleted;
    });
  }

  @Override
  public void ping() {
    call("ping", redis::ping);
  }

  private <T> T call(String what, Supplier<T> body) {
    try {
      return body.get();
    } catch (RedisException e) {
      throw Scripts.failure(name, what, e);
    }
  }

  @Override
  public void close() {
    signals.close();
    connection.close();
    shutdown();
  }

  private void shutdown() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return name;
  }
}
