package dev.errand.bench;

import dev.errand.core.TaskId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The exactly-once check of a run: the ids of the tasks a run enqueues are chosen up front, each
 * handler call (or enqueue, or claim) records its id, and {@link #verify} fails the run unless every
 * id was recorded exactly once, no other id was seen, and the store counts the same number of tasks in
 * the expected state. A fast wrong run therefore cannot report a number.
 *
 * <p>The index from id to position is an open-addressing table of the id strings themselves (linear
 * probing, at most half full), built once: a lookup is a hash the string has cached and one or two
 * string comparisons, without the nodes, boxed positions and record indirections of a hash map, which
 * took a third of the workers' own CPU in a drain of no-op tasks.
 *
 * <p>Thread-safe: {@link #record} may be called from any number of threads; the id index is built in
 * the constructor and only read afterwards.
 */
final class Ledger {
  private final List<TaskId> ids;
  /** Slot to id string, null where empty; {@link #positions} holds each id's ledger position. */
  private final String[] keys;
  private final int[] positions;
  private final int mask;
  private final AtomicIntegerArray seen;
  private final LongAdder unknown = new LongAdder();

  private Ledger(List<TaskId> ids) {
    this.ids = List.copyOf(ids);
    int capacity = Integer.highestOneBit(Math.max(2, ids.size()) * 2 - 1) << 1;
    this.keys = new String[capacity];
    this.positions = new int[capacity];
    this.mask = capacity - 1;
    for (int i = 0; i < ids.size(); i++) {
      String key = ids.get(i).value();
      int slot = slotOf(key);
      if (keys[slot] != null) {
        throw new IllegalArgumentException("id " + key + " is listed twice");
      }
      keys[slot] = key;
      positions[slot] = i;
    }
    this.seen = new AtomicIntegerArray(ids.size());
  }

  /** The slot holding {@code key}, or the empty slot where it would go. */
  private int slotOf(String key) {
    int h = key.hashCode();
    int slot = (h ^ (h >>> 16)) & mask;
    while (keys[slot] != null && !keys[slot].equals(key)) {
      slot = (slot + 1) & mask;
    }
    return slot;
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
    int i = indexOf(id);
    if (i < 0) {
      unknown.increment();
      return -1;
    }
    seen.incrementAndGet(i);
    return i;
  }

  /** The index of {@code id}, or -1; records nothing. */
  int indexOf(TaskId id) {
    int slot = slotOf(id.value());
    return keys[slot] == null ? -1 : positions[slot];
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
