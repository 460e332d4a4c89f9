package dev.errand.store.redis.internal;

import io.lettuce.core.protocol.AsyncCommand;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets a completion batch ride with the next claim on a server that fsyncs every write
 * ({@code appendfsync always}): the two scripts then go out in one write, run in one turn of Redis's
 * event loop and share one fsync, where sent apart they cost one fsync each, and a claim sent while a
 * completion is being fsynced waits for it. In a drain that is one fsync per claim instead of about two.
 *
 * <p>A completion is held only while a claim is expected soon: one is in flight, or the last one took all
 * it asked for less than {@link #EXPECT_NANOS} ago (the queue has a backlog, so the worker claims again as
 * soon as its slots free up, and a slot frees up when its handler ends, not when its completion is
 * written). It waits at most {@link #HOLD_NANOS}; if no claim takes it by then, or none is expected, its
 * caller sends it alone. One completion is held at a time; others are sent at once. The completion runs
 * before the claim, in the same turn of the event loop.
 *
 * <p>Once a claim has taken a completion, the completion is sent with it or, if the claim fails before
 * sending, handed back with the failure: never sent twice, never dropped. Thread-safe; not public API.
 */
public final class CompletionCarrier {
  /**
   * How long after a full claim the next one is expected: a worker with a backlog claims again as soon as
   * its handlers end, which for short tasks is well under a millisecond after the claim came back.
   */
  static final long EXPECT_NANOS = 4_000_000;
  /**
   * The longest a completion waits for a claim: a claim in flight waits for its fsync, which took from
   * 0.1 to over 10 ms on the disk measured; past this the completion is sent alone.
   */
  static final long HOLD_NANOS = 25_000_000;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition sent = lock.newCondition();
  private Held held; // guarded by lock
  private long claimsExpectedUntil = System.nanoTime(); // guarded by lock
  private int claimsInFlight; // guarded by lock

  /** A completion batch waiting for a claim; {@code command} or {@code failure} is set once it is taken. */
  public static final class Held {
    private final Args args;
    private boolean taken; // guarded by the carrier's lock
    private AsyncCommand<String, byte[], List<Object>> command; // guarded by the carrier's lock
    private RuntimeException failure; // guarded by the carrier's lock

    Held(Args args) {
      this.args = args;
    }

    public Args args() {
      return args;
    }
  }

  /**
   * Holds {@code args} (a complete.lua call) for a claim to carry. Returns the command it was sent in, or
   * null when no claim took it (claims not expected, another completion held, or none came in time): then
   * the caller sends it itself. Throws the claim's failure if the claim that took it could not send it.
   */
  public AsyncCommand<String, byte[], List<Object>> hold(Args args) {
    lock.lock();
    try {
      long now = System.nanoTime();
      if (held != null || !claimExpected(now)) {
        return null;
      }
      Held h = new Held(args);
      held = h;
      long deadline = now + HOLD_NANOS;
      boolean interrupted = false;
      while (!h.taken && deadline - now > 0 && claimExpected(now)) {
        try {
          sent.awaitNanos(Math.min(deadline, claimsInFlight > 0 ? deadline : claimsExpectedUntil) - now);
        } catch (InterruptedException e) {
          interrupted = true;
          break;
        }
        now = System.nanoTime();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (!h.taken) {
        held = null;
        return null;
      }
      // Taken: the claim is sending it now and answers within microseconds.
      while (h.command == null && h.failure == null) {
        sent.awaitUninterruptibly();
      }
      if (h.failure != null) {
        throw h.failure;
      }
      return h.command;
    } finally {
      lock.unlock();
    }
  }

  private boolean claimExpected(long now) {
    return claimsInFlight > 0 || claimsExpectedUntil - now > 0;
  }

  /**
   * The claim's side, as it starts: takes the held completion, if any (the caller must then call
   * {@link #carried}), and counts the claim in flight until {@link #claimed}.
   */
  public Held claimStarting() {
    lock.lock();
    try {
      claimsInFlight++;
      Held h = held;
      if (h != null) {
        held = null;
        h.taken = true;
      }
      return h;
    } finally {
      lock.unlock();
    }
  }

  /** Hands a taken completion back to its waiter: the command it was sent in, or why it was not sent. */
  public void carried(Held h, AsyncCommand<String, byte[], List<Object>> command, RuntimeException failure) {
    lock.lock();
    try {
      h.command = command;
      h.failure = failure;
      sent.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * After each claim that {@link #claimStarting started}, failed or not: one that took all it asked for
   * means the next one comes as soon as slots free up.
   */
  public void claimed(boolean full) {
    lock.lock();
    try {
      claimsInFlight--;
      long now = System.nanoTime();
      claimsExpectedUntil = full ? now + EXPECT_NANOS : now;
      sent.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
