package dev.errand.store.postgres.internal;

import dev.errand.core.AttemptError;
import dev.errand.core.QueueLimits;
import dev.errand.core.Task;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.AttemptTimeout;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import dev.errand.core.spi.NewTask;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.RunNowRequest;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The store's operations, each run with a connection it is given: the store's own (borrowed from its
 * pool) or a caller's (joined transactions). These methods never commit, roll back or close the
 * connection, and let SQLExceptions through for the caller to map. Not public API.
 */
public final class TaskStatements {
  /** Claim order: what the claim statement sorts by, restored here since RETURNING has no order. */
  private static final Comparator<Task> CLAIM_ORDER = Comparator.comparingInt(Task::priority).reversed()
      .thenComparing(Task::runAt)
      .thenComparing(Task::id);
  /**
   * Due SCHEDULED and RETRYING tasks a claim locks, leases the best of and promotes the rest to READY.
   * Small enough that a claim stays a few milliseconds when a large delayed backlog comes due at once,
   * large enough that the backlog drains into the ready index far faster than workers take from it.
   */
  static final int PROMOTE_BATCH = 100;
  /** A row conflicting with a task that is deleted before it can be read back is inserted again. */
  private static final int MAX_INSERT_ROUNDS = 5;

  /** The candidate list of each state whose partial index holds it alone, or with one other state. */
  private static final Map<TaskState, String> STATE_CANDIDATES = Map.of(
      TaskState.READY, "list_candidates_ready",
      TaskState.SCHEDULED, "list_candidates_waiting",
      TaskState.RETRYING, "list_candidates_waiting",
      TaskState.RUNNING, "list_candidates_running",
      TaskState.DEAD, "list_candidates_dead",
      TaskState.WAITING, "list_candidates_joining");

  private final StoreSql sql;

  public TaskStatements(StoreSql sql) {
    this.sql = sql;
  }

  /**
   * Inserts the batch with one statement, then reads back the tasks that kept rows out. Outcomes are in
   * request order; a row whose id or idempotency key was taken, by a stored task or an earlier row of the
   * batch, carries that task with created false.
   */
  public InsertResult insert(Connection c, List<NewTask> tasks) throws SQLException {
    return insert(c, tasks, null);
  }

