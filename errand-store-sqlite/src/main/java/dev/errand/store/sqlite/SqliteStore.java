package dev.errand.store.sqlite;

import dev.errand.core.AttemptError;
import dev.errand.core.Json;
import dev.errand.core.Names;
import dev.errand.core.QueueLimits;
import dev.errand.core.StoreUnavailableException;
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
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.SqlStatements;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import dev.errand.store.sqlite.internal.ClaimHorizon;
import dev.errand.store.sqlite.internal.DirectoryLock;
import dev.errand.store.sqlite.internal.GroupCommitWriter;
import dev.errand.store.sqlite.internal.Micros;
import dev.errand.store.sqlite.internal.Migrations;
import dev.errand.store.sqlite.internal.ReadPool;
import dev.errand.store.sqlite.internal.SqliteConnections;
import dev.errand.store.sqlite.internal.StatementCache;
import dev.errand.store.sqlite.internal.StoreErrors;
import dev.errand.store.sqlite.internal.TaskRows;
import dev.errand.store.sqlite.internal.WorkSignal;
import dev.errand.store.sqlite.internal.WriteContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default store: one SQLite database in a data directory, owned by one process at a time.
 *
 * <p>Durability: WAL journal with {@code synchronous=FULL}; a call that returned is on disk, survives a
 * crash of this process and a power cut. Claims and lease extensions are the exception: they survive a
 * crash of the process but are synced only with the next other write, so a power cut can undo them. An
 * undone claim leaves the task claimable again (with the attempt it had) and an undone extension an
 * earlier lease end, both of which at-least-once delivery already allows; a claim's fsync was half of
 * the writer's waiting in a drain. Every write goes through one writer thread that commits the requests
 * waiting together in one transaction (group commit, one fsync for many callers). Reads use their own connections and never wait for the writer.
 * Leases are measured on the injected {@link Clock} (system UTC by default). Waiting for work uses an
 * in-process signal raised after each commit that adds work, bounded by the next due task or lease
 * expiry in the waited queues, so delayed tasks start on time without polling.
 *
 * <p>Thread-safe. {@link #close()} finishes the writes already submitted, then releases the files.
 */
public final class SqliteStore implements TaskStore {
  public static final String DATABASE_FILE = "errand.db";

  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

  /** Promote at least this many due tasks per claim: enough to keep priority order among due tasks. */
  private static final int PROMOTE_BATCH = 1_000;

  /**
   * How soon a waiter looks again at a limited queue that has READY tasks: a claim may have found it at
   * its cap or out of tokens, and neither a freed slot nor a new token raises a signal.
   */
  private static final long LIMIT_RECHECK_MICROS = 50_000;

  /**
   * SUCCEEDED and CANCELLED tasks of one queue are counted up to this many (a range of the finished index,
   * well under a millisecond); more are reported as at least this many.
   */
  static final long FINISHED_COUNT_BOUND = 10_000;

  /** The statement that lists each state with a partial index of its own that holds it alone, or nearly. */
  private static final Map<TaskState, String> STATE_LISTS = Map.of(
      TaskState.READY, "task_list_ready",
      TaskState.SCHEDULED, "task_list_waiting",
      TaskState.RETRYING, "task_list_waiting",
      TaskState.RUNNING, "task_list_running",
      TaskState.DEAD, "task_list_dead");

  /** Above every id ([A-Za-z0-9][A-Za-z0-9_.:-]*) in byte order: the cursor of a first page. */
  private static final String AFTER_EVERY_ID = "~";

  private static final Comparator<Task> CLAIM_ORDER = Comparator.comparingInt(Task::priority).reversed()
      .thenComparing(Task::runAt)
      .thenComparing(Task::id);

  private final String name;
  private final Clock clock;
  private final DirectoryLock lock;
  private final GroupCommitWriter writer;
  private final ReadPool readers;
  private final WorkSignal signal;
  private final int pageReadLimit;
  private final ClaimHorizon horizon = new ClaimHorizon(); // the writer thread's
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteStore(String name, Clock clock, DirectoryLock lock, GroupCommitWriter writer, ReadPool readers,
      WorkSignal signal, int pageReadLimit) {
    this.name = name;
    this.pageReadLimit = pageReadLimit;
    this.clock = clock;
    this.lock = lock;
    this.writer = writer;
    this.readers = readers;
    this.signal = signal;
  }

  /** Opens (creating if needed) the store in {@code directory} with default options. */
  public static SqliteStore open(Path directory) {
    return builder(directory).build();
  }

  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public InsertResult insertMany(InsertRequest request) {
    if (request.tasks().isEmpty()) {
      return new InsertResult(List.of());
    }
    return writer.submit("insert", tx -> insert(tx, request.tasks()));
  }

  private InsertResult insert(WriteContext tx, List<NewTask> tasks) throws SQLException {
    long now = Micros.of(tx.now());
    Instant createdAt = Micros.toInstant(now);
    PreparedStatement insert = tx.statement("task_insert");
    List<Task> candidates = new ArrayList<>(tasks.size());
    for (NewTask t : tasks) {
      long runAt = t.runAt() != null ? Micros.of(t.runAt()) : Micros.plus(now, t.delay());
      TaskState state = runAt <= now ? TaskState.READY : TaskState.SCHEDULED;
      insert.setString(1, t.id().value());
      insert.setString(2, t.queue());
      insert.setString(3, t.type());
      insert.setBytes(4, t.payload().bytesUnsafe());
      insert.setInt(5, t.priority());
      insert.setString(6, state.name());
      insert.setInt(7, t.retry().maxAttempts());
      insert.setLong(8, Micros.nanos(t.retry().base()));
      insert.setLong(9, Micros.nanos(t.retry().cap()));
      insert.setLong(10, Micros.nanos(t.timeout()));
      insert.setString(11, t.idempotencyKey());
      insert.setLong(12, runAt);
      insert.setLong(13, now);
      insert.addBatch();
      candidates.add(new Task(t.id(), t.queue(), t.type(), t.payload(), t.priority(), state, 0, t.retry(),
          t.timeout(), t.idempotencyKey(), Micros.toInstant(runAt), createdAt, null, null, null, null, null));
    }
    int[] counts = insert.executeBatch();
    List<InsertResult.Outcome> outcomes = new ArrayList<>(tasks.size());
    for (int i = 0; i < counts.length; i++) {
      Task candidate = candidates.get(i);
      if (counts[i] > 0) {
        tx.wake(candidate.queue());
        if (candidate.state() == TaskState.SCHEDULED) {
          dueBy(tx, candidate.queue(), Micros.of(candidate.runAt()));
        }
        outcomes.add(new InsertResult.Outcome(candidate, true));
      } else {
        outcomes.add(new InsertResult.Outcome(holder(tx, candidate), false));
      }
    }
    return new InsertResult(outcomes);
  }

  /** The stored task that kept {@code candidate} out: the one with its id, else with its key. */
  private static Task holder(WriteContext tx, Task candidate) throws SQLException {
    PreparedStatement byId = tx.statement("task_get");
    byId.setString(1, candidate.id().value());
    Task existing = TaskRows.readOne(byId);
    if (existing == null && candidate.idempotencyKey() != null) {
      PreparedStatement byKey = tx.statement("task_get_by_idempotency_key");
      byKey.setString(1, candidate.queue());
      byKey.setString(2, candidate.idempotencyKey());
      existing = TaskRows.readOne(byKey);
    }
    if (existing == null) {
      throw new IllegalStateException("insert of " + candidate.id() + " was ignored but no task holds its id or key");
    }
    return existing;
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return writer.submitUnsynced("claim", tx -> {
      long now = Micros.of(tx.now());
      int batch = Math.max(request.limit(), PROMOTE_BATCH);
      String queue = request.queue();
      if (horizon.mayHaveDue(queue, now)) {
        queueStatement(tx, "claim_promote_due", queue, now, batch).executeUpdate();
        long next = nextTime(tx, "claim_next_due", queue);
        tx.afterCommit(() -> horizon.nextDue(queue, next));
      }
      if (horizon.mayHaveExpired(queue, now)) {
        // The error history of the leases the rescue below sends DEAD on their final attempt: same rows.
        trimErrors(tx, readIds(queueStatement(tx, "claim_bury_errors", queue, now, batch)));
        queueStatement(tx, "claim_rescue_expired", queue, now, batch).executeUpdate();
        long next = nextTime(tx, "claim_next_expiry", queue);
        tx.afterCommit(() -> horizon.nextExpiry(queue, next));
      }
      int limit = allowance(tx, request.queue(), request.limit(), now);
      if (limit == 0) {
        return new ClaimResult(List.of());
      }
      PreparedStatement claim = tx.statement("claim");
      claim.setString(1, request.queue());
      claim.setInt(2, limit);
      claim.setLong(3, now);
      claim.setLong(4, Micros.plus(now, request.leaseFor()));
      claim.setString(5, request.workerId());
      List<Task> tasks = TaskRows.readAll(claim);
      if (!tasks.isEmpty()) {
        spendTokens(tx, request.queue(), tasks.size(), now);
        long leaseUntil = Micros.plus(now, request.leaseFor());
        horizon.expiresBy(queue, leaseUntil);
        tx.afterCommit(() -> horizon.expiresBy(queue, leaseUntil));
      }
      // RETURNING gives rows in no particular order; callers get them best first.
      tasks.sort(CLAIM_ORDER);
      return new ClaimResult(tasks);
    });
  }

  /** The named statement bound to the (queue, now, batch) parameters the claim's housekeeping shares. */
  private static PreparedStatement queueStatement(WriteContext tx, String name, String queue, long now, int batch)
      throws SQLException {
    PreparedStatement statement = tx.statement(name);
    statement.setString(1, queue);
    statement.setLong(2, now);
    statement.setInt(3, batch);
    return statement;
  }

  /** The earliest time the named statement reads for {@code queue}, or {@code Long.MAX_VALUE} for none. */
  private static long nextTime(WriteContext tx, String statementName, String queue) throws SQLException {
    PreparedStatement next = tx.statement(statementName);
    next.setString(1, queue);
    try (ResultSet rs = next.executeQuery()) {
      long at = rs.next() ? rs.getLong(1) : 0;
      return rs.wasNull() ? Long.MAX_VALUE : at;
    }
  }

  /** A task of {@code queue} comes due at {@code at}: claims look for it from then on. */
  private void dueBy(WriteContext tx, String queue, long at) {
    horizon.dueBy(queue, at);
    tx.afterCommit(() -> horizon.dueBy(queue, at));
  }

  /**
   * How many a claim of {@code limit} may take under the queue's limits: the cap less the live RUNNING
   * tasks, and the whole tokens in the bucket refilled to {@code now}. The single writer makes the read
   * and the spend that follows atomic.
   */
  private static int allowance(WriteContext tx, String queue, int limit, long now) throws SQLException {
    PreparedStatement limits = tx.statement("queue_limits");
    limits.setString(1, queue);
    try (ResultSet rs = limits.executeQuery()) {
      if (!rs.next()) {
        return limit;
      }
      long allowed = limit;
      int maxRunning = rs.getInt("max_running");
      if (!rs.wasNull()) {
        PreparedStatement running = tx.statement("queue_running_live");
        running.setString(1, queue);
        running.setLong(2, now);
        try (ResultSet count = running.executeQuery()) {
          count.next();
          allowed = Math.min(allowed, maxRunning - count.getLong(1));
        }
      }
      double rate = rs.getDouble("rate_per_second");
      if (!rs.wasNull()) {
        allowed = Math.min(allowed, (long) Math.floor(refilled(rs.getDouble("tokens"), rs.getLong("tokens_at"),
            rate, rs.getInt("burst"), now)));
      }
      return (int) Math.max(0, allowed);
    }
  }

  /** A bucket of {@code tokens} at {@code at} refilled at {@code rate} per second up to {@code burst}. */
  private static double refilled(double tokens, long at, double rate, int burst, long now) {
    return now <= at ? tokens : Math.min(burst, tokens + (now - at) * rate / 1_000_000.0);
  }

  /** Takes {@code taken} tokens from the queue's bucket, if it has one, refilled to {@code now}. */
  private static void spendTokens(WriteContext tx, String queue, int taken, long now) throws SQLException {
    PreparedStatement limits = tx.statement("queue_limits");
    limits.setString(1, queue);
    double left;
    long at;
    try (ResultSet rs = limits.executeQuery()) {
      if (!rs.next()) {
        return;
      }
      double rate = rs.getDouble("rate_per_second");
      if (rs.wasNull()) {
        return;
      }
      at = Math.max(now, rs.getLong("tokens_at"));
      left = refilled(rs.getDouble("tokens"), rs.getLong("tokens_at"), rate, rs.getInt("burst"), now) - taken;
    }
    PreparedStatement spend = tx.statement("queue_spend_tokens");
    spend.setString(1, queue);
    spend.setDouble(2, left);
    spend.setLong(3, at);
    spend.executeUpdate();
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    if (request.leases().isEmpty()) {
      return new ExtendResult(Map.of(), List.of());
    }
    return writer.submitUnsynced("extend", tx -> {
      long until = Micros.plus(Micros.of(tx.now()), request.leaseFor());
      PreparedStatement extend = tx.statement("lease_extend");
      for (LeaseRef lease : request.leases()) {
        extend.setString(1, lease.id().value());
        extend.setString(2, lease.token());
        extend.setLong(3, until);
        extend.addBatch();
      }
      int[] counts = extend.executeBatch();
      Map<TaskId, Instant> extended = new HashMap<>();
      List<TaskId> stale = new ArrayList<>();
      for (int i = 0; i < counts.length; i++) {
        TaskId id = request.leases().get(i).id();
        if (counts[i] > 0) {
          extended.put(id, Micros.toInstant(until));
        } else {
          stale.add(id);
        }
      }
      return new ExtendResult(extended, stale);
    });
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    if (request.completions().isEmpty()) {
      return new CompleteResult(List.of(), List.of());
    }
    return writer.submit("complete", tx -> complete(tx, request));
  }

  /**
   * Binds each completion to the statement of its outcome and runs each statement's batch once; the
   * batches' row counts tell which tokens were stale. A retry's or death's error goes into the task's
   * history just before its batch runs, fenced by the same token, so a stale completion records nothing.
   * Asked for the tasks, it runs each completion alone through the same statement with {@code RETURNING *}
   * (a batch cannot return rows), so the task comes back from the statement that changed it.
   */
  private CompleteResult complete(WriteContext tx, CompleteRequest request) throws SQLException {
    List<Completion> completions = request.completions();
    long now = Micros.of(tx.now());
    // Statements run in the order their first completion came, so a repeated id resolves the same way each time.
    Map<String, List<Integer>> batches = new LinkedHashMap<>(); // statement name -> positions in the request
    Map<String, List<Completion>> failures = new HashMap<>();
    Set<LeaseRef> failed = new HashSet<>();
    for (int i = 0; i < completions.size(); i++) {
      Completion c = completions.get(i);
      String statementName = switch (c.outcome()) {
        case Completion.Succeeded s -> "complete_succeeded";
        case Completion.Retry r -> "complete_retry";
        case Completion.Dead d -> "complete_dead";
        case Completion.Release r -> r.delay().isZero() || r.delay().isNegative()
            ? "complete_release_ready" : "complete_release_later";
      };
      switch (c.outcome()) {
        case Completion.Retry r -> {
          dueEverywhereBy(tx, Micros.plus(now, r.delay()));
          tx.wakeAll();
        }
        case Completion.Release r -> {
          if (statementName.equals("complete_release_later")) {
            dueEverywhereBy(tx, Micros.plus(now, r.delay()));
          }
          tx.wakeAll();
        }
        default -> { }
      }
      batches.computeIfAbsent(statementName, k -> new ArrayList<>()).add(i);
      // Only the first completion of a lease can apply; its repeats must not record the error again.
      if ((c.outcome() instanceof Completion.Retry || c.outcome() instanceof Completion.Dead)
          && failed.add(new LeaseRef(c.id(), c.leaseToken()))) {
        failures.computeIfAbsent(statementName, k -> new ArrayList<>()).add(c);
      }
    }
    List<TaskId> stale = new ArrayList<>();
    Task[] returned = new Task[request.returnTasks() ? completions.size() : 0];
    for (Map.Entry<String, List<Integer>> batch : batches.entrySet()) {
      recordErrors(tx, failures.getOrDefault(batch.getKey(), List.of()), now);
      if (request.returnTasks()) {
        PreparedStatement statement = tx.statementReturning(batch.getKey());
        for (int i : batch.getValue()) {
          bind(statement, completions.get(i), now);
          returned[i] = TaskRows.readOne(statement);
          if (returned[i] == null) {
            stale.add(completions.get(i).id());
          }
        }
      } else {
        PreparedStatement statement = tx.statement(batch.getKey());
        for (int i : batch.getValue()) {
          bind(statement, completions.get(i), now);
          statement.addBatch();
        }
        int[] counts = statement.executeBatch();
        for (int k = 0; k < counts.length; k++) {
          if (counts[k] == 0) {
            stale.add(completions.get(batch.getValue().get(k)).id());
          }
        }
      }
    }
    List<Task> tasks = new ArrayList<>();
    for (Task t : returned) {
      if (t != null) {
        tasks.add(t);
      }
    }
    return new CompleteResult(stale, tasks);
  }

  /** Binds {@code c} to the statement of its outcome (each {@code complete_*} statement takes these parameters). */
  private static void bind(PreparedStatement statement, Completion c, long now) throws SQLException {
    statement.setString(1, c.id().value());
    statement.setString(2, c.leaseToken());
    switch (c.outcome()) {
      case Completion.Succeeded s -> {
        if (s.result() == null) {
          statement.setNull(3, Types.BLOB);
        } else {
          statement.setBytes(3, s.result().bytesUnsafe());
        }
        statement.setLong(4, now);
      }
      case Completion.Retry r -> {
        statement.setLong(3, Micros.plus(now, r.delay()));
        statement.setString(4, r.error());
      }
      case Completion.Dead d -> {
        statement.setString(3, d.error());
        statement.setLong(4, now);
      }
      case Completion.Release r -> {
        if (r.delay().isPositive()) {
          statement.setLong(3, Micros.plus(now, r.delay()));
        }
      }
    }
  }

  /** Adds each failure to its task's error history if its lease is still the task's, then trims the history. */
  private static void recordErrors(WriteContext tx, List<Completion> failures, long now) throws SQLException {
    if (failures.isEmpty()) {
      return;
    }
    PreparedStatement record = tx.statement("task_error_record");
    for (Completion c : failures) {
      record.setString(1, c.id().value());
      record.setString(2, c.leaseToken());
      record.setLong(3, now);
      record.setString(4, c.outcome() instanceof Completion.Retry r ? r.error() : ((Completion.Dead) c.outcome()).error());
      record.addBatch();
    }
    int[] counts = record.executeBatch();
    List<String> recorded = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        recorded.add(failures.get(i).id().value());
      }
    }
    trimErrors(tx, recorded);
  }

  /** Keeps the newest {@link AttemptError#KEPT_PER_TASK} errors of each task. */
  private static void trimErrors(WriteContext tx, List<String> taskIds) throws SQLException {
    runForEach(tx.statement("task_error_trim"), taskIds);
  }

  /** Runs {@code statement}, whose one parameter is a task id, once for each of {@code taskIds}. */
  private static void runForEach(PreparedStatement statement, List<String> taskIds) throws SQLException {
    if (taskIds.isEmpty()) {
      return;
    }
    for (String id : taskIds) {
      statement.setString(1, id);
      statement.addBatch();
    }
    statement.executeBatch();
  }

  /** Runs {@code statement} (bound) and returns the first column of every row: the ids it returned. */
  private static List<String> readIds(PreparedStatement statement) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  /** A task of a queue a completion does not name comes due at {@code at}. */
  private void dueEverywhereBy(WriteContext tx, long at) {
    horizon.dueEverywhereBy(at);
    tx.afterCommit(() -> horizon.dueEverywhereBy(at));
  }

  @Override
  public CancelResult cancel(CancelRequest request) {
    return writer.submit("cancel", tx -> {
      PreparedStatement cancel = tx.statement("task_cancel");
      cancel.setString(1, request.id().value());
      cancel.setLong(2, Micros.of(tx.now()));
      Task cancelled = TaskRows.readOne(cancel);
      if (cancelled != null) {
        return new CancelResult(cancelled, CancelResult.Status.CANCELLED);
      }
      PreparedStatement get = tx.statement("task_get");
      get.setString(1, request.id().value());
      Task existing = TaskRows.readOne(get);
      return existing == null
          ? new CancelResult(null, CancelResult.Status.NOT_FOUND)
          : new CancelResult(existing, CancelResult.Status.ALREADY_FINAL);
    });
  }

  @Override
  public Optional<Task> get(TaskId id) {
    Objects.requireNonNull(id, "id");
    return readers.read("get", statements -> {
      PreparedStatement get = statements.get("task_get");
      get.setString(1, id.value());
      return Optional.ofNullable(TaskRows.readOne(get));
    });
  }

  @Override
  public List<AttemptError> errors(TaskId id) {
    Objects.requireNonNull(id, "id");
    return readers.read("errors", statements -> {
      PreparedStatement errors = statements.get("task_errors");
      errors.setString(1, id.value());
      List<AttemptError> out = new ArrayList<>();
      try (ResultSet rs = errors.executeQuery()) {
        while (rs.next()) {
          out.add(new AttemptError(rs.getInt("attempt"), Micros.toInstant(rs.getLong("at")), rs.getString("worker_id"),
              rs.getString("error")));
        }
      }
      return out;
    });
  }

  /**
   * A page walks the table from the cursor, at most {@code pageReadLimit} rows. When that leaves the
   * page short and the query names a state that at most {@code pageReadLimit} tasks are in (a rare state
   * among many tasks), the page comes from that state's index instead, full.
   */
  @Override
  public TaskPage list(TaskQuery query) {
    return readers.read("list", statements -> {
      TaskPage walked = walk(statements, query);
      String indexed = query.state() == null ? null : STATE_LISTS.get(query.state());
      if (walked.next() == null || walked.tasks().size() == query.limit() || indexed == null) {
        return walked;
      }
      TaskPage page = listByState(statements, indexed, query);
      return page != null ? page : walked;
    });
  }

  private TaskPage walk(StatementCache statements, TaskQuery query) throws SQLException {
    String cursor = query.before() == null ? AFTER_EVERY_ID : query.before().value();
    PreparedStatement list = statements.get("task_list");
    list.setString(1, cursor);
    list.setString(2, query.type());
    // One row more than asked tells whether another page follows.
    list.setInt(3, query.limit() + 1);
    list.setString(4, query.queue());
    list.setString(5, query.state() == null ? null : query.state().name());
    list.setInt(6, pageReadLimit);
    setMicros(list, 7, query.createdAfter());
    setMicros(list, 8, query.createdBefore());
    List<Task> tasks = TaskRows.readAll(list);
    if (tasks.size() > query.limit()) {
      List<Task> page = tasks.subList(0, query.limit());
      return new TaskPage(page, page.getLast().id());
    }
    // A short page: the walk ended at the table's end, or at its read limit, from where the next page goes on.
    PreparedStatement end = statements.get("task_list_scan_end");
    end.setString(1, cursor);
    end.setInt(2, pageReadLimit);
    try (ResultSet rs = end.executeQuery()) {
      rs.next();
      return new TaskPage(tasks, rs.getLong("n") < pageReadLimit ? null : TaskId.of(rs.getString("last")));
    }
  }

  /**
   * The page from the state's own index, or null if more tasks are in the state than a page may read:
   * then walking the table finds a page as soon. Reads every id of the state (with its queue and type)
   * from the index, then the rows of the newest that pass the query, until the page is full.
   */
  private TaskPage listByState(StatementCache statements, String statement, TaskQuery query) throws SQLException {
    PreparedStatement candidates = statements.get(statement);
    candidates.setInt(1, pageReadLimit + 1);
    if (statement.equals("task_list_waiting")) {
      candidates.setString(2, query.state().name());
    }
    List<String> ids = new ArrayList<>();
    int read = 0;
    try (ResultSet rs = candidates.executeQuery()) {
      while (rs.next()) {
        read++;
        String id = rs.getString("id");
        if ((query.before() == null || id.compareTo(query.before().value()) < 0)
            && (query.queue() == null || query.queue().equals(rs.getString("queue")))
            && (query.type() == null || query.type().equals(rs.getString("type")))) {
          ids.add(id);
        }
      }
    }
    if (read > pageReadLimit) {
      return null;
    }
    ids.sort(Comparator.reverseOrder());
    // One row more than the page tells whether another page follows.
    List<Task> page = new ArrayList<>();
    PreparedStatement get = statements.get("task_get");
    for (int i = 0; i < ids.size() && page.size() <= query.limit(); i++) {
      get.setString(1, ids.get(i));
      Task t = TaskRows.readOne(get);
      if (t != null && query.matches(t)) {
        page.add(t);
      }
    }
    if (page.size() <= query.limit()) {
      return new TaskPage(page, null);
    }
    List<Task> full = page.subList(0, query.limit());
    return new TaskPage(full, full.getLast().id());
  }

  private static void setMicros(PreparedStatement statement, int index, Instant value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.INTEGER);
    } else {
      statement.setLong(index, Micros.of(value));
    }
  }

  @Override
  public List<QueueInfo> queues() {
    return readers.read("queues", statements -> {
      Connection connection = statements.connection();
      // One read transaction, so the counts and the pause flags are one snapshot.
      connection.setAutoCommit(false);
      try {
        Map<String, Map<TaskState, Long>> counts = new TreeMap<>();
        countEach(statements, "queue_count_ready", TaskState.READY, counts);
        countEach(statements, "queue_count_running", TaskState.RUNNING, counts);
        countEach(statements, "queue_count_dead", TaskState.DEAD, counts);
        try (ResultSet rs = statements.get("queue_count_waiting").executeQuery()) {
          while (rs.next()) {
            Map<TaskState, Long> byState = byState(counts, rs.getString("queue"));
            putNonZero(byState, TaskState.SCHEDULED, rs.getLong("scheduled"));
            putNonZero(byState, TaskState.RETRYING, rs.getLong("retrying"));
          }
        }
        Map<String, Set<TaskState>> bounded = new HashMap<>();
        PreparedStatement finished = statements.get("queue_count_finished");
        for (String queue : readIds(statements.get("prune_queues"))) {
          for (TaskState state : List.of(TaskState.SUCCEEDED, TaskState.CANCELLED)) {
            finished.setString(1, queue);
            finished.setString(2, state.name());
            finished.setLong(3, FINISHED_COUNT_BOUND);
            try (ResultSet rs = finished.executeQuery()) {
              rs.next();
              long n = rs.getLong(1);
              putNonZero(byState(counts, queue), state, n);
              if (n >= FINISHED_COUNT_BOUND) {
                bounded.computeIfAbsent(queue, q -> EnumSet.noneOf(TaskState.class)).add(state);
              }
            }
          }
        }
        Map<String, Boolean> paused = new HashMap<>();
        Map<String, QueueLimits> limits = new HashMap<>();
        try (ResultSet rs = statements.get("queue_flags").executeQuery()) {
          while (rs.next()) {
            String queue = rs.getString("queue");
            paused.put(queue, rs.getInt("paused") != 0);
            limits.put(queue, limits(rs));
            byState(counts, queue);
          }
        }
        long now = Micros.of(clock.instant());
        PreparedStatement oldest = statements.get("queue_oldest_ready");
        List<QueueInfo> queues = new ArrayList<>(counts.size());
        for (Map.Entry<String, Map<TaskState, Long>> e : counts.entrySet()) {
          String queue = e.getKey();
          Instant oldestReadyAt = null;
          if (e.getValue().containsKey(TaskState.READY) || e.getValue().containsKey(TaskState.SCHEDULED)
              || e.getValue().containsKey(TaskState.RETRYING)) {
            oldest.setString(1, queue);
            oldest.setLong(2, now);
            try (ResultSet rs = oldest.executeQuery()) {
              rs.next();
              long at = rs.getLong("oldest");
              oldestReadyAt = at == Long.MAX_VALUE ? null : Micros.toInstant(at);
            }
          }
          queues.add(new QueueInfo(queue, e.getValue(), paused.getOrDefault(queue, false),
              limits.getOrDefault(queue, QueueLimits.NONE), oldestReadyAt, bounded.getOrDefault(queue, Set.of())));
        }
        return queues;
      } finally {
        connection.commit();
        connection.setAutoCommit(true);
      }
    });
  }

  /** Reads {@code queue, n} rows of a per-state count into {@code counts}. */
  private static void countEach(StatementCache statements, String statement, TaskState state,
      Map<String, Map<TaskState, Long>> counts) throws SQLException {
    try (ResultSet rs = statements.get(statement).executeQuery()) {
      while (rs.next()) {
        putNonZero(byState(counts, rs.getString("queue")), state, rs.getLong("n"));
      }
    }
  }

  private static Map<TaskState, Long> byState(Map<String, Map<TaskState, Long>> counts, String queue) {
    return counts.computeIfAbsent(queue, q -> new EnumMap<>(TaskState.class));
  }

  private static void putNonZero(Map<TaskState, Long> byState, TaskState state, long n) {
    if (n > 0) {
      byState.put(state, n);
    }
  }

  @Override
  public void pauseQueue(QueuePauseRequest request) {
    writer.submit("pause queue", tx -> {
      PreparedStatement pause = tx.statement("queue_set_paused");
      pause.setString(1, request.queue());
      pause.setInt(2, request.paused() ? 1 : 0);
      pause.setLong(3, Micros.of(tx.now()));
      pause.executeUpdate();
      tx.wake(request.queue());
      return null;
    });
  }

  private static QueueLimits limits(ResultSet rs) throws SQLException {
    Integer maxRunning = rs.getObject("max_running") == null ? null : rs.getInt("max_running");
    Double rate = rs.getObject("rate_per_second") == null ? null : rs.getDouble("rate_per_second");
    Integer burst = rs.getObject("burst") == null ? null : rs.getInt("burst");
    return new QueueLimits(maxRunning, rate, burst);
  }

  @Override
  public void limitQueue(QueueLimitsRequest request) {
    writer.submit("limit queue", tx -> {
      QueueLimits limits = request.limits();
      PreparedStatement set = tx.statement("queue_set_limits");
      set.setString(1, request.queue());
      set.setLong(2, Micros.of(tx.now()));
      setNullable(set, 3, limits.maxRunning(), Types.INTEGER);
      setNullable(set, 4, limits.ratePerSecond(), Types.REAL);
      setNullable(set, 5, limits.burst(), Types.INTEGER);
      set.executeUpdate();
      tx.wake(request.queue());
      return null;
    });
  }

  @Override
  public StoredSchedule putSchedule(SchedulePutRequest request) {
    return writer.submit("put schedule", tx -> {
      PreparedStatement put = tx.statement("schedule_put");
      put.setString(1, request.name());
      put.setBytes(2, request.definition().bytesUnsafe());
      put.setLong(3, Micros.of(tx.now()));
      try (ResultSet rs = put.executeQuery()) {
        rs.next();
        return new StoredSchedule(request.name(), request.definition(), rs.getLong("version"),
            Micros.toInstant(rs.getLong("updated_at")));
      }
    });
  }

  @Override
  public boolean deleteSchedule(String name) {
    Names.require("name", name);
    return writer.submit("delete schedule", tx -> {
      PreparedStatement delete = tx.statement("schedule_delete");
      delete.setString(1, name);
      return delete.executeUpdate() > 0;
    });
  }

  @Override
  public List<StoredSchedule> storedSchedules() {
    return readers.read("stored schedules", statements -> {
      List<StoredSchedule> out = new ArrayList<>();
      try (ResultSet rs = statements.get("schedule_list").executeQuery()) {
        while (rs.next()) {
          out.add(new StoredSchedule(rs.getString("name"), Json.ofTrusted(rs.getBytes("definition")),
              rs.getLong("version"), Micros.toInstant(rs.getLong("updated_at"))));
        }
      }
      return out;
    });
  }

  private static void setNullable(PreparedStatement statement, int index, Object value, int type)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, type);
    } else {
      statement.setObject(index, value);
    }
  }

  @Override
  public int replayDead(DeadFilter filter) {
    return writer.submit("replay dead", tx -> {
      PreparedStatement replay = deadStatement(tx, filter, "dead_replay_by_id", "dead_replay");
      replay.setLong(filter.id() != null ? 4 : 3, Micros.of(tx.now()));
      int replayed = replay.executeUpdate();
      if (replayed > 0) {
        tx.wakeAll();
      }
      return replayed;
    });
  }

  @Override
  public int purgeDead(DeadFilter filter) {
    return writer.submit("purge dead", tx -> {
      List<String> purged = readIds(deadStatement(tx, filter, "dead_purge_by_id", "dead_purge"));
      runForEach(tx.statement("task_errors_delete"), purged);
      return purged.size();
    });
  }

  /** The by-id statement if the filter names an id (a key look-up), else the filtered one; bound. */
  private static PreparedStatement deadStatement(WriteContext tx, DeadFilter filter, String byId, String filtered)
      throws SQLException {
    PreparedStatement statement;
    int next = 1;
    if (filter.id() != null) {
      statement = tx.statement(byId);
      statement.setString(next++, filter.id().value());
    } else {
      statement = tx.statement(filtered);
    }
    statement.setString(next++, filter.queue());
    statement.setString(next, filter.type());
    return statement;
  }

  /** Each queue's oldest finished tasks, queue by queue and state by state, up to the request's limit in all. */
  @Override
  public int prune(PruneRequest request) {
    return writer.submit("prune", tx -> {
      int left = request.limit();
      PreparedStatement prune = tx.statement("prune");
      for (String queue : readIds(tx.statement("prune_queues"))) {
        for (TaskState state : List.of(TaskState.SUCCEEDED, TaskState.CANCELLED)) {
          if (left == 0) {
            break;
          }
          prune.setString(1, queue);
          prune.setString(2, state.name());
          prune.setLong(3, Micros.of(request.finishedBefore()));
          prune.setInt(4, left);
          List<String> pruned = readIds(prune);
          runForEach(tx.statement("task_errors_delete"), pruned);
          left -= pruned.size();
        }
      }
      return request.limit() - left;
    });
  }

  /**
   * Returns at once if a waited queue has claimable work; otherwise waits for a commit that signals one
   * of the queues, for the next delayed task or lease expiry in them, or for {@code maxWait}.
   */
  @Override
  public void awaitWork(WaitRequest request) throws InterruptedException {
    // The version is read before the database, so a commit after the look still wakes this wait.
    long seen = signal.version(request.queues());
    long waitNanos = Math.min(Micros.nanos(request.maxWait()), untilWork(request).toNanos());
    if (waitNanos <= 0) {
      return;
    }
    signal.await(request.queues(), seen, System.nanoTime() + waitNanos);
  }

  /**
   * Zero if work is claimable now in a waited queue, else how long until some may be: at most a day, so
   * the deadline arithmetic never overflows and a waiter with nothing in sight still looks again daily.
   */
  private Duration untilWork(WaitRequest request) {
    return readers.read("await work", statements -> {
      long now = Micros.of(clock.instant());
      long next = Long.MAX_VALUE;
      PreparedStatement outlook = statements.get("queue_outlook");
      for (String queue : request.queues()) {
        outlook.setString(1, queue);
        try (ResultSet rs = outlook.executeQuery()) {
          rs.next();
          if (rs.getInt("paused") != 0) {
            continue;
          }
          if (rs.getInt("ready") != 0) {
            if (rs.getInt("limited") == 0) {
              return Duration.ZERO;
            }
            // Held back by its limits, perhaps: look again when a token may have come or a slot freed.
            next = Math.min(next, now + LIMIT_RECHECK_MICROS);
          }
          long due = rs.getLong("next_due");
          if (!rs.wasNull()) {
            next = Math.min(next, due);
          }
          long expiry = rs.getLong("next_expiry");
          if (!rs.wasNull()) {
            next = Math.min(next, expiry);
          }
        }
      }
      if (next == Long.MAX_VALUE) {
        return Duration.ofDays(1);
      }
      return next <= now ? Duration.ZERO : Duration.of(next - now, ChronoUnit.MICROS);
    });
  }

  @Override
  public void ping() {
    if (closed.get() || !writer.isRunning()) {
      throw StoreErrors.closed(name);
    }
    readers.read("ping", statements -> statements.get("ping").execute());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try (DirectoryLock held = lock; ReadPool r = readers; GroupCommitWriter w = writer) {
      // try-with-resources closes in reverse: the writer finishes first, then readers, then the lock.
      LOG.info("{}: closing", name);
      // Waiters return now rather than at their maxWait; their next call finds the store closed.
      signal.signal(List.of(), true);
    }
  }

  /** Options of a {@link SqliteStore}; each setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private final Path directory;
    private Clock clock = Clock.systemUTC();
    private Duration busyTimeout = Duration.ofSeconds(5);
    private int readConnections = 4;
    private int maxGroupSize = 1_000;
    private int pageReadLimit = 10_000;

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** The clock leases, delays and timestamps are measured on; system UTC by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How long a connection waits for a lock SQLite holds briefly (checkpoints); 5 s by default. */
    public Builder busyTimeout(Duration busyTimeout) {
      if (busyTimeout == null || busyTimeout.isNegative()) {
        throw new IllegalArgumentException("busyTimeout must not be negative: " + busyTimeout);
      }
      this.busyTimeout = busyTimeout;
      return this;
    }

    /** How many read connections may be open at once; 4 by default. */
    public Builder readConnections(int readConnections) {
      if (readConnections < 1) {
        throw new IllegalArgumentException("readConnections must be positive: " + readConnections);
      }
      this.readConnections = readConnections;
      return this;
    }

    /** The most write requests one transaction takes; 1,000 by default. */
    public Builder maxGroupSize(int maxGroupSize) {
      if (maxGroupSize < 1) {
        throw new IllegalArgumentException("maxGroupSize must be positive: " + maxGroupSize);
      }
      this.maxGroupSize = maxGroupSize;
      return this;
    }

    /**
     * The most tasks one list page reads past its cursor, 10,000 by default (a few milliseconds): a
     * selective search on millions of tasks then answers in short pages instead of one long scan.
     */
    public Builder pageReadLimit(int pageReadLimit) {
      if (pageReadLimit < 1) {
        throw new IllegalArgumentException("pageReadLimit must be positive: " + pageReadLimit);
      }
      this.pageReadLimit = pageReadLimit;
      return this;
    }

    /** Locks the directory, opens the database, brings its schema up to date and starts the writer. */
    public SqliteStore build() {
      DirectoryLock lock = DirectoryLock.acquire(directory);
      String name = "sqlite store " + lock.directory();
      SqlStatements sql = SqlStatements.load(SqliteStore.class, "store.sql");
      SqliteConnections connections = new SqliteConnections(lock.directory().resolve(DATABASE_FILE), busyTimeout);
      StatementCache writerStatements = null;
      try {
        writerStatements = new StatementCache(connections.openWriter(), sql);
        Migrations migrations = Migrations.load(SqliteStore.class);
        int from = migrations.apply(name, writerStatements, clock);
        WorkSignal signal = new WorkSignal();
        GroupCommitWriter writer = new GroupCommitWriter(name, writerStatements, clock, signal, maxGroupSize);
        ReadPool readers = new ReadPool(name, sql, connections::openReader, readConnections);
        LOG.info("{}: open, schema version {}{}", name, migrations.latest(),
            from == migrations.latest() ? "" : " (migrated from " + from + ")");
        LOG.debug("{}: clock {}, busy timeout {}, {} read connections, groups of up to {} writes, pages read up to {}",
            name, clock, busyTimeout, readConnections, maxGroupSize, pageReadLimit);
        return new SqliteStore(name, clock, lock, writer, readers, signal, pageReadLimit);
      } catch (SQLException e) {
        throw abandon(writerStatements, lock, StoreErrors.unavailable(name, "open", e));
      } catch (RuntimeException e) {
        throw abandon(writerStatements, lock, e);
      }
    }

    /** Undoes a failed open: closes what was opened and unlocks; returns {@code failure} to throw. */
    private static RuntimeException abandon(StatementCache writerStatements, DirectoryLock lock,
        RuntimeException failure) {
      if (writerStatements != null) {
        try {
          writerStatements.close();
        } catch (SQLException suppressed) {
          failure.addSuppressed(suppressed);
        }
      }
      lock.close();
      return failure;
    }
  }
}
