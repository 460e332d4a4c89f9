package dev.errand.bench;

import dev.errand.core.TaskId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The exactly-once check of a run: the ids of the tasks a run enqueues are chosen up front, each
 * handler call (or enqueue, or claim) records its id, and {@link #verify} fails the run unless every
 * id was recorded exactly once, no other id was seen, and the store counts the same number of tasks in
 * the expected state. A fast wrong run therefore cannot report a number.
 *
 * <p>Thread-safe: {@link #record} may be called from any number of threads; the id index is built in
 * the constructor and only read afterwards.
 */
final class Ledger {
  private final List<TaskId> ids;
  private final Map<TaskId, Integer> index;
  private final AtomicIntegerArray seen;
  private final LongAdder unknown = new LongAdder();

  private Ledger(List<TaskId> ids) {
    this.ids = List.copyOf(ids);
    this.index = HashMap.newHashMap(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      if (index.put(ids.get(i), i) != null) {
        throw new IllegalArgumentException("id " + ids.get(i) + " is listed twice");
      }
    }
    this.seen = new AtomicIntegerArray(ids.size());
  }

  /** A ledger of {@code n} fresh task ids. */
  static Ledger ofFreshIds(int n) {
    List<TaskId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(TaskId.generate());
    }
    return new Ledger(ids);
  }

  static Ledger of(List<TaskId> ids) {
    return new Ledger(ids);
  }

  int size() {
    return ids.size();
  }

  TaskId id(int i) {
    return ids.get(i);
  }

  /** Records one sighting of {@code id}; returns its index, or -1 if the ledger does not know it. */
  int record(TaskId id) {
    Integer i = index.get(id);
    if (i == null) {
      unknown.increment();
      return -1;
    }
    seen.incrementAndGet(i);
    return i;
  }

  /** The index of {@code id}, or -1; records nothing. */
  int indexOf(TaskId id) {
    Integer i = index.get(id);
    return i == null ? -1 : i;
  }

  /** How many ids were seen at least once so far. */
  int seenCount() {
    int n = 0;
    for (int i = 0; i < seen.length(); i++) {
      if (seen.get(i) > 0) {
        n++;
      }
    }
    return n;
  }

  /**
   * Throws unless every id was seen exactly once, no unknown id was seen, and {@code storeCount} (what
   * the store holds in state {@code what}) equals the number of ids.
   */
  void verify(String what, long storeCount) {
    int lost = 0;
    int duplicated = 0;
    TaskId firstLost = null;
    TaskId firstDuplicated = null;
    for (int i = 0; i < seen.length(); i++) {
      int times = seen.get(i);
      if (times == 0) {
        lost++;
        firstLost = firstLost == null ? ids.get(i) : firstLost;
      } else if (times > 1) {
        duplicated++;
        firstDuplicated = firstDuplicated == null ? ids.get(i) : firstDuplicated;
      }
    }
    long strangers = unknown.sum();
    List<String> problems = new ArrayList<>();
    if (lost > 0) {
      problems.add(lost + " of " + ids.size() + " tasks never seen (first " + firstLost + ")");
    }
    if (duplicated > 0) {
      problems.add(duplicated + " tasks seen more than once (first " + firstDuplicated + ")");
    }
    if (strangers > 0) {
      problems.add(strangers + " sightings of ids this run never enqueued");
    }
    if (storeCount != ids.size()) {
      problems.add("the store counts " + storeCount + " tasks " + what + ", expected " + ids.size());
    }
    if (!problems.isEmpty()) {
      throw new CorrectnessException("exactly-once check failed: " + String.join("; ", problems));
    }
  }
}
