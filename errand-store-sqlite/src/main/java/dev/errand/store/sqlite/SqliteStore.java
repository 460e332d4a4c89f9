package dev.errand.store.sqlite;

import dev.errand.core.AttemptError;
import dev.errand.core.Names;
import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.TaskId;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroupStore;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueuePauseRequest;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.SqlStatements;
import dev.errand.core.spi.StoredSchedule;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WaitRequest;
import dev.errand.core.spi.WakeUpStore;
import dev.errand.core.spi.WorkflowInsert;
import dev.errand.core.spi.WorkflowInsertResult;
import dev.errand.core.spi.WorkflowResolver;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.store.sqlite.internal.ClaimHorizon;
import dev.errand.store.sqlite.internal.Claims;
import dev.errand.store.sqlite.internal.DirectoryLock;
import dev.errand.store.sqlite.internal.GroupCommitWriter;
import dev.errand.store.sqlite.internal.Housekeeping;
import dev.errand.store.sqlite.internal.LeaseSweeps;
import dev.errand.store.sqlite.internal.Migrations;
import dev.errand.store.sqlite.internal.OpenCheck;
import dev.errand.store.sqlite.internal.QueueControl;
import dev.errand.store.sqlite.internal.ReadPool;
import dev.errand.store.sqlite.internal.ScheduleStatements;
import dev.errand.store.sqlite.internal.SqliteConnections;
import dev.errand.store.sqlite.internal.StatementCache;
import dev.errand.store.sqlite.internal.StoreErrors;
import dev.errand.store.sqlite.internal.TaskReads;
import dev.errand.store.sqlite.internal.TaskWrites;
import dev.errand.store.sqlite.internal.WorkSignal;
import dev.errand.store.sqlite.internal.WorkWait;
import dev.errand.store.sqlite.internal.WorkflowReads;
import dev.errand.store.sqlite.internal.WorkflowWrites;
import dev.errand.store.sqlite.internal.WriteContext;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
public final class SqliteStore implements TaskStore, ScheduleStore, QueueLimitStore, WakeUpStore, WorkflowStore,
    DeadGroupStore {
  public static final String DATABASE_FILE = "errand.db";

  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

  /**
   * SUCCEEDED and CANCELLED tasks of one queue are counted up to this many (a range of the finished index,
   * well under a millisecond); more are reported as at least this many.
   */
  static final long FINISHED_COUNT_BOUND = 10_000;

  private final String name;
  private final StoreErrors errors;
  private final DirectoryLock lock;
  private final GroupCommitWriter writer;
  private final ReadPool readers;
  private final WorkSignal signal;
  private final TaskWrites writes;
  private final WorkflowWrites workflowWrites;
  private final Claims claims;
  private final Housekeeping housekeeping = new Housekeeping();
  private final LeaseSweeps sweeps;
  private final QueueControl queueControl = new QueueControl();
  private final ScheduleStatements schedules = new ScheduleStatements();
  private final TaskReads reads;
  private final WorkWait workWait;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteStore(StoreErrors errors, Clock clock, DirectoryLock lock, GroupCommitWriter writer,
      ReadPool readers, WorkSignal signal, int pageReadLimit) {
    this.name = errors.store();
    this.errors = errors;
    this.lock = lock;
    this.writer = writer;
    this.readers = readers;
    this.signal = signal;
    ClaimHorizon horizon = new ClaimHorizon(); // the writer thread's, shared by the writes that move it
    this.writes = new TaskWrites(horizon);
    this.workflowWrites = new WorkflowWrites(writes);
    this.claims = new Claims(horizon);
    this.sweeps = new LeaseSweeps(horizon);
    this.reads = new TaskReads(clock, pageReadLimit);
    this.workWait = new WorkWait(readers, signal, clock);
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
    if (request.claimFor() != null) {
      return writer.submit("insert", tx -> insertClaiming(tx, request.tasks().get(0), request.claimFor()));
    }
    return writer.submit("insert", tx -> writes.insert(tx, request.tasks()));
  }

  /**
   * The insert of a task offered to an idle worker (InsertRequest#claimFor): in the same transaction, the
   * worker's claim when it would take this task first, which then wakes nobody.
   */
  private InsertResult insertClaiming(WriteContext tx, NewTask task, ClaimRequest claimFor) throws SQLException {
    boolean takesIt = claims.takesNextInsert(tx, task.queue());
    InsertResult inserted = writes.insert(tx, List.of(task), !takesIt);
    InsertResult.Outcome o = inserted.outcomes().get(0);
    if (!takesIt || !o.created() || o.task().state() != TaskState.READY) {
      return inserted;
    }
    List<Task> claimed = claims.claim(tx, claimFor).tasks();
    if (claimed.size() != 1 || !claimed.get(0).id().equals(task.id())) {
      // The look above said the new task was the only one to claim; rolling back keeps that a promise.
      throw new IllegalStateException("the claim at insert of " + task.id() + " took " + claimed);
    }
    return new InsertResult(List.of(new InsertResult.Outcome(claimed.get(0), true)));
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return writer.submitUnsynced("claim", tx -> claims.claim(tx, request));
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    if (request.leases().isEmpty()) {
      return new ExtendResult(Map.of(), List.of());
    }
    return writer.submitUnsynced("extend", tx -> writes.extend(tx, request));
  }

  @Override
  public SweepResult sweepExpiredLeases(SweepRequest request) {
    return writer.submit("sweep", tx -> {
      SweepResult result = sweeps.sweep(tx, request);
      workflowWrites.finished(tx, () -> WorkflowResolver.finalStates(result));
      return result;
    });
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    if (request.completions().isEmpty()) {
      return new CompleteResult(List.of(), List.of());
    }
    return writer.submit("complete", tx -> {
      CompleteResult result = writes.complete(tx, request);
      workflowWrites.finished(tx, () -> WorkflowResolver.finalStates(request, result));
      return result;
    });
  }

  @Override
  public CancelResult cancel(CancelRequest request) {
    return writer.submit("cancel", tx -> {
      CancelResult result = writes.cancel(tx, request.id());
      workflowWrites.finished(tx, () -> WorkflowResolver.finalStates(result));
      return result;
    });
  }

  @Override
  public WorkflowInsertResult insertWorkflow(WorkflowInsert insert) {
    Objects.requireNonNull(insert, "insert");
    return writer.submit("insert workflow", tx -> workflowWrites.insert(tx, insert));
  }

  @Override
  public Optional<WorkflowInfo> workflow(String id) {
    Objects.requireNonNull(id, "id");
    return readers.read("workflow", statements -> WorkflowReads.workflow(statements, id));
  }

  @Override
  public Optional<WorkflowInfo> cancelWorkflow(String id) {
    Objects.requireNonNull(id, "id");
    boolean known = writer.submit("cancel workflow", tx -> workflowWrites.cancel(tx, id));
    return known ? workflow(id) : Optional.empty();
  }

  @Override
  public Map<TaskId, List<ParentResult>> parents(List<TaskId> tasks) {
    if (tasks.isEmpty()) {
      return Map.of();
    }
    return readers.read("parents", statements -> WorkflowReads.parents(statements, tasks));
  }

  @Override
  public Optional<Task> get(TaskId id) {
    Objects.requireNonNull(id, "id");
    return readers.read("get", statements -> reads.get(statements, id));
  }

  @Override
  public List<AttemptError> errors(TaskId id) {
    Objects.requireNonNull(id, "id");
    return readers.read("errors", statements -> reads.errors(statements, id));
  }

  /**
   * A page walks the table from the cursor, at most {@code pageReadLimit} rows; a short page for a rare
   * state comes from that state's index instead, full.
   */
  @Override
  public TaskPage list(TaskQuery query) {
    return readers.read("list", statements -> reads.list(statements, query));
  }

  /** Reads the index of the dead tasks' error lines only (migration 10). */
  @Override
  public DeadGroups deadGroups(DeadGroupQuery query) {
    Objects.requireNonNull(query, "query");
    return readers.read("deadGroups", statements -> reads.deadGroups(statements, query));
  }

  @Override
  public DuePage listDue(DueQuery query) {
    Objects.requireNonNull(query, "query");
    return readers.read("listDue", statements -> reads.listDue(statements, query));
  }

  @Override
  public List<QueueInfo> queues() {
    return readers.read("queues", statements -> reads.queues(statements, FINISHED_COUNT_BOUND));
  }

  @Override
  public void pauseQueue(QueuePauseRequest request) {
    writer.submit("pause queue", tx -> {
      queueControl.pause(tx, request);
      return null;
    });
  }

  @Override
  public void limitQueue(QueueLimitsRequest request) {
    writer.submit("limit queue", tx -> {
      queueControl.limit(tx, request);
      return null;
    });
  }

  @Override
  public StoredSchedule putSchedule(SchedulePutRequest request) {
    return writer.submit("put schedule", tx -> schedules.put(tx, request));
  }

  @Override
  public boolean deleteSchedule(String name) {
    Names.require("name", name);
    return writer.submit("delete schedule", tx -> schedules.delete(tx, name));
  }

  @Override
  public List<StoredSchedule> storedSchedules() {
    return readers.read("stored schedules", schedules::list);
  }

  @Override
  public int runNow(RunNowRequest request) {
    Objects.requireNonNull(request, "request");
    return writer.submit("run now", tx -> housekeeping.runNow(tx, request));
  }

  @Override
  public int replayDead(DeadFilter filter) {
    return writer.submit("replay dead", tx -> {
      List<TaskId> replayed = housekeeping.replayDead(tx, filter);
      workflowWrites.replayed(tx, replayed);
      return replayed.size();
    });
  }

  @Override
  public int purgeDead(DeadFilter filter) {
    return writer.submit("purge dead", tx -> housekeeping.purgeDead(tx, filter));
  }

  /** Each queue's oldest finished tasks, queue by queue and state by state, up to the request's limit in all. */
  @Override
  public int prune(PruneRequest request) {
    return writer.submit("prune", tx -> {
      int pruned = housekeeping.prune(tx, request);
      workflowWrites.prune(tx, request.finishedBefore(), request.limit());
      return pruned;
    });
  }

  /**
   * Returns at once if a waited queue has claimable work; otherwise waits for a commit that signals one
   * of the queues (a sweep that takes a lease back is one), for the next delayed task in them, or for
   * {@code maxWait}.
   */
  @Override
  public void awaitWork(WaitRequest request) throws InterruptedException {
    workWait.await(request);
  }

  /**
   * Fails while the store cannot serve: closed, its file seen damaged, or its writes failing since a
   * write found no room (then a probe write that takes a page and gives it back tells whether there is
   * room again, so readiness returns without waiting for traffic).
   */
  @Override
  public void ping() {
    if (closed.get() || !writer.isRunning()) {
      throw errors.closed();
    }
    errors.requireIntact();
    readers.read("ping", statements -> statements.get("ping").execute());
    if (writer.writeFailure() != null) {
      writer.probe();
    }
  }

  /**
   * Test hook: limits the database file to {@code pages} pages (at least its size now) on the write
   * connection, to make SQLite answer as on a full disk; a larger number gives room again.
   */
  void limitPages(long pages) {
    writer.submit("limit pages", tx -> {
      tx.maxPageCount(pages);
      return null;
    });
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
    private Duration openCheckBudget = Duration.ofSeconds(2);

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

    /**
     * How long the check of the file at open ({@code PRAGMA quick_check}) may run, 2 s by default (about
     * a gigabyte on a fast disk); a larger file is checked only in part. Zero skips the check.
     */
    public Builder openCheckBudget(Duration openCheckBudget) {
      if (openCheckBudget == null || openCheckBudget.isNegative()) {
        throw new IllegalArgumentException("openCheckBudget must not be negative: " + openCheckBudget);
      }
      this.openCheckBudget = openCheckBudget;
      return this;
    }

    /** Locks the directory, opens the database, brings its schema up to date and starts the writer. */
    public SqliteStore build() {
      DirectoryLock lock = DirectoryLock.acquire(directory);
      String name = "sqlite store " + lock.directory();
      Path file = lock.directory().resolve(DATABASE_FILE);
      StoreErrors errors = new StoreErrors(name, file);
      SqlStatements sql = SqlStatements.load(SqliteStore.class, "store.sql");
      SqliteConnections connections = new SqliteConnections(file, busyTimeout);
      StatementCache writerStatements = null;
      try {
        writerStatements = new StatementCache(connections.openWriter(), sql);
        OpenCheck.run(errors, writerStatements, openCheckBudget);
        Migrations migrations = Migrations.load(SqliteStore.class);
        int from = migrations.apply(name, writerStatements, clock);
        WorkSignal signal = new WorkSignal();
        GroupCommitWriter writer = new GroupCommitWriter(errors, writerStatements, clock, signal, maxGroupSize);
        ReadPool readers = new ReadPool(errors, sql, connections::openReader, readConnections);
        LOG.info("{}: open, schema version {}{}", name, migrations.latest(),
            from == migrations.latest() ? "" : " (migrated from " + from + ")");
        LOG.debug("{}: clock {}, busy timeout {}, {} read connections, groups of up to {} writes, pages read up to {},"
            + " open check budget {}", name, clock, busyTimeout, readConnections, maxGroupSize, pageReadLimit,
            openCheckBudget);
        return new SqliteStore(errors, clock, lock, writer, readers, signal, pageReadLimit);
      } catch (SQLException e) {
        throw abandon(writerStatements, lock, errors.failed("open", e));
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
