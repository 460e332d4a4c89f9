package dev.errand.store.sqlite.internal;

import dev.errand.core.Task;
import dev.errand.core.TaskState;
import dev.errand.core.spi.SweepRequest;
import dev.errand.core.spi.SweepResult;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes back leases that ran out, in the writer's transaction: the single writer makes finding them and
 * taking them back one atomic step, and each update is fenced by its token as every other write to a
 * RUNNING task is. Each lost attempt goes into the error history in the same transaction. Confined to
 * the writer thread. Not public API.
 */
public final class LeaseSweeps {
  private final ClaimHorizon horizon;

  public LeaseSweeps(ClaimHorizon horizon) {
    this.horizon = horizon;
  }

  public SweepResult sweep(WriteContext tx, SweepRequest request) throws SQLException {
    long now = Micros.of(tx.now());
    PreparedStatement find = tx.statement("lease_sweep_find");
    find.setLong(1, now);
    find.setInt(2, request.limit());
    List<Task> expired = TaskRows.readAll(find);
    if (expired.isEmpty()) {
      return new SweepResult(List.of());
    }
    PreparedStatement record = tx.statement("task_error_record");
    PreparedStatement apply = tx.statement("lease_sweep_apply");
    List<SweepResult.Swept> swept = new ArrayList<>(expired.size());
    List<String> ids = new ArrayList<>(expired.size());
    for (Task t : expired) {
      SweepResult.Swept s = SweepResult.Swept.of(t);
      record.setString(1, t.id().value());
      record.setString(2, t.lease().token());
      record.setLong(3, now);
      record.setString(4, s.error());
      record.executeUpdate();
      apply.setString(1, t.id().value());
      apply.setString(2, t.lease().token());
      apply.setString(3, s.state().name());
      apply.setLong(4, now);
      apply.setString(5, s.error());
      if (apply.executeUpdate() == 0) {
        continue; // cannot happen under the single writer; fenced all the same
      }
      swept.add(s);
      ids.add(t.id().value());
      if (s.state() == TaskState.RETRYING) {
        horizon.dueBy(t.queue(), now);
        tx.afterCommit(() -> horizon.dueBy(t.queue(), now));
      }
      if (s.state() != TaskState.DEAD) {
        tx.wake(t.queue());
      }
    }
    SqlRuns.trimErrors(tx, ids);
    return new SweepResult(swept);
  }
}
