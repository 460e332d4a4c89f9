package dev.errand.server;

import dev.errand.core.StoreCorruptException;
import dev.errand.core.StoreUnavailableException;
import dev.errand.core.AttemptError;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.spi.CancelRequest;
import dev.errand.core.spi.CancelResult;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.ClaimResult;
import dev.errand.core.spi.CompleteRequest;
import dev.errand.core.spi.CompleteResult;
import dev.errand.core.spi.DeadFilter;
import dev.errand.core.spi.DuePage;
import dev.errand.core.spi.DueQuery;
import dev.errand.core.spi.ExtendRequest;
import dev.errand.core.spi.ExtendResult;
import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.PruneRequest;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.QueueLimitsRequest;
import dev.errand.core.spi.QueueLimitStore;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A real store whose connection tests can cut (or whose data they can declare damaged): while down, every
 * call throws StoreUnavailableException (or StoreCorruptException),
 * including those of the store's schedules, limits and wake-up, which it is assumed to have.
 */
final class SwitchableStore implements TaskStore, ScheduleStore, QueueLimitStore, WakeUpStore, WorkflowStore {
  private final TaskStore store;
  private volatile Supplier<RuntimeException> failure; // null while up

  SwitchableStore(TaskStore store) {
    this.store = store;
  }

  void down(boolean down) {
    this.failure = down ? () -> new StoreUnavailableException("connection refused (test)", null) : null;
  }

  /** Every call fails as on a store whose data is damaged, until {@code down(false)}. */
  void corrupt() {
    this.failure = () -> new StoreCorruptException("page 150 is damaged (test)", null);
  }

  private TaskStore store() {
    Supplier<RuntimeException> failing = failure;
    if (failing != null) {
      throw failing.get();
    }
    return store;
  }

  private <T> T power(Class<T> type) {
    return store().capability(type).orElseThrow();
  }

  @Override public String name() { return store.name(); }
  @Override public InsertResult insertMany(InsertRequest r) { return store().insertMany(r); }
  @Override public ClaimResult claim(ClaimRequest r) { return store().claim(r); }
  @Override public ExtendResult extendMany(ExtendRequest r) { return store().extendMany(r); }
  @Override public CompleteResult completeMany(CompleteRequest r) { return store().completeMany(r); }
  @Override public SweepResult sweepExpiredLeases(SweepRequest r) { return store().sweepExpiredLeases(r); }
  @Override public CancelResult cancel(CancelRequest r) { return store().cancel(r); }
  @Override public Optional<Task> get(TaskId id) { return store().get(id); }
  @Override public List<AttemptError> errors(TaskId id) { return store().errors(id); }
  @Override public TaskPage list(TaskQuery q) { return store().list(q); }
  @Override public List<QueueInfo> queues() { return store().queues(); }
  @Override public DuePage listDue(DueQuery q) { return store().listDue(q); }
  @Override public int runNow(RunNowRequest r) { return store().runNow(r); }
  @Override public void pauseQueue(QueuePauseRequest r) { store().pauseQueue(r); }
  @Override public void limitQueue(QueueLimitsRequest r) { power(QueueLimitStore.class).limitQueue(r); }
  @Override public StoredSchedule putSchedule(SchedulePutRequest r) { return power(ScheduleStore.class).putSchedule(r); }
  @Override public boolean deleteSchedule(String name) { return power(ScheduleStore.class).deleteSchedule(name); }
  @Override public List<StoredSchedule> storedSchedules() { return power(ScheduleStore.class).storedSchedules(); }
  @Override public int replayDead(DeadFilter f) { return store().replayDead(f); }
  @Override public int purgeDead(DeadFilter f) { return store().purgeDead(f); }
  @Override public int prune(PruneRequest r) { return store().prune(r); }
  @Override public void awaitWork(WaitRequest r) throws InterruptedException { power(WakeUpStore.class).awaitWork(r); }
  @Override public void ping() { store().ping(); }
  @Override public WorkflowInsertResult insertWorkflow(WorkflowInsert w) { return power(WorkflowStore.class).insertWorkflow(w); }
  @Override public Optional<WorkflowInfo> workflow(String id) { return power(WorkflowStore.class).workflow(id); }
  @Override public Optional<WorkflowInfo> cancelWorkflow(String id) { return power(WorkflowStore.class).cancelWorkflow(id); }
  @Override public Map<TaskId, List<ParentResult>> parents(List<TaskId> t) { return power(WorkflowStore.class).parents(t); }

  /** Workflows only when the real store has them, so a store without answers as it would. */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    if (type == WorkflowStore.class && store.capability(WorkflowStore.class).isEmpty()) {
      return Optional.empty();
    }
    return TaskStore.super.capability(type);
  }
  @Override public void close() { store.close(); }
}
