package dev.errand.store.postgres.internal;

import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Coalesces concurrent small inserts in the store's own transactions into one statement and one commit
 * (group commit): each commit waits for its WAL flush, so single enqueues that each paid a round trip and
 * a flush of their own share them instead.
 *
 * <p>A call that finds no group insert in flight runs at once on its own thread: a lone enqueue on an
 * idle store waits for nothing. Calls that arrive while one is in flight wait; when it ends, the first of
 * them runs all that are waiting (up to {@link #MAX_GROUP_TASKS} tasks) as one insert on its own thread,
 * and answers the others. At most one group insert is in flight, so a burst of callers makes few large
 * statements instead of many small ones queueing for connections and flushes.
 *
 * <p>Each caller gets exactly the outcomes of its own tasks, as if it had inserted alone after the
 * callers before it in the group: a task whose id or idempotency key an earlier task of the group took
 * comes back with that task and {@code created == false}. When a group's insert fails for a reason that
 * lies in one request's own data ({@code ownFault}: a value the database refuses, which fails the
 * statement before anything is written), every request of the group runs again alone, so only that
 * request fails. Any other failure (a lost connection, a closed store) is every caller's answer.
 *
 * <p>Requests of more than {@link #MAX_COALESCED_REQUEST} tasks are batches already and run at once,
 * alone. Waiting ignores interrupts: a caller that left early could not know whether its tasks were
 * written. Thread-safe; the lock is never held across I/O.
 */
public final class GroupInserter {
  /**
   * Larger requests already share one statement and one flush among their tasks, and holding them back
   * behind a group would only serialize big inserts that the database runs side by side.
   */
  static final int MAX_COALESCED_REQUEST = 16;
  /**
   * The most tasks one group insert takes: a thousand-row insert is a few milliseconds of the database's
   * time, so callers behind a full group wait little, while the flush is shared a thousand ways.
   */
  static final int MAX_GROUP_TASKS = 1000;

  private final Function<List<NewTask>, InsertResult> insert;
  private final Predicate<RuntimeException> ownFault;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by lock
  private boolean inFlight; // guarded by lock

  /**
   * @param insert inserts tasks in one statement of the store's own, answering in request order
   * @param ownFault whether a failure of {@code insert} lies in the data of the tasks inserted, and so
   *     wrote nothing and would fail only the request that holds the offending value
   */
  public GroupInserter(Function<List<NewTask>, InsertResult> insert, Predicate<RuntimeException> ownFault) {
    this.insert = insert;
    this.ownFault = ownFault;
  }

  /** Inserts {@code tasks}, alone or with the requests of other callers; outcomes in request order. */
  public InsertResult insert(List<NewTask> tasks) {
    if (tasks.size() > MAX_COALESCED_REQUEST) {
      return insert.apply(tasks);
    }
    Pending me = null;
    lock.lock();
    try {
      if (inFlight) {
        me = new Pending(tasks);
        waiting.add(me);
      } else {
        inFlight = true;
      }
    } finally {
      lock.unlock();
    }
    if (me == null) {
      try {
        return insert.apply(tasks);
      } finally {
        handOn();
      }
    }
    Turn turn = me.turn.join();
    if (turn instanceof Turn.Lead lead) {
      try {
        turn = run(lead.group());
      } finally {
        handOn();
      }
    }
    return switch (turn) {
      case Turn.Done done -> done.result();
      case Turn.Failed failed -> throw rethrow(failed.error());
      case Turn.Alone alone -> insert.apply(tasks);
      case Turn.Lead lead -> throw new IllegalStateException("a group's leader was told to lead again");
    };
  }

  /**
   * Runs a group's insert and answers each of its requests but the first, the leader's, whose answer it
   * returns.
   */
  private Turn run(List<Pending> group) {
    List<Turn> answers = new ArrayList<>(group.size());
    try {
      List<NewTask> all = new ArrayList<>();
      for (Pending p : group) {
        all.addAll(p.tasks);
      }
      InsertResult result = insert.apply(all);
      int from = 0;
      for (Pending p : group) {
        int to = from + p.tasks.size();
        answers.add(new Turn.Done(new InsertResult(result.outcomes().subList(from, to))));
        from = to;
      }
    } catch (RuntimeException | Error e) {
      boolean alone = group.size() > 1 && e instanceof RuntimeException r && ownFault.test(r);
      answers.clear();
      for (int i = 0; i < group.size(); i++) {
        answers.add(alone ? new Turn.Alone() : new Turn.Failed(e));
      }
    }
    for (int i = 1; i < group.size(); i++) {
      group.get(i).turn.complete(answers.get(i));
    }
    return answers.getFirst();
  }

  /** Ends an insert: the first waiting caller leads the next group, or nothing is in flight any more. */
  private void handOn() {
    lock.lock();
    try {
      if (waiting.isEmpty()) {
        inFlight = false;
        return;
      }
      List<Pending> group = new ArrayList<>();
      int tasks = 0;
      while (!waiting.isEmpty() && (group.isEmpty() || tasks + waiting.peek().tasks.size() <= MAX_GROUP_TASKS)) {
        Pending p = waiting.poll();
        tasks += p.tasks.size();
        group.add(p);
      }
      group.getFirst().turn.complete(new Turn.Lead(group));
    } finally {
      lock.unlock();
    }
  }

  private static RuntimeException rethrow(Throwable error) {
    if (error instanceof Error e) {
      throw e;
    }
    return (RuntimeException) error;
  }

  /** A waiting caller's request; its turn says what to do when it comes. */
  private static final class Pending {
    final List<NewTask> tasks;
    final CompletableFuture<Turn> turn = new CompletableFuture<>();

    Pending(List<NewTask> tasks) {
      this.tasks = tasks;
    }
  }

  /** What a waiting caller is told: lead a group, take its answer, or insert again alone. */
  private sealed interface Turn {
    record Lead(List<Pending> group) implements Turn {}

    record Done(InsertResult result) implements Turn {}

    record Failed(Throwable error) implements Turn {}

    record Alone() implements Turn {}
  }
}
