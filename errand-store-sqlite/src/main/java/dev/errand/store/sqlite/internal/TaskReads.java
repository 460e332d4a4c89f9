package dev.errand.store.sqlite.internal;

import dev.errand.core.AttemptError;
import dev.errand.core.QueueLimits;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the API and dashboard read: a task, its error history, pages of tasks, each queue's counts. Each
 * runs on a read connection it is given and never waits for the writer. Not public API.
 */
public final class TaskReads {
  /** The statement that lists each state with a partial index of its own that holds it alone, or nearly. */
  private static final Map<TaskState, String> STATE_LISTS = Map.of(
      TaskState.READY, "task_list_ready",
      TaskState.SCHEDULED, "task_list_waiting",
      TaskState.RETRYING, "task_list_waiting",
      TaskState.RUNNING, "task_list_running",
      TaskState.DEAD, "task_list_dead",
      TaskState.WAITING, "task_list_joining");

  private final Clock clock;
  private final int pageReadLimit;

  public TaskReads(Clock clock, int pageReadLimit) {
    this.clock = clock;
    this.pageReadLimit = pageReadLimit;
  }

  public Optional<Task> get(StatementCache statements, TaskId id) throws SQLException {
    PreparedStatement get = statements.get("task_get");
    get.setString(1, id.value());
    return Optional.ofNullable(TaskRows.readOne(get));
  }

  public DeadGroups deadGroups(StatementCache statements, DeadGroupQuery query) throws SQLException {
    PreparedStatement groups = statements.get("dead_groups");
    groups.setString(1, query.queue());
    groups.setString(2, query.type());
    groups.setInt(3, query.maxRead());
    List<DeadGroups.Group> out = new ArrayList<>();
    long read = 0;
    try (ResultSet rs = groups.executeQuery()) {
      while (rs.next()) {
        String error = rs.getString(1);
        long n = rs.getLong(4);
        read += n;
        out.add(new DeadGroups.Group(error == null ? "" : error, rs.getString(2), rs.getString(3), n,
            Micros.toInstant(rs.getLong(5)), TaskId.of(rs.getString(6))));
      }
    }
    // Fewer than asked for: every match was read.
    return new DeadGroups(out, (int) read, read < query.maxRead());
  }

  private static Instant claimedAt(ResultSet rs) throws SQLException {
    long claimed = rs.getLong("claimed_at");
    return rs.wasNull() ? null : Micros.toInstant(claimed);
  }

  public List<AttemptError> errors(StatementCache statements, TaskId id) throws SQLException {
    PreparedStatement errors = statements.get("task_errors");
    errors.setString(1, id.value());
    List<AttemptError> out = new ArrayList<>();
    try (ResultSet rs = errors.executeQuery()) {
      while (rs.next()) {
        out.add(new AttemptError(rs.getInt("attempt"), Micros.toInstant(rs.getLong("at")), rs.getString("worker_id"),
            rs.getString("error"), TaskRows.heartbeats(rs, rs.findColumn("heartbeats")), claimedAt(rs)));
      }
    }
    return out;
  }

  /**
   * A page walks the table from the cursor, at most {@code pageReadLimit} rows. When that leaves the
   * page short and the query names a state that at most {@code pageReadLimit} tasks are in (a rare state
   * among many tasks), the page comes from that state's index instead, full.
   */
  public TaskPage list(StatementCache statements, TaskQuery query) throws SQLException {
    TaskPage walked = walk(statements, query);
    String indexed = query.state() == null ? null : STATE_LISTS.get(query.state());
    if (walked.next() == null || walked.tasks().size() == query.limit() || indexed == null) {
      return walked;
    }
    TaskPage page = listByState(statements, indexed, query);
    return page != null ? page : walked;
  }

  private TaskPage walk(StatementCache statements, TaskQuery query) throws SQLException {
    String cursor = query.idBound();
    PreparedStatement list = statements.get("task_list");
    list.setString(1, cursor);
    list.setString(2, query.type());
    // One row more than asked tells whether another page follows.
    list.setInt(3, query.limit() + 1);
    list.setString(4, query.queue());
    list.setString(5, query.state() == null ? null : query.state().name());
    list.setInt(6, pageReadLimit);
    SqlRuns.setMicros(list, 7, query.createdAfter());
    SqlRuns.setMicros(list, 8, query.createdBefore());
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

  /**
   * Each queue's counts by state, pause flag, limits and oldest waiting task, in one read transaction.
   * SUCCEEDED and CANCELLED are counted up to {@code finishedCountBound}; more are reported as that many.
   */
  public List<QueueInfo> queues(StatementCache statements, long finishedCountBound) throws SQLException {
    Connection connection = statements.connection();
    // One read transaction, so the counts and the pause flags are one snapshot.
    connection.setAutoCommit(false);
    try {
      Map<String, Map<TaskState, Long>> counts = new TreeMap<>();
      countEach(statements, "queue_count_ready", TaskState.READY, counts);
      countEach(statements, "queue_count_running", TaskState.RUNNING, counts);
      countEach(statements, "queue_count_dead", TaskState.DEAD, counts);
      countEach(statements, "queue_count_joining", TaskState.WAITING, counts);
      try (ResultSet rs = statements.get("queue_count_waiting").executeQuery()) {
        while (rs.next()) {
          Map<TaskState, Long> byState = byState(counts, rs.getString("queue"));
          putNonZero(byState, TaskState.SCHEDULED, rs.getLong("scheduled"));
          putNonZero(byState, TaskState.RETRYING, rs.getLong("retrying"));
        }
      }
      Map<String, Set<TaskState>> bounded = new HashMap<>();
      PreparedStatement finished = statements.get("queue_count_finished");
      for (String queue : SqlRuns.readIds(statements.get("prune_queues"))) {
        for (TaskState state : List.of(TaskState.SUCCEEDED, TaskState.CANCELLED)) {
          finished.setString(1, queue);
          finished.setString(2, state.name());
          finished.setLong(3, finishedCountBound);
          try (ResultSet rs = finished.executeQuery()) {
            rs.next();
            long n = rs.getLong(1);
            putNonZero(byState(counts, queue), state, n);
            if (n >= finishedCountBound) {
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
          limits.put(queue, QueueControl.limits(rs));
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
        QueueInfo info = new QueueInfo(queue, e.getValue(), paused.getOrDefault(queue, false),
            limits.getOrDefault(queue, QueueLimits.NONE), oldestReadyAt, bounded.getOrDefault(queue, Set.of()));
        if (!info.isIdle()) { // a settings row left by a pause or a limit since undone
          queues.add(info);
        }
      }
      return queues;
    } finally {
      connection.commit();
      connection.setAutoCommit(true);
    }
  }

  /** The SCHEDULED and RETRYING tasks, soonest first: the front of each queue's range of tasks_due, merged. */
  public DuePage listDue(StatementCache statements, DueQuery query) throws SQLException {
    List<String> queues = query.queue() != null ? List.of(query.queue())
        : SqlRuns.readIds(statements.get("due_queues"));
    PreparedStatement front = statements.get("due_front");
    List<Task> tasks = new ArrayList<>();
    for (String queue : queues) {
      front.setString(1, queue);
      front.setString(2, query.type());
      front.setInt(3, query.limit());
      tasks.addAll(TaskRows.readAll(front));
    }
    tasks.sort(DueQuery.ORDER);
    return new DuePage(tasks.subList(0, Math.min(tasks.size(), query.limit())));
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
}
