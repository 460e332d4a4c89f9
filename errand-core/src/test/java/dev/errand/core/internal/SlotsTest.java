package dev.errand.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SlotsTest {
  private static final long LONG_NANOS = TimeUnit.SECONDS.toNanos(60);

  @Test
  void takesEveryFreeSlotUpToTheMostAsked() throws InterruptedException {
    Slots slots = new Slots(10);
    assertThat(slots.take(4)).isEqualTo(4);
    assertThat(slots.take(100)).isEqualTo(6);
    assertThat(slots.available()).isZero();
  }

  @Test
  void aTimedTakeWaitsForTheWholeNumberWantedThenTakesWhatIsFree() throws Exception {
    Slots slots = new Slots(10);
    assertThat(slots.take(10)).isEqualTo(10);
    CompletableFuture<Integer> taken = new CompletableFuture<>();
    Thread taker = Thread.ofPlatform().start(() -> {
      try {
        taken.complete(slots.take(5, 8, LONG_NANOS));
      } catch (Throwable t) {
        taken.completeExceptionally(t);
      }
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> taker.getState() == Thread.State.TIMED_WAITING);
    for (int i = 0; i < 4; i++) {
      slots.release();
    }
    // Four of the five wanted are free: the taker, woken or not, is back waiting, having taken nothing.
    await().atMost(Duration.ofSeconds(60)).until(() -> taker.getState() == Thread.State.TIMED_WAITING);
    assertThat(taken).isNotDone();
    assertThat(slots.available()).isEqualTo(4);
    slots.release(3);
    assertThat(taken.get(60, TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(slots.available()).isZero();
  }

  @Test
  void aTimedTakeThatRunsOutOfTimeTakesNothing() throws InterruptedException {
    Slots slots = new Slots(3);
    assertThat(slots.take(2)).isEqualTo(2);
    assertThat(slots.take(3, 3, TimeUnit.MILLISECONDS.toNanos(20))).isZero();
    assertThat(slots.available()).isEqualTo(1);
  }

  @Test
  void anUntimedTakeWakesAtTheFirstRelease() throws Exception {
    Slots slots = new Slots(2);
    slots.take(2);
    CompletableFuture<Integer> taken = CompletableFuture.supplyAsync(() -> {
      try {
        return slots.take(2);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    slots.release();
    assertThat(taken.get(60, TimeUnit.SECONDS)).isEqualTo(1);
  }

  @Test
  void anInterruptEndsTheWait() throws InterruptedException {
    Slots slots = new Slots(1);
    slots.take(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    CountDownLatch ended = new CountDownLatch(1);
    Thread taker = Thread.ofVirtual().start(() -> {
      try {
        slots.take(1, 1, LONG_NANOS);
      } catch (Throwable t) {
        thrown.set(t);
      }
      ended.countDown();
    });
    taker.interrupt();
    assertThat(ended.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(slots.available()).isZero();
  }

  @Test
  void noWakeUpIsLostAmongManyReleasers() throws Exception {
    int slotCount = 64;
    Slots slots = new Slots(slotCount);
    long seed = System.nanoTime();
    System.out.println("SlotsTest seed " + seed);
    Random random = new Random(seed);
    for (int round = 0; round < 200; round++) {
      assertThat(slots.take(slotCount)).isEqualTo(slotCount);
      int wanted = 1 + random.nextInt(slotCount);
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> releasers = new ArrayList<>();
      for (int i = 0; i < slotCount; i++) {
        releasers.add(Thread.ofVirtual().start(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          slots.release();
        }));
      }
      CompletableFuture<Integer> taken = CompletableFuture.supplyAsync(() -> {
        try {
          return slots.take(wanted, slotCount, LONG_NANOS);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      go.countDown();
      // A lost wake-up would leave the taker parked for the whole minute of its wait.
      int got = taken.get(30, TimeUnit.SECONDS);
      assertThat(got).as("round %d wanting %d", round, wanted).isBetween(wanted, slotCount);
      for (Thread releaser : releasers) {
        releaser.join();
      }
      assertThat(slots.available()).isEqualTo(slotCount - got);
      slots.release(got);
    }
  }

  @Test
  void rejectsAQueueWithoutSlots() {
    assertThatThrownBy(() -> new Slots(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
  }
}
