package dev.errand.store.sqlite.internal;

import dev.errand.core.Task;
import dev.errand.core.TaskHeaders;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.AttemptTimeout;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.Completion;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.LeaseRef;
import dev.errand.core.spi.NewTask;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The writes of a task's life after its claim and around it: inserts, lease extensions, completions and
 * cancels, each run in the writer's transaction it is given. Inserts of delayed tasks and completions
 * that delay one lower the {@link ClaimHorizon}. Confined to the writer thread. Not public API.
 */
public final class TaskWrites {
  private final ClaimHorizon horizon;

  public TaskWrites(ClaimHorizon horizon) {
    this.horizon = horizon;
  }

  public InsertResult insert(WriteContext tx, List<NewTask> tasks) throws SQLException {
    return insert(tx, tasks, true);
  }

  /** As {@link #insert(WriteContext, List)}; READY tasks wake no waiter unless {@code wakeReady}. */
  public InsertResult insert(WriteContext tx, List<NewTask> tasks, boolean wakeReady) throws SQLException {
    long now = Micros.of(tx.now());
    Instant createdAt = Micros.toInstant(now);
    PreparedStatement insert = tx.statement("task_insert");
    List<Task> candidates = new ArrayList<>(tasks.size());
    for (NewTask t : tasks) {
      long runAt = t.runAt() != null ? Micros.of(t.runAt()) : Micros.plus(now, t.delay());
      TaskState state = t.joinCount() > 0 ? TaskState.WAITING : runAt <= now ? TaskState.READY : TaskState.SCHEDULED;
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
      insert.setInt(14, t.joinCount());
      insert.setString(15, t.kind());
      insert.setString(16, TaskHeaders.toJson(t.headers()));
      insert.addBatch();
      candidates.add(new Task(t.id(), t.queue(), t.type(), t.payload(), t.priority(), state, 0, t.retry(),
          t.timeout(), t.idempotencyKey(), Micros.toInstant(runAt), createdAt, null, null, null, null, null,
          t.kind(), t.headers()));
    }
    int[] counts = insert.executeBatch();
    List<InsertResult.Outcome> outcomes = new ArrayList<>(tasks.size());
    for (int i = 0; i < counts.length; i++) {
      Task candidate = candidates.get(i);
      if (counts[i] > 0) {
        if (wakeReady || candidate.state() != TaskState.READY) {
          tx.wake(candidate.queue());
        }
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

  /** A task of {@code queue} comes due at {@code at}: claims look for it from then on. */
  private void dueBy(WriteContext tx, String queue, long at) {
    horizon.dueBy(queue, at);
    tx.afterCommit(() -> horizon.dueBy(queue, at));
  }

  /**
   * One statement run per lease, each returning the expiry it set: the timeout caps some leases short of
   * the one asked for (see lease_extend).
   */
  public ExtendResult extend(WriteContext tx, ExtendRequest request) throws SQLException {
    long now = Micros.of(tx.now());
    long until = Micros.plus(now, request.leaseFor());
    PreparedStatement extend = tx.statement("lease_extend");
    Map<TaskId, Instant> extended = new HashMap<>();
    List<TaskId> stale = new ArrayList<>();
    for (LeaseRef lease : request.leases()) {
      extend.setString(1, lease.id().value());
      extend.setString(2, lease.token());
      extend.setLong(3, until);
      extend.setLong(4, now);
      extend.setLong(5, Micros.plus(0, AttemptTimeout.GRACE));
      extend.setBytes(6, lease.progress() == null ? null : lease.progress().bytesUnsafe());
      try (ResultSet rs = extend.executeQuery()) {
        if (rs.next()) {
          extended.put(lease.id(), Micros.toInstant(rs.getLong(1)));
        } else {
          stale.add(lease.id());
        }
      }
    }
    return new ExtendResult(extended, stale);
  }

  /**
   * Binds each completion to the statement of its outcome and runs each statement's batch once; the
   * batches' row counts tell which tokens were stale. A retry's or death's error goes into the task's
   * history just before its batch runs, fenced by the same token, so a stale completion records nothing.
   * Asked for the tasks, it runs each completion alone through the same statement with {@code RETURNING *}
   * (a batch cannot return rows), so the task comes back from the statement that changed it.
   */
  public CompleteResult complete(WriteContext tx, CompleteRequest request) throws SQLException {
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
    Set<TaskId> applied = request.hasFollowUps() ? new HashSet<>() : null;
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
          } else if (applied != null) {
            applied.add(completions.get(i).id());
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
          } else if (applied != null) {
            applied.add(completions.get(batch.getValue().get(k)).id());
          }
        }
      }
    }
    if (applied != null) {
      writeFollowUps(tx, request.appliedFollowUps(applied), now);
    }
    List<Task> tasks = new ArrayList<>();
    for (Task t : returned) {
      if (t != null) {
        tasks.add(t);
      }
    }
    return new CompleteResult(stale, tasks);
  }

  /** The applied completions' follow-ups, in their transaction: the inserts, then the join decrements. */
  private void writeFollowUps(WriteContext tx, Completion.FollowUps followUps, long now) throws SQLException {
    if (!followUps.inserts().isEmpty()) {
      insert(tx, followUps.inserts());
    }
    decrementJoins(tx, followUps.decrements(), now);
  }

  /**
   * One off the join counter of each WAITING task listed, once per listing: a task that reaches zero is
   * made runnable and its queue woken after the commit.
   */
  public void decrementJoins(WriteContext tx, List<TaskId> ids, long now) throws SQLException {
    Map<TaskId, Integer> decrements = new LinkedHashMap<>();
    ids.forEach(id -> decrements.merge(id, 1, Integer::sum));
    PreparedStatement decrement = tx.statement("task_join_decrement");
    for (Map.Entry<TaskId, Integer> d : decrements.entrySet()) {
      decrement.setString(1, d.getKey().value());
      decrement.setInt(2, d.getValue());
      decrement.setLong(3, now);
      try (ResultSet rs = decrement.executeQuery()) {
        if (rs.next() && !rs.getString("state").equals(TaskState.WAITING.name())) {
          String queue = rs.getString("queue");
          tx.wake(queue);
          if (rs.getString("state").equals(TaskState.SCHEDULED.name())) {
            dueBy(tx, queue, rs.getLong("run_at"));
          }
        }
      }
    }
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
    SqlRuns.trimErrors(tx, recorded);
  }

  /** A task of a queue a completion does not name comes due at {@code at}. */
  private void dueEverywhereBy(WriteContext tx, long at) {
    horizon.dueEverywhereBy(at);
    tx.afterCommit(() -> horizon.dueEverywhereBy(at));
  }

  public CancelResult cancel(WriteContext tx, TaskId id) throws SQLException {
    PreparedStatement cancel = tx.statement("task_cancel");
    cancel.setString(1, id.value());
    cancel.setLong(2, Micros.of(tx.now()));
    Task cancelled = TaskRows.readOne(cancel);
    if (cancelled != null) {
      return new CancelResult(cancelled, CancelResult.Status.CANCELLED);
    }
    PreparedStatement get = tx.statement("task_get");
    get.setString(1, id.value());
    Task existing = TaskRows.readOne(get);
    return existing == null
        ? new CancelResult(null, CancelResult.Status.NOT_FOUND)
        : new CancelResult(existing, CancelResult.Status.ALREADY_FINAL);
  }
}