  /**
   * As {@link #insert(Connection, List)}, the batch's one task leased to {@code claimFor}'s worker in the
   * same statement when that worker's claim would take it anyway (see InsertRequest#claimFor); null
   * claims nothing.
   */
  public InsertResult insert(Connection c, List<NewTask> tasks, ClaimRequest claimFor) throws SQLException {
    InsertResult.Outcome[] outcomes = new InsertResult.Outcome[tasks.size()];
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      pending.add(i);
    }
    for (int round = 1; !pending.isEmpty(); round++) {
      if (round > MAX_INSERT_ROUNDS) {
        throw new SQLException("insert kept conflicting with tasks that vanished before they could be read", "40001");
      }
      Map<String, Task> created = insertRows(c, tasks, pending, claimFor);
      List<Integer> conflicting = new ArrayList<>();
      for (int i : pending) {
        // Remove, so that a second row with the same id in the batch is not also reported created.
        Task t = created.remove(tasks.get(i).id().value());
        if (t != null) {
          outcomes[i] = new InsertResult.Outcome(t, true);
        } else {
          conflicting.add(i);
        }
      }
      pending = resolveConflicts(c, tasks, conflicting, outcomes);
    }
    return new InsertResult(List.of(outcomes));
  }

  /** Inserts the given rows of the batch; returns the tasks created, by id. */
  private Map<String, Task> insertRows(Connection c, List<NewTask> tasks, List<Integer> rows, ClaimRequest claimFor)
      throws SQLException {
    int n = rows.size();
    String[] ids = new String[n];
    String[] queues = new String[n];
    String[] types = new String[n];
    byte[][] payloads = new byte[n][];
    Integer[] priorities = new Integer[n];
    String[] runAts = new String[n];
    Long[] delays = new Long[n];
    Integer[] maxAttempts = new Integer[n];
    Long[] bases = new Long[n];
    Long[] caps = new Long[n];
    Long[] timeouts = new Long[n];
    String[] keys = new String[n];
    Integer[] joinCounts = new Integer[n];
    String[] kinds = new String[n];
    String[] headers = new String[n];
    // A row comes back for the first of the batch's rows with its id (ON CONFLICT keeps the first).
    Map<String, NewTask> given = new HashMap<>(n * 2);
    for (int j = 0; j < n; j++) {
      NewTask t = tasks.get(rows.get(j));
      ids[j] = t.id().value();
      given.putIfAbsent(ids[j], t);
      queues[j] = t.queue();
      types[j] = t.type();
      payloads[j] = t.payload().bytesUnsafe();
      priorities[j] = t.priority();
      runAts[j] = t.runAt() == null ? null : t.runAt().toString();
      delays[j] = SqlArrays.micros(t.delay());
      maxAttempts[j] = t.retry().maxAttempts();
      bases[j] = SqlArrays.nanos("backoff base", t.retry().base());
      caps[j] = SqlArrays.nanos("backoff cap", t.retry().cap());
      timeouts[j] = SqlArrays.nanos("timeout", t.timeout());
      keys[j] = t.idempotencyKey();
      joinCounts[j] = t.joinCount();
      kinds[j] = t.kind();
      headers[j] = TaskHeaders.toJson(t.headers());
    }
    try (PreparedStatement ps = c.prepareStatement(sql.insert(claimFor != null))) {
      int p = 1;
      ps.setArray(p++, SqlArrays.text(c, ids));
      ps.setArray(p++, SqlArrays.text(c, queues));
      ps.setArray(p++, SqlArrays.text(c, types));
      ps.setArray(p++, SqlArrays.bytea(c, payloads));
      ps.setArray(p++, SqlArrays.int4(c, priorities));
      ps.setArray(p++, SqlArrays.text(c, runAts));
      ps.setArray(p++, SqlArrays.int8(c, delays));
      ps.setArray(p++, SqlArrays.int4(c, maxAttempts));
      ps.setArray(p++, SqlArrays.int8(c, bases));
      ps.setArray(p++, SqlArrays.int8(c, caps));
      ps.setArray(p++, SqlArrays.int8(c, timeouts));
      ps.setArray(p++, SqlArrays.text(c, keys));
      ps.setArray(p++, SqlArrays.int4(c, joinCounts));
      ps.setArray(p++, SqlArrays.text(c, kinds));
      ps.setArray(p++, SqlArrays.text(c, headers));
      if (claimFor != null) {
        ps.setString(p++, claimFor.workerId());
        ps.setString(p++, claimFor.queue());
        ps.setLong(p++, SqlArrays.micros(claimFor.leaseFor()));
        ps.setLong(p, SqlArrays.micros(AttemptTimeout.GRACE));
      }
      try (ResultSet rs = ps.executeQuery()) {
        Map<String, Task> created = new HashMap<>(n * 2);
        while (rs.next()) {
          String id = rs.getString("id");
          created.put(id, TaskRows.inserted(given.get(id), rs));
        }
        return created;
      }
    }
  }

  /** Fills in the outcomes of conflicting rows from the tasks that hold them; returns rows still open. */
  private List<Integer> resolveConflicts(
      Connection c, List<NewTask> tasks, List<Integer> conflicting, InsertResult.Outcome[] outcomes)
      throws SQLException {
    if (conflicting.isEmpty()) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    List<String> keyQueues = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int i : conflicting) {
      NewTask t = tasks.get(i);
      ids.add(t.id().value());
      if (t.idempotencyKey() != null) {
        keyQueues.add(t.queue());
        keys.add(t.idempotencyKey());
      }
    }
    Map<String, Task> byId = new HashMap<>();
    Map<List<String>, Task> byKey = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("select_conflicting"))) {
      ps.setArray(1, SqlArrays.text(c, ids.toArray(String[]::new)));
      ps.setArray(2, SqlArrays.text(c, keyQueues.toArray(String[]::new)));
      ps.setArray(3, SqlArrays.text(c, keys.toArray(String[]::new)));
      try (ResultSet rs = ps.executeQuery()) {
        for (Task t : TaskRows.readAll(rs)) {
          byId.put(t.id().value(), t);
          if (t.idempotencyKey() != null) {
            byKey.put(List.of(t.queue(), t.idempotencyKey()), t);
          }
        }
      }
    }
    List<Integer> open = new ArrayList<>();
    for (int i : conflicting) {
      NewTask t = tasks.get(i);
      Task existing = byId.get(t.id().value());
      if (existing == null && t.idempotencyKey() != null) {
        existing = byKey.get(List.of(t.queue(), t.idempotencyKey()));
      }
      if (existing != null) {
        outcomes[i] = new InsertResult.Outcome(existing, false);
      } else {
        open.add(i);
      }
    }
    return open;
  }

  /** Claims with one statement; the tasks come back in claim order. */
  public List<Task> claim(Connection c, ClaimRequest r) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.claim(r.limit()))) {
      int p = 1;
      ps.setString(p++, r.queue()); // gate
      ps.setString(p++, r.queue()); // limited
      ps.setString(p++, r.queue()); // ready
      ps.setInt(p++, r.limit());
      ps.setString(p++, r.queue()); // due
      ps.setInt(p++, Math.max(r.limit(), PROMOTE_BATCH));
      ps.setInt(p++, r.limit()); // chosen
      ps.setLong(p++, SqlArrays.micros(r.leaseFor()));
      ps.setLong(p++, SqlArrays.micros(AttemptTimeout.GRACE));
      ps.setString(p, r.workerId());
      List<Task> tasks;
      try (ResultSet rs = ps.executeQuery()) {
        tasks = TaskRows.readAll(rs);
      }
      tasks.sort(CLAIM_ORDER);
      return tasks;
    }
  }

  /**
   * The result of a batch of completions, and whether the caller has the workflow step to run: an applied
   * death of an open workflow node (the statement runs the step of successes itself).
   */
  public record Completed(CompleteResult result, boolean openWorkflowNodes) {}

  /**
   * Applies the batch with one statement; ids whose token no longer matches are returned as stale, and,
   * if the request asks, the applied tasks as the statement left them. A batch of successes whose tasks
   * are not wanted back goes through complete_successes, which does a success's part of complete_tasks
   * alone (and hands the batch to complete_tasks when it holds an open workflow node). The applied
   * completions' follow-ups take one statement more per kind (inserts, then join decrements), which the
   * caller runs in the same transaction; a batch without follow-ups runs the one statement alone.
   */
  public Completed complete(Connection c, CompleteRequest request) throws SQLException {
    return complete(c, request, false);
  }

  /**
   * As {@link #complete(Connection, CompleteRequest)}; with {@code skipWorkflowNodes}, a death of an open
   * workflow node is not applied (it is reported stale here): for a statement that commits on its own,
   * whose caller completes those again in a transaction with the workflow step. Successes of workflow
   * nodes take their workflow step in the statement itself.
   */
  public Completed complete(Connection c, CompleteRequest request, boolean skipWorkflowNodes) throws SQLException {
    List<Completion> completions = request.completions();
    if (completions.isEmpty()) {
      return new Completed(new CompleteResult(List.of(), List.of()), false);
    }
    Set<String> applied = request.returnTasks() ? null : completeSuccesses(c, completions);
    boolean openWorkflowNodes = false;
    Map<String, Task> tasks = new HashMap<>();
    if (applied == null) {
      applied = new HashSet<>();
      openWorkflowNodes = completeAny(c, request, skipWorkflowNodes, applied, tasks);
    }
    if (request.hasFollowUps()) {
      Set<TaskId> appliedIds = new HashSet<>();
      applied.forEach(id -> appliedIds.add(TaskId.of(id)));
      writeFollowUps(c, request.appliedFollowUps(appliedIds));
    }
    List<Task> inOrder = new ArrayList<>(tasks.size());
    for (int i = 0; i < completions.size() && !tasks.isEmpty(); i++) {
      Task t = tasks.remove(completions.get(i).id().value()); // removed: a repeated id was applied once, comes back once
      if (t != null) {
        inOrder.add(t);
      }
    }
    return new Completed(new CompleteResult(missing(completions.stream().map(Completion::id).toList(), applied),
        inOrder), openWorkflowNodes);
  }

  /**
   * A batch of successes alone through complete_successes: the ids applied, or null if the batch holds
   * something else or an open workflow node (then nothing was applied, and complete_tasks is the way).
   */
  private Set<String> completeSuccesses(Connection c, List<Completion> completions) throws SQLException {
    if (!completions.stream().allMatch(done -> done.outcome() instanceof Completion.Succeeded)) {
      return null;
    }
    int n = completions.size();
    String[] ids = new String[n];
    String[] tokens = new String[n];
    byte[][] results = new byte[n][];
    for (int i = 0; i < n; i++) {
      Completion done = completions.get(i);
      ids[i] = done.id().value();
      tokens[i] = done.leaseToken();
      results[i] = resultBytes((Completion.Succeeded) done.outcome());
    }
    Set<String> applied = new HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("complete_successes"))) {
      ps.setArray(1, SqlArrays.text(c, ids));
      ps.setArray(2, SqlArrays.text(c, tokens));
      ps.setArray(3, SqlArrays.bytea(c, results));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String id = rs.getString(1);
          if (id == null) {
            return null; // an open workflow node: nothing applied
          }
          applied.add(id);
        }
      }
    }
    return applied;
  }

  /** Any batch through complete_tasks; fills the ids applied and the tasks read back. Returns openWorkflowNodes. */
  private boolean completeAny(Connection c, CompleteRequest request, boolean skipWorkflowNodes, Set<String> applied,
      Map<String, Task> tasks) throws SQLException {
    List<Completion> completions = request.completions();
    int n = completions.size();
    boolean openWorkflowNodes = false;
    String[] ids = new String[n];
    String[] tokens = new String[n];
    String[] kinds = new String[n];
    byte[][] results = new byte[n][];
    String[] errors = new String[n];
    Long[] delays = new Long[n];
    for (int i = 0; i < n; i++) {
      Completion done = completions.get(i);
      ids[i] = done.id().value();
      tokens[i] = done.leaseToken();
      delays[i] = 0L;
      switch (done.outcome()) {
        case Completion.Succeeded s -> {
          kinds[i] = "succeeded";
          results[i] = resultBytes(s);
        }
        case Completion.Retry retry -> {
          kinds[i] = "retry";
          errors[i] = retry.error();
          delays[i] = SqlArrays.micros(retry.delay());
        }
        case Completion.Dead dead -> {
          kinds[i] = "dead";
          errors[i] = dead.error();
        }
        case Completion.Release release -> {
          kinds[i] = "release";
          delays[i] = SqlArrays.micros(release.delay());
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("complete_tasks"))) {
      ps.setArray(1, SqlArrays.text(c, ids));
      ps.setArray(2, SqlArrays.text(c, tokens));
      ps.setArray(3, SqlArrays.text(c, kinds));
      ps.setArray(4, SqlArrays.bytea(c, results));
      ps.setArray(5, SqlArrays.text(c, errors));
      ps.setArray(6, SqlArrays.int8(c, delays));
      ps.setBoolean(7, skipWorkflowNodes);
      ps.setBoolean(8, request.returnTasks());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          applied.add(rs.getString(1));
          openWorkflowNodes |= rs.getBoolean("open_workflow_node");
          if (request.returnTasks()) {
            tasks.put(rs.getString(1), TaskRows.read(rs));
          }
        }
      }
    }
    return openWorkflowNodes;
  }

  /** A success's result as both completion statements bind it: its bytes, or NULL for none. */
  private static byte[] resultBytes(Completion.Succeeded s) {
    return s.result() == null ? null : s.result().bytesUnsafe();
  }

  private void writeFollowUps(Connection c, Completion.FollowUps followUps) throws SQLException {
    if (!followUps.inserts().isEmpty()) {
      insert(c, followUps.inserts());
    }
    if (!followUps.decrements().isEmpty()) {
      decrementJoins(c, followUps.decrements());
    }
  }

  /** One off the join counter of each WAITING task listed, once per listing, in the caller's transaction. */
  public void decrementJoins(Connection c, List<TaskId> ids) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("decrement_joins"))) {
      ps.setArray(1, SqlArrays.text(c, ids.stream().map(TaskId::value).toArray(String[]::new)));
      ps.executeQuery().close();
    }
  }

  /** Extends the batch with one statement; ids whose token no longer matches are returned as stale. */
  public ExtendResult extend(Connection c, ExtendRequest r) throws SQLException {
    if (r.leases().isEmpty()) {
      return new ExtendResult(Map.of(), List.of());
    }
    Map<TaskId, Instant> extended = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("extend_leases"))) {
      ps.setLong(1, SqlArrays.micros(r.leaseFor()));
      ps.setLong(2, SqlArrays.micros(AttemptTimeout.GRACE));
      ps.setArray(3, SqlArrays.text(c, r.leases().stream().map(l -> l.id().value()).toArray(String[]::new)));
      ps.setArray(4, SqlArrays.text(c, r.leases().stream().map(LeaseRef::token).toArray(String[]::new)));
      ps.setArray(5, SqlArrays.bytea(c, r.leases().stream()
          .map(l -> l.progress() == null ? null : l.progress().bytesUnsafe()).toArray(byte[][]::new)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          extended.put(TaskId.of(rs.getString(1)), rs.getObject(2, OffsetDateTime.class).toInstant());
        }
      }
    }
    Set<String> applied = new HashSet<>();
    extended.keySet().forEach(id -> applied.add(id.value()));
    return new ExtendResult(extended, missing(r.leases().stream().map(LeaseRef::id).toList(), applied));
  }

  /** Takes back up to the limit of expired leases with one statement; see sweep_expired_leases. */
  public SweepResult sweep(Connection c, SweepRequest r) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("sweep_expired_leases"))) {
      ps.setInt(1, r.limit());
      List<SweepResult.Swept> swept = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          swept.add(new SweepResult.Swept(TaskRows.read(rs), TaskState.valueOf(rs.getString("swept_state")),
              rs.getString("swept_error"), rs.getBoolean("timed_out")));
        }
      }
      return new SweepResult(swept);
    }
  }

  private static List<TaskId> missing(List<TaskId> requested, Set<String> applied) {
    Set<TaskId> stale = new LinkedHashSet<>();
    for (TaskId id : requested) {
      if (!applied.contains(id.value())) {
        stale.add(id);
      }
    }
    return List.copyOf(stale);
  }

  public CancelResult cancel(Connection c, TaskId id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("cancel_task"))) {
      ps.setString(1, id.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return new CancelResult(TaskRows.read(rs), CancelResult.Status.CANCELLED);
        }
      }
    }
    return get(c, id)
        .map(t -> new CancelResult(t, CancelResult.Status.ALREADY_FINAL))
        .orElseGet(() -> new CancelResult(null, CancelResult.Status.NOT_FOUND));
  }

  public Optional<Task> get(Connection c, TaskId id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("get_task"))) {
      ps.setString(1, id.value());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(TaskRows.read(rs)) : Optional.empty();
      }
    }
  }

  /** The task's error history, oldest first. */
  public List<AttemptError> errors(Connection c, TaskId id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("task_errors"))) {
      ps.setString(1, id.value());
      List<AttemptError> errors = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          errors.add(new AttemptError(rs.getInt("attempt"), rs.getObject("at", OffsetDateTime.class).toInstant(),
              rs.getString("worker_id"), rs.getString("error"), TaskRows.heartbeats(rs),
              Optional.ofNullable(rs.getObject("claimed_at", OffsetDateTime.class)).map(OffsetDateTime::toInstant)
                  .orElse(null)));
        }
      }
      return errors;
    }
  }

  /**
   * A page: walks the table from the cursor, at most {@code readLimit} rows. When that leaves the page
   * short and the query names a state that at most {@code readLimit} tasks are in (a rare state among
   * many tasks), the page comes from that state's index instead, full.
   */
  public TaskPage list(Connection c, TaskQuery q, int readLimit) throws SQLException {
    TaskPage walked = walk(c, q, readLimit);
    String candidates = q.state() == null ? null : STATE_CANDIDATES.get(q.state());
    if (walked.next() == null || walked.tasks().size() == q.limit() || candidates == null) {
      return walked;
    }
    TaskPage page = listByState(c, candidates, q, readLimit);
    return page != null ? page : walked;
  }

  private TaskPage walk(Connection c, TaskQuery q, int readLimit) throws SQLException {
    String cursor = q.idBound();
    List<Task> tasks;
    try (PreparedStatement ps = c.prepareStatement(sql.get("list_tasks"))) {
      ps.setString(1, cursor);
      ps.setInt(2, readLimit);
      int p = setTwice(ps, 3, q.queue());
      p = setTwice(ps, p, q.state() == null ? null : q.state().name());
      p = setTwice(ps, p, q.type());
      p = setTwiceAt(ps, p, q.createdAfter());
      p = setTwiceAt(ps, p, q.createdBefore());
      // One row more than the page tells whether another page follows.
      ps.setInt(p, q.limit() + 1);
      try (ResultSet rs = ps.executeQuery()) {
        tasks = TaskRows.readAll(rs);
      }
    }
    if (tasks.size() > q.limit()) {
      List<Task> page = tasks.subList(0, q.limit());
      return new TaskPage(page, page.getLast().id());
    }
    // A short page: the walk ended at the table's end, or at its read limit, from where the next page goes on.
    try (PreparedStatement ps = c.prepareStatement(sql.get("list_scan_end"))) {
      ps.setString(1, cursor);
      ps.setInt(2, readLimit);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new TaskPage(tasks, rs.getLong("n") < readLimit ? null : TaskId.of(rs.getString("last")));
      }
    }
  }

  /**
   * The page from the state's own index, or null if more tasks are in the state than a page may read:
   * then walking the table finds a page as soon. Reads every id of the state (with its queue and type)
   * from the index, then the rows of the newest that pass the query, in growing batches, until the page
   * is full.
   */
  private TaskPage listByState(Connection c, String statement, TaskQuery q, int readLimit) throws SQLException {
    List<String> ids = new ArrayList<>();
    int read = 0;
    try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      int p = 1;
      if (statement.equals("list_candidates_waiting")) {
        ps.setString(p++, q.state().name());
      }
      ps.setInt(p, readLimit + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          read++;
          String id = rs.getString("id");
          if ((q.before() == null || id.compareTo(q.before().value()) < 0)
              && (q.queue() == null || q.queue().equals(rs.getString("queue")))
              && (q.type() == null || q.type().equals(rs.getString("type")))) {
            ids.add(id);
          }
        }
      }
    }
    if (read > readLimit) {
      return null;
    }
    ids.sort(Comparator.reverseOrder());
    // One row more than the page tells whether another page follows.
    List<Task> page = new ArrayList<>();
    int from = 0;
    // Batches double, so a search whose rows mostly fail the remaining filters takes a few round trips.
    for (int batch = q.limit() + 1; from < ids.size() && page.size() <= q.limit(); batch = Math.min(2 * batch, 4096)) {
      List<String> some = ids.subList(from, Math.min(ids.size(), from + batch));
      from += some.size();
      try (PreparedStatement ps = c.prepareStatement(sql.get("get_tasks"))) {
        ps.setArray(1, SqlArrays.text(c, some.toArray(String[]::new)));
        try (ResultSet rs = ps.executeQuery()) {
          for (Task t : TaskRows.readAll(rs)) {
            if (q.matches(t) && page.size() <= q.limit()) {
              page.add(t);
            }
          }
        }
      }
    }
    if (page.size() <= q.limit()) {
      return new TaskPage(page, null);
    }
    List<Task> full = page.subList(0, q.limit());
    return new TaskPage(full, full.getLast().id());
  }

  /**
   * Every queue with its counts (SUCCEEDED and CANCELLED up to {@code finishedBound}, and marked as lower
   * bounds when they reach it), flags and oldest ready task, read in one statement.
   */
  public List<QueueInfo> queues(Connection c, long finishedBound) throws SQLException {
    Map<String, Map<TaskState, Long>> counts = new LinkedHashMap<>();
    Map<String, Set<TaskState>> bounded = new HashMap<>();
    Map<String, Boolean> paused = new HashMap<>();
    Map<String, QueueLimits> limits = new HashMap<>();
    Map<String, Instant> oldest = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("queue_infos"))) {
      ps.setLong(1, finishedBound);
      ps.setLong(2, finishedBound);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String queue = rs.getString("queue");
          Map<TaskState, Long> byState = counts.computeIfAbsent(queue, q -> new EnumMap<>(TaskState.class));
          String state = rs.getString("state");
          if (state != null) {
            long n = rs.getLong("n");
            TaskState s = TaskState.valueOf(state);
            byState.put(s, n);
            if ((s == TaskState.SUCCEEDED || s == TaskState.CANCELLED) && n >= finishedBound) {
              bounded.computeIfAbsent(queue, q -> EnumSet.noneOf(TaskState.class)).add(s);
            }
          }
          paused.put(queue, rs.getBoolean("paused"));
          limits.put(queue, new QueueLimits(rs.getObject("max_running", Integer.class),
              rs.getObject("rate_per_second", Double.class), rs.getObject("burst", Integer.class)));
          OffsetDateTime readyAt = rs.getObject("ready_at", OffsetDateTime.class);
          if (readyAt != null) {
            oldest.put(queue, readyAt.toInstant());
          }
        }
      }
    }
    List<QueueInfo> infos = new ArrayList<>();
    counts.forEach((queue, byState) -> {
      QueueInfo info = new QueueInfo(queue, byState, paused.get(queue), limits.get(queue), oldest.get(queue),
          bounded.getOrDefault(queue, Set.of()));
      if (!info.isIdle()) { // a settings row left by a pause or a limit since undone
        infos.add(info);
      }
    });
    return infos;
  }

  /** The SCHEDULED and RETRYING tasks, soonest first: the front of tasks_waiting in each queue, merged. */
  public DeadGroups deadGroups(Connection c, DeadGroupQuery q) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("dead_groups"))) {
      ps.setString(1, q.queue());
      ps.setString(2, q.queue());
      ps.setString(3, q.type());
      ps.setString(4, q.type());
      ps.setInt(5, q.maxRead());
      List<DeadGroups.Group> groups = new ArrayList<>();
      long read = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long n = rs.getLong(4);
          read += n;
          groups.add(new DeadGroups.Group(rs.getString(1), rs.getString(2), rs.getString(3), n,
              rs.getObject(5, OffsetDateTime.class).toInstant(), TaskId.of(rs.getString(6))));
        }
      }
      // Fewer than asked for: every match was read.
      return new DeadGroups(groups, (int) read, read < q.maxRead());
    }
  }

  public DuePage listDue(Connection c, DueQuery q) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("list_due"))) {
      ps.setString(1, q.queue());
      ps.setString(2, q.type());
      ps.setInt(3, q.limit());
      try (ResultSet rs = ps.executeQuery()) {
        return new DuePage(TaskRows.readAll(rs));
      }
    }
  }

  public void pauseQueue(Connection c, String queue, boolean pause) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("pause_queue"))) {
      ps.setString(1, queue);
      ps.setBoolean(2, pause);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
      }
    }
  }

  public void limitQueue(Connection c, String queue, QueueLimits limits) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("limit_queue"))) {
      ps.setString(1, queue);
      ps.setObject(2, limits.maxRunning(), Types.INTEGER);
      ps.setObject(3, limits.ratePerSecond(), Types.DOUBLE);
      ps.setObject(4, limits.burst(), Types.INTEGER);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
      }
    }
  }

  public int runNow(Connection c, RunNowRequest r) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("run_now"))) {
      setFilter(ps, new DeadFilter(r.id(), r.queue(), r.type()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Replays the DEAD tasks the filter matches; returns their ids. */
  public List<TaskId> replayDead(Connection c, DeadFilter f) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("replay_dead"))) {
      setFilter(ps, f);
      List<TaskId> replayed = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          replayed.add(TaskId.of(rs.getString(1)));
        }
      }
      return replayed;
    }
  }

  /** Deletes at most {@code limit} DEAD tasks, and their error history, in one short statement. */
  public int purgeDeadBatch(Connection c, DeadFilter f, int limit) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("purge_dead"))) {
      int p = setFilter(ps, f);
      ps.setInt(p, limit);
      return count(ps);
    }
  }

  /** The queues that hold finished tasks. */
  public List<String> finishedQueues(Connection c) throws SQLException {
    List<String> queues = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("prune_queues")); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        queues.add(rs.getString(1));
      }
    }
    return queues;
  }

  /**
   * Deletes at most {@code limit} of {@code queue}'s tasks that finished in {@code state} before
   * {@code finishedBefore}, and their error history, in one short statement.
   */
  public int pruneBatch(Connection c, String queue, TaskState state, Instant finishedBefore, int limit)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("prune_finished"))) {
      ps.setString(1, queue);
      ps.setString(2, state.name());
      ps.setObject(3, OffsetDateTime.ofInstant(finishedBefore, ZoneOffset.UTC));
      ps.setInt(4, limit);
      return count(ps);
    }
  }

  private static int count(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * How long until work may come due in one of {@code queues} on the database's clock; null if never. One
   * statement per queue: every wait of Errand's own is on one queue.
   */
  public Duration nextDue(Connection c, Set<String> queues) throws SQLException {
    Duration earliest = null;
    try (PreparedStatement ps = c.prepareStatement(sql.get("next_due_micros"))) {
      for (String queue : queues) {
        for (int p = 1; p <= 4; p++) { // the statement names the queue four times
          ps.setString(p, queue);
        }
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          long micros = rs.getLong(1);
          if (!rs.wasNull()) {
            Duration due = Duration.of(Math.max(0, micros), ChronoUnit.MICROS);
            earliest = earliest == null || due.compareTo(earliest) < 0 ? due : earliest;
          }
        }
      }
    }
    return earliest;
  }

  public void ping(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("ping")); ResultSet rs = ps.executeQuery()) {
      rs.next();
    }
  }

  private static int setFilter(PreparedStatement ps, DeadFilter f) throws SQLException {
    int p = setTwice(ps, 1, f.id() == null ? null : f.id().value());
    p = setTwice(ps, p, f.queue());
    return setTwice(ps, p, f.type());
  }

  /** Binds an optional time filter written as {@code (?::timestamptz IS NULL OR column >= ?)}. */
  private static int setTwiceAt(PreparedStatement ps, int p, Instant value) throws SQLException {
    OffsetDateTime at = value == null ? null : OffsetDateTime.ofInstant(value, ZoneOffset.UTC);
    ps.setObject(p, at, Types.TIMESTAMP_WITH_TIMEZONE);
    ps.setObject(p + 1, at, Types.TIMESTAMP_WITH_TIMEZONE);
    return p + 2;
  }

  /** Binds an optional filter written as {@code (?::text IS NULL OR column = ?)}. */
  private static int setTwice(PreparedStatement ps, int p, String value) throws SQLException {
    if (value == null) {
      ps.setNull(p, Types.VARCHAR);
      ps.setNull(p + 1, Types.VARCHAR);
    } else {
      ps.setString(p, value);
      ps.setString(p + 1, value);
    }
    return p + 2;
  }
}
