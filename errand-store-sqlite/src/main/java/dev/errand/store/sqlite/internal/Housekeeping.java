package dev.errand.store.sqlite.internal;

import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.RunNowRequest;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Operators' writes on tasks that are done: replaying and purging dead tasks, pruning finished ones. Each
 * runs in the writer's transaction it is given. Not public API.
 */
public final class Housekeeping {
  /** Returns the ids of the tasks replayed. */
  public List<TaskId> replayDead(WriteContext tx, DeadFilter filter) throws SQLException {
    PreparedStatement replay = deadStatement(tx, filter, "dead_replay_by_id", "dead_replay");
    replay.setLong(filter.id() != null ? 4 : 3, Micros.of(tx.now()));
    List<TaskId> replayed = SqlRuns.readIds(replay).stream().map(TaskId::of).toList();
    if (!replayed.isEmpty()) {
      tx.wakeAll();
    }
    return replayed;
  }

  /** SCHEDULED and RETRYING tasks to READY now; the same shape as a replay, on SCHEDULED and RETRYING tasks. */
  public int runNow(WriteContext tx, RunNowRequest request) throws SQLException {
    PreparedStatement run = deadStatement(tx, new DeadFilter(request.id(), request.queue(), request.type()),
        "run_now_by_id", "run_now");
    run.setLong(request.id() != null ? 4 : 3, Micros.of(tx.now()));
    int ran = run.executeUpdate();
    if (ran > 0) {
      tx.wakeAll();
    }
    return ran;
  }

  public int purgeDead(WriteContext tx, DeadFilter filter) throws SQLException {
    List<String> purged = SqlRuns.readIds(deadStatement(tx, filter, "dead_purge_by_id", "dead_purge"));
    SqlRuns.runForEach(tx.statement("task_errors_delete"), purged);
    return purged.size();
  }

  /**
   * The by-id statement if the filter names an id (a key look-up), else the filtered one; bound. Run-now
   * statements take the same three filters.
   */
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
  public int prune(WriteContext tx, PruneRequest request) throws SQLException {
    int left = request.limit();
    PreparedStatement prune = tx.statement("prune");
    for (String queue : SqlRuns.readIds(tx.statement("prune_queues"))) {
      for (TaskState state : List.of(TaskState.SUCCEEDED, TaskState.CANCELLED)) {
        if (left == 0) {
          break;
        }
        prune.setString(1, queue);
        prune.setString(2, state.name());
        prune.setLong(3, Micros.of(request.finishedBefore()));
        prune.setInt(4, left);
        List<String> pruned = SqlRuns.readIds(prune);
        SqlRuns.runForEach(tx.statement("task_errors_delete"), pruned);
        left -= pruned.size();
      }
    }
    return request.limit() - left;
  }
}
