package dev.errand.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.errand.core.AttemptError;
import dev.errand.core.Names;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.StoreUnreachableException;
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
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroupStore;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.JdbcTransactionalStore;
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
import dev.errand.core.spi.WorkflowResolver;
import dev.errand.core.spi.WorkflowStore;
import dev.errand.core.workflow.ParentResult;
import dev.errand.core.workflow.WorkflowInfo;
import dev.errand.store.postgres.internal.ConnectionSource;
import dev.errand.store.postgres.internal.ConnectionUrl;
import dev.errand.store.postgres.internal.Failures;
import dev.errand.store.postgres.internal.GroupInserter;
import dev.errand.store.postgres.internal.Migrator;
import dev.errand.store.postgres.internal.NotificationListener;
import dev.errand.store.postgres.internal.OwnNotifications;
import dev.errand.store.postgres.internal.ScheduleStatements;
import dev.errand.store.postgres.internal.SqlWork;
import dev.errand.store.postgres.internal.StoreSql;
import dev.errand.store.postgres.internal.TaskStatements;
import dev.errand.store.postgres.internal.WorkSignals;
import dev.errand.store.postgres.internal.WorkflowStatements;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL {@link TaskStore}: many Errand nodes share one database. Claims are one
 * {@code FOR UPDATE SKIP LOCKED} statement per batch, completions and heartbeats one {@code unnest}
 * statement per batch, all fenced by lease token; lease times are the database's clock. Enqueues can
 * join the caller's JDBC transaction ({@link JdbcTransactionalStore}), and wake idle workers through
 * LISTEN/NOTIFY, sent from the inserting transaction so that a rolled-back enqueue wakes no one. An
 * enqueue in the store's own transaction also wakes this process's workers itself once it has committed,
 * and concurrent ones share a statement and a commit.
 *
 * <p>Tables live in one schema (default {@value #DEFAULT_SCHEMA}), created and upgraded by numbered
 * migrations when the store is built; nodes starting at once serialize on an advisory lock.
 *
 * <p>Build it from a {@link DataSource} you own ({@link #of(DataSource)}; the store never closes it and
 * holds one of its connections for LISTEN while anyone waits for work), or from a URL
 * ({@link #of(String)}: {@code postgres://user:password@host:port/database}, {@code postgresql://...} or
 * {@code jdbc:postgresql:...}, each optionally with {@code ?schema=NAME}), in which case it runs its own
 * HikariCP pool and a dedicated LISTEN connection, and closes both on {@link #close}.
 *
 * <p>Every failure to reach or use the database throws {@link StoreUnavailableException}; a call that
 * threw may or may not have taken effect, a call that returned has committed. Thread-safe.
 */
public final class PostgresStore
    implements TaskStore, JdbcTransactionalStore, ScheduleStore, QueueLimitStore, WakeUpStore, WorkflowStore,
    DeadGroupStore {
  public static final String DEFAULT_SCHEMA = "errand";
  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);
  /**
   * Rows per prune or purge statement: each holds its row locks for milliseconds, so it never blocks
   * claims or completions for long, however much there is to delete.
   */
  private static final int DELETE_BATCH = 1000;
  /**
   * SUCCEEDED and CANCELLED tasks of one queue are counted up to this many (a range of the finished
   * index, a few milliseconds); more are reported as at least this many.
   */
  static final long FINISHED_COUNT_BOUND = 10_000;
  /** The default socket timeout of the own pool's connections (a URL's {@code socketTimeout} wins). */
  static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);
  /** How long a call waits for a pooled connection unless the builder or the URL says otherwise. */
  static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
  /** The longest awaitWork waits for the LISTEN connection before falling back to polling. */
  private static final long LISTEN_START_NANOS = Duration.ofSeconds(2).toNanos();

  private final String name;
  private final DataSource dataSource;
  private final HikariDataSource ownPool;
  private final StoreSql sql;
  private final TaskStatements statements;
  private final ScheduleStatements schedules;
  private final WorkflowStatements workflows;
  private final WorkSignals signals = new WorkSignals();
  private final OwnNotifications ownNotifications = new OwnNotifications();
  private final GroupInserter inserter;
  private final NotificationListener listener;
  private final int pageReadLimit;
  private final AtomicBoolean closed = new AtomicBoolean();

  private PostgresStore(Builder b) {
    this.pageReadLimit = b.pageReadLimit;
    this.sql = StoreSql.forSchema(b.effectiveSchema());
    this.name = "postgres:" + sql.schema();
    this.statements = new TaskStatements(sql);
    this.workflows = new WorkflowStatements(sql, statements);
    this.schedules = new ScheduleStatements(sql);
    this.inserter = new GroupInserter(name, tasks -> insertAndWake(tasks, null), Failures::isOwnData);
    ConnectionSource listenSource;
    if (b.dataSource != null) {
      this.dataSource = b.dataSource;
      this.ownPool = null;
      listenSource = b.dataSource::getConnection;
    } else {
      ConnectionUrl url = ConnectionUrl.parse(b.url);
      this.ownPool = pool(url, b);
      this.dataSource = ownPool;
      listenSource = () -> DriverManager.getConnection(url.jdbcUrl(), listenProperties(url));
    }
    this.listener = new NotificationListener(name, listenSource, sql, signals, ownNotifications);
    log.debug("{}: schema {}, {}, migrate {}, pages read up to {}", name, sql.schema(), ownPool == null
        ? "caller's DataSource"
        : "own pool of " + b.maximumPoolSize + " with a " + ownPool.getConnectionTimeout() + " ms connection timeout",
        b.migrate,
        b.pageReadLimit);
    if (b.migrate) {
      try {
        int version = withConnection("migrate", c -> {
          // A migration may build an index on a large table: no socket timeout while it runs (the pool
          // restores the connection's own when it comes back).
          c.setNetworkTimeout(Runnable::run, 0);
          return Migrator.migrate(name, c, sql);
        });
        log.info("{}: ready, schema {} at version {}", name, sql.schema(), version);
      } catch (RuntimeException e) {
        closePool();
        throw e;
      }
    }
  }

  private HikariDataSource pool(ConnectionUrl url, Builder b) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("errand-" + sql.schema());
    config.setJdbcUrl(url.jdbcUrl());
    if (url.user() != null) {
      config.setUsername(url.user());
    }
    if (url.password() != null) {
      config.setPassword(url.password());
    }
    config.setMaximumPoolSize(b.maximumPoolSize);
    config.setConnectionTimeout(b.effectiveConnectionTimeout(url).toMillis());
    config.addDataSourceProperty("tcpKeepAlive", "true");
    // Bounds a statement's wait on a database that stopped answering without closing the connection (a
    // stalled network), which would otherwise hold the caller forever; a URL's socketTimeout wins.
    config.addDataSourceProperty("socketTimeout", Long.toString(DEFAULT_SOCKET_TIMEOUT.toSeconds()));
    config.addDataSourceProperty("ApplicationName", "errand");
    // Errand's statements are short index lookups; JIT compiling them costs far more than it saves.
    config.addDataSourceProperty("options", "-c jit=off");
    try {
      return new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException e) {
      throw new StoreUnreachableException(name + ": cannot connect to " + url.jdbcUrl() + ": " + e.getMessage(), e);
    }
  }

  private static Properties listenProperties(ConnectionUrl url) {
    Properties p = url.credentials();
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "errand-listen");
    // Bounds the liveness probe's wait on a peer that vanished without closing the socket.
    p.setProperty("socketTimeout", "30");
    p.setProperty("connectTimeout", "5");
    return p;
  }

  /** A store on a DataSource the caller owns, in the default schema. */
  public static PostgresStore of(DataSource dataSource) {
    return builder().dataSource(dataSource).build();
  }

  /** A store with its own pool to {@code url}, in the schema the url names ({@code ?schema=}), else the default. */
  public static PostgresStore of(String url) {
    return builder().url(url).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "postgres";
  }

  /**
   * Concurrent small requests share one statement and one commit ({@link GroupInserter}); a request on
   * an idle store goes at once. This process's waiters on the queues that got tasks are woken as soon as
   * the insert has committed, without waiting for the notification's trip through the database, which
   * still goes to the other nodes. A task offered to an idle worker ({@link InsertRequest#claimFor}) may be
   * leased to it by the insert when the insert goes alone; one that joins a group is inserted plainly, so
   * that a burst of single enqueues still shares statements and commits.
   */
  @Override
  public InsertResult insertMany(InsertRequest request) {
    if (request.tasks().isEmpty()) {
      return new InsertResult(List.of());
    }
    if (request.claimFor() != null) {
      return inserter.insert(request.tasks(), () -> insertAndWake(request.tasks(), request.claimFor()));
    }
    return inserter.insert(request.tasks());
  }

  /**
   * One insert in the store's own transaction, which wakes this process's waiters once it has committed;
   * a task it leased to {@code claimFor} (null: none) wakes nobody.
   */
  private InsertResult insertAndWake(List<NewTask> tasks, ClaimRequest claimFor) {
    // Auto-commit: the insert is one statement, so one round trip commits the whole batch atomically.
    return withConnection("insert", c -> {
      int backend = backendOf(c);
      Set<String> queues = new LinkedHashSet<>();
      tasks.forEach(t -> queues.add(t.queue()));
      ownNotifications.expect(backend, queues);
      InsertResult result;
      try {
        result = statements.insert(c, tasks, claimFor);
      } catch (SQLException | RuntimeException e) {
        // It may have committed all the same (a lost answer); waking for nothing costs only an empty claim.
        ownNotifications.forget(backend, queues);
        queues.forEach(signals::signal);
        throw e;
      }
      // A queue that got no task got no notification: its expectation is forgotten, and if an older
      // notification of this backend used it up meanwhile, that one's waiters are woken here.
      Set<String> silent = new LinkedHashSet<>(queues);
      for (InsertResult.Outcome o : result.outcomes()) {
        if (o.created() && o.task().state() != TaskState.RUNNING && silent.remove(o.task().queue())) {
          signals.signal(o.task().queue());
        }
      }
      ownNotifications.forget(backend, silent).forEach(signals::signal);
      return result;
    });
  }

  /** The process id of the connection's backend, which its notifications carry; unknown behind a foreign wrapper. */
  private static int backendOf(Connection c) throws SQLException {
    return c.isWrapperFor(PGConnection.class)
        ? c.unwrap(PGConnection.class).getBackendPID()
        : OwnNotifications.UNKNOWN_BACKEND;
  }

  @Override
  public InsertResult insertMany(Connection connection, InsertRequest request) {
    Objects.requireNonNull(connection, "connection");
    if (request.tasks().isEmpty()) {
      return new InsertResult(List.of());
    }
    return onCallerConnection("insert", connection, c -> statements.insert(c, request.tasks()));
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    // Read before the claim runs: a notification that arrives after this point wakes the next wait.
    long version = signals.version(request.queue());
    List<Task> tasks = withConnection("claim", c -> statements.claim(c, request));
    // Fewer than asked: the claim found no more ready or due tasks (a queue's flow limits may also have
    // held it back, which only a later claim can tell; the wait polls for those as after an empty claim).
    boolean drained = tasks.size() < request.limit();
    if (drained) {
      signals.claimedAll(request.queue(), version);
    }
    return new ClaimResult(tasks, drained);
  }

  @Override
  public ExtendResult extendMany(ExtendRequest request) {
    if (request.leases().isEmpty()) {
      return new ExtendResult(Map.of(), List.of());
    }
    return withConnection("extend", c -> statements.extend(c, request));
  }

  @Override
  public SweepResult sweepExpiredLeases(SweepRequest request) {
    return inTransaction("sweep", c -> {
      SweepResult result = statements.sweep(c, request);
      workflows.finished(c, WorkflowResolver.finalStates(result));
      return result;
    });
  }

  @Override
  public CompleteResult completeMany(CompleteRequest request) {
    if (request.completions().isEmpty()) {
      return new CompleteResult(List.of(), List.of());
    }
    if (request.hasFollowUps()) {
      return inTransaction("complete", c -> completeWithWorkflows(c, request));
    }
    // A batch is one statement that commits by itself (one round trip), workflow steps of successes
    // included; it leaves a death of an open workflow node alone (which may cancel dependants down the
    // graph, in the same commit), so what the statement did not apply (those, and stale tokens) runs
    // again in a transaction with the workflow step.
    CompleteResult first = withConnection("complete", c -> statements.complete(c, request, true).result());
    if (first.stale().isEmpty()) {
      return first;
    }
    Set<TaskId> again = new HashSet<>(first.stale());
    CompleteRequest rest = new CompleteRequest(
        request.completions().stream().filter(done -> again.contains(done.id())).toList(), request.returnTasks());
    CompleteResult second = inTransaction("complete", c -> completeWithWorkflows(c, rest));
    return merged(request, first, second);
  }

  /** The two passes' results as one, tasks in the request's order. */
  private static CompleteResult merged(CompleteRequest request, CompleteResult first, CompleteResult second) {
    if (!request.returnTasks()) {
      return new CompleteResult(second.stale(), List.of());
    }
    Map<TaskId, Task> byId = new HashMap<>();
    first.tasks().forEach(t -> byId.put(t.id(), t));
    second.tasks().forEach(t -> byId.put(t.id(), t));
    List<Task> inOrder = new ArrayList<>();
    for (Completion done : request.completions()) {
      Task t = byId.remove(done.id());
      if (t != null) {
        inOrder.add(t);
      }
    }
    return new CompleteResult(second.stale(), inOrder);
  }

  private CompleteResult completeWithWorkflows(Connection c, CompleteRequest request) throws SQLException {
    TaskStatements.Completed completed = statements.complete(c, request);
    if (completed.openWorkflowNodes()) {
      // The statement ran the step of the successes; the step here is the deaths'. A node closes with its
      // task's end and no write (migration 12), so a success handed to it again would count twice.
      Map<TaskId, TaskState> deaths = new LinkedHashMap<>(WorkflowResolver.finalStates(request, completed.result()));
      deaths.values().removeIf(state -> state == TaskState.SUCCEEDED);
      workflows.finished(c, deaths);
    }
    return completed.result();
  }

  @Override
  public CompleteResult completeMany(Connection connection, CompleteRequest request) {
    Objects.requireNonNull(connection, "connection");
    return onCallerConnection("complete", connection, c -> completeWithWorkflows(c, request));
  }

  @Override
  public Connection openTransaction() {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      c.setAutoCommit(false);
      return c;
    } catch (SQLException e) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException closing) {
          e.addSuppressed(closing);
        }
      }
      throw Failures.unavailable(name, "openTransaction", e);
    }
  }

  @Override
  public CancelResult cancel(CancelRequest request) {
    return inTransaction("cancel", c -> {
      CancelResult result = statements.cancel(c, request.id());
      workflows.finished(c, WorkflowResolver.finalStates(result));
      return result;
    });
  }

  @Override
  public WorkflowInsertResult insertWorkflow(WorkflowInsert insert) {
    Objects.requireNonNull(insert, "insert");
    return inTransaction("insertWorkflow", c -> workflows.insert(c, insert));
  }

  @Override
  public WorkflowInsertResult insertWorkflow(Connection connection, WorkflowInsert insert) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(insert, "insert");
    return onCallerConnection("insertWorkflow", connection, c -> workflows.insert(c, insert));
  }

  @Override
  public Optional<WorkflowInfo> workflow(String id) {
    Objects.requireNonNull(id, "id");
    return withConnection("workflow", c -> workflows.workflow(c, id));
  }

  @Override
  public Optional<WorkflowInfo> cancelWorkflow(String id) {
    Objects.requireNonNull(id, "id");
    boolean known = inTransaction("cancelWorkflow", c -> workflows.cancel(c, id));
    return known ? workflow(id) : Optional.empty();
  }

  @Override
  public Map<TaskId, List<ParentResult>> parents(List<TaskId> tasks) {
    if (tasks.isEmpty()) {
      return Map.of();
    }
    return withConnection("parents", c -> workflows.parents(c, tasks));
  }

  @Override
  public Optional<Task> get(TaskId id) {
    Objects.requireNonNull(id, "id");
    return withConnection("get", c -> statements.get(c, id));
  }

  @Override
  public List<AttemptError> errors(TaskId id) {
    Objects.requireNonNull(id, "id");
    return withConnection("errors", c -> statements.errors(c, id));
  }

  /**
   * A search for a state that at most {@code pageReadLimit} tasks are in reads that state's index;
   * anything else walks the table from the cursor, at most {@code pageReadLimit} rows per page.
   */
  @Override
  public TaskPage list(TaskQuery query) {
    return withConnection("list", c -> statements.list(c, query, pageReadLimit));
  }

  /** Reads the newest dead tasks through their partial index (migration 10). */
  @Override
  public DeadGroups deadGroups(DeadGroupQuery query) {
    Objects.requireNonNull(query, "query");
    return withConnection("deadGroups", c -> statements.deadGroups(c, query));
  }

  @Override
  public DuePage listDue(DueQuery query) {
    Objects.requireNonNull(query, "query");
    return withConnection("listDue", c -> statements.listDue(c, query));
  }

  @Override
  public List<QueueInfo> queues() {
    return withConnection("queues", c -> statements.queues(c, FINISHED_COUNT_BOUND));
  }

  @Override
  public void pauseQueue(QueuePauseRequest request) {
    withConnection("pauseQueue", c -> {
      statements.pauseQueue(c, request.queue(), request.paused());
      return null;
    });
  }

  @Override
  public void limitQueue(QueueLimitsRequest request) {
    withConnection("limitQueue", c -> {
      statements.limitQueue(c, request.queue(), request.limits());
      return null;
    });
  }

  @Override
  public StoredSchedule putSchedule(SchedulePutRequest request) {
    Objects.requireNonNull(request, "request");
    return withConnection("putSchedule", c -> schedules.put(c, request));
  }

  @Override
  public boolean deleteSchedule(String name) {
    Names.require("name", name);
    return withConnection("deleteSchedule", c -> schedules.delete(c, name));
  }

  @Override
  public List<StoredSchedule> storedSchedules() {
    return withConnection("storedSchedules", schedules::list);
  }

  @Override
  public int runNow(RunNowRequest request) {
    Objects.requireNonNull(request, "request");
    return withConnection("runNow", c -> statements.runNow(c, request));
  }

  @Override
  public int replayDead(DeadFilter filter) {
    Objects.requireNonNull(filter, "filter");
    return inTransaction("replayDead", c -> {
      List<TaskId> replayed = statements.replayDead(c, filter);
      workflows.replayed(c, replayed);
      return replayed.size();
    });
  }

  @Override
  public int purgeDead(DeadFilter filter) {
    Objects.requireNonNull(filter, "filter");
    return withConnection("purgeDead", c -> {
      int total = 0;
      int deleted;
      do {
        deleted = statements.purgeDeadBatch(c, filter, DELETE_BATCH);
        total += deleted;
      } while (deleted == DELETE_BATCH);
      return total;
    });
  }

  /** Each queue's oldest finished tasks, queue by queue and state by state, up to the request's limit in all. */
  @Override
  public int prune(PruneRequest request) {
    return withConnection("prune", c -> {
      int total = 0;
      for (String queue : statements.finishedQueues(c)) {
        for (TaskState state : List.of(TaskState.SUCCEEDED, TaskState.CANCELLED)) {
          while (total < request.limit()) {
            int batch = Math.min(DELETE_BATCH, request.limit() - total);
            int deleted = statements.pruneBatch(c, queue, state, request.finishedBefore(), batch);
            total += deleted;
            if (deleted < batch) {
              break;
            }
          }
        }
      }
      workflows.prune(c, request.finishedBefore(), request.limit());
      return total;
    });
  }

  /**
   * Waits for a notification on one of the queues (a sweep that takes a lease back sends one), for the
   * earliest moment delayed work there comes due (on the database's clock), or for {@code maxWait},
   * whichever is first. While
   * the LISTEN connection is down this is plain polling at {@code maxWait}.
   */
  @Override
  public void awaitWork(WaitRequest request) throws InterruptedException {
    long start = System.nanoTime();
    long wait = request.maxWait().toNanos();
    if (closed.get()) {
      return; // nothing will come; the caller's next claim reports the closed store
    }
    if (request.queues().isEmpty()) {
      Thread.sleep(request.maxWait());
      return;
    }
    listener.start();
    listener.awaitListening(Math.min(wait, LISTEN_START_NANOS));
    // Counted from the caller's last claim that took all it found, if there was one: what was signalled
    // since ends the wait.
    WorkSignals.Baseline baseline = signals.baseline(request.queues());
    if (signals.signalledSince(baseline)) {
      return; // work came while the claim ran: claim again now, without the due-time query
    }
    try {
      Duration due = withConnection("awaitWork", c -> statements.nextDue(c, request.queues()));
      if (due != null) {
        wait = Math.min(wait, due.toNanos());
      }
    } catch (StoreUnavailableException e) {
      // The next claim reports the outage; until then this is a plain poll.
    }
    signals.await(baseline, wait - (System.nanoTime() - start));
  }

  @Override
  public void ping() {
    withConnection("ping", c -> {
      statements.ping(c);
      return null;
    });
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listener.close();
    signals.close(); // waiters return now instead of at their maxWait
    closePool();
    log.info("{}: closed", name);
  }

  private void closePool() {
    if (ownPool != null) {
      ownPool.close();
    }
  }

  @Override
  public String toString() {
    return "PostgresStore[" + name + "]";
  }

  /** Runs {@code work} with a pooled connection, mapping every SQL failure. */
  private <T> T withConnection(String operation, SqlWork<T> work) {
    try (Connection c = dataSource.getConnection()) {
      // A caller's pool may hand out connections with auto-commit off; each store statement must commit
      // by itself, or a pool that rolls back on return would silently undo an acknowledged write.
      if (!c.getAutoCommit()) {
        c.setAutoCommit(true);
      }
      return work.run(c);
    } catch (SQLException e) {
      throw Failures.unavailable(name, operation, e);
    }
  }

  /** Runs {@code work} in one transaction of a pooled connection: it commits as a whole, or not at all. */
  private <T> T inTransaction(String operation, SqlWork<T> work) {
    return withConnection(operation, c -> {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    });
  }

  /** Runs {@code work} with the caller's connection, which is neither committed nor closed here. */
  private <T> T onCallerConnection(String operation, Connection connection, SqlWork<T> work) {
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw Failures.unavailable(name, operation, e);
    }
  }

  /**
   * Builds a {@link PostgresStore}. Set exactly one of {@link #url} and {@link #dataSource}. Each setter
   * rejects a bad value at once, naming it. Not thread-safe.
   */
  public static final class Builder {
    private String url;
    private String urlSchema;
    private DataSource dataSource;
    private String schema;
    private int maximumPoolSize = 10;
    private Duration connectionTimeout;
    private boolean migrate = true;
    private int pageReadLimit = 10_000;

    private Builder() {}

    /**
     * {@code postgres://user:password@host:port/database}, {@code postgresql://...} or
     * {@code jdbc:postgresql:...}; the option {@code schema=NAME} chooses the schema as {@link #schema} does.
     */
    public Builder url(String url) {
      if (this.dataSource != null) {
        throw new IllegalStateException("dataSource is already set; set url or dataSource, not both");
      }
      this.urlSchema = ConnectionUrl.parse(url).schema();
      this.url = url;
      return this;
    }

    /** A DataSource the caller owns and closes; the store never closes it. */
    public Builder dataSource(DataSource dataSource) {
      if (this.url != null) {
        throw new IllegalStateException("url is already set; set url or dataSource, not both");
      }
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * The schema holding Errand's tables: a lower-case identifier, not a reserved word, not starting with
     * {@code pg_}; default the url's {@code schema} option, else {@value PostgresStore#DEFAULT_SCHEMA}.
     */
    public Builder schema(String schema) {
      this.schema = StoreSql.requireSchema(schema);
      return this;
    }

    /** Connections in the store's own pool (url only), default 10. */
    public Builder maximumPoolSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("maximumPoolSize must be positive: " + size);
      }
      this.maximumPoolSize = size;
      return this;
    }

    /**
     * How long a call waits for a pooled connection before failing with StoreUnreachableException (url
     * only), default the url's {@code connectionTimeout} option, else 5 s: an outage shows quickly instead
     * of stalling callers. Set here or in the url, not both.
     */
    public Builder connectionTimeout(Duration timeout) {
      if (timeout == null || timeout.toMillis() < 250) {
        throw new IllegalArgumentException("connectionTimeout must be at least 250 ms: " + timeout);
      }
      this.connectionTimeout = timeout;
      return this;
    }

    /** Whether build() creates and upgrades the schema, default true. */
    public Builder migrate(boolean migrate) {
      this.migrate = migrate;
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

    /** Connects, migrates and returns the store; throws StoreUnavailableException if the database fails. */
    public PostgresStore build() {
      if (url == null && dataSource == null) {
        throw new IllegalStateException("set url or dataSource");
      }
      if (schema != null && urlSchema != null && !schema.equals(urlSchema)) {
        throw new IllegalStateException("schema " + schema + " differs from the url's schema " + urlSchema
            + "; name it in one place");
      }
      return new PostgresStore(this);
    }

    private Duration effectiveConnectionTimeout(ConnectionUrl parsed) {
      if (connectionTimeout != null && parsed.connectionTimeout() != null) {
        throw new IllegalStateException("connectionTimeout is set both here and in the url; set it in one place");
      }
      Duration timeout = connectionTimeout != null ? connectionTimeout
          : parsed.connectionTimeout() != null ? parsed.connectionTimeout() : DEFAULT_CONNECTION_TIMEOUT;
      if (timeout.toMillis() < 250) {
        throw new IllegalArgumentException("connectionTimeout must be at least 250 ms: " + timeout);
      }
      return timeout;
    }

    /** The schema set here, else the url's, else the default. */
    private String effectiveSchema() {
      return schema != null ? schema : urlSchema != null ? urlSchema : DEFAULT_SCHEMA;
    }
  }
}
