package dev.errand.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.StoreUnreachableException;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.ForwardingTaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The circuit's rules, on a real in-memory store whose connection a test cuts: an unreachable store opens
 * it and later calls fail at once without reaching the store; the first probe that gets through closes
 * it; other failures leave it closed; a call that started before a recovery and fails after it does not
 * open it again.
 */
class StoreCircuitTest {
  /** The in-memory store, with queues() and ping() failing as {@link #failure} says, queues() counted. */
  private static final class Cuttable extends ForwardingTaskStore {
    volatile Supplier<RuntimeException> failure;
    volatile CountDownLatch hold; // when set, queues() waits for it before failing or answering
    final AtomicInteger queueCalls = new AtomicInteger();

    Cuttable() {
      super(new InMemoryTaskStore());
    }

    @Override
    public List<QueueInfo> queues() {
      queueCalls.incrementAndGet();
      CountDownLatch h = hold;
      if (h != null) {
        try {
          h.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      fail();
      return super.queues();
    }

    @Override
    public void ping() {
      fail();
      super.ping();
    }

    private void fail() {
      Supplier<RuntimeException> f = failure;
      if (f != null) {
        throw f.get();
      }
    }

    void cut() {
      failure = () -> new StoreUnreachableException("connection refused (test)", null);
    }
  }

  @Test
  void anUnreachableStoreIsAnsweredAtOnceUntilTheFirstProbeGetsThrough() {
    Cuttable store = new Cuttable();
    try (StoreCircuit circuit = StoreCircuit.around(store)) {
      store.cut();
      assertThatThrownBy(circuit::queues).isInstanceOf(StoreUnreachableException.class);
      assertThat(circuit.isOpen()).isTrue();
      int reached = store.queueCalls.get();
      for (int i = 0; i < 100; i++) {
        assertThatThrownBy(circuit::queues).isInstanceOf(StoreUnreachableException.class)
            .hasMessageContaining("connection refused (test)");
        assertThatThrownBy(circuit::ping).isInstanceOf(StoreUnreachableException.class);
      }
      assertThat(store.queueCalls.get()).as("calls that reached the store while open").isEqualTo(reached);

      store.failure = null;
      await().atMost(Duration.ofSeconds(10)).until(() -> !circuit.isOpen());
      assertThat(circuit.queues()).isEmpty();
    }
  }

  @Test
  void aFailureThatSaysNothingOfReachingTheStoreLeavesTheCircuitClosed() {
    Cuttable store = new Cuttable();
    try (StoreCircuit circuit = StoreCircuit.around(store)) {
      store.failure = () -> new StoreUnavailableException("disk full (test)", null);
      assertThatThrownBy(circuit::queues).isExactlyInstanceOf(StoreUnavailableException.class);
      assertThat(circuit.isOpen()).isFalse();
    }
  }

  @Test
  void aCallFromBeforeARecoveryThatFailsAfterItDoesNotOpenTheCircuitAgain() throws Exception {
    Cuttable store = new Cuttable();
    try (StoreCircuit circuit = StoreCircuit.around(store)) {
      store.cut();
      CountDownLatch hold = new CountDownLatch(1);
      store.hold = hold;
      CompletableFuture<Void> late = CompletableFuture.runAsync(() -> circuit.queues()); // waits in the "pool"
      await().atMost(Duration.ofSeconds(10)).until(() -> store.queueCalls.get() == 1);
      store.hold = null;
      assertThatThrownBy(circuit::queues).isInstanceOf(StoreUnreachableException.class); // opens
      store.failure = null;
      await().atMost(Duration.ofSeconds(10)).until(() -> !circuit.isOpen());

      store.cut(); // the late call now fails, after the recovery it started before
      hold.countDown();
      assertThatThrownBy(late::join).hasCauseInstanceOf(StoreUnreachableException.class);
      assertThat(circuit.isOpen()).isFalse();
    }
  }

  @Test
  void storedSchedulesAreGuardedAndOtherPowersAreTheStoresOwn() {
    Cuttable store = new Cuttable();
    try (StoreCircuit circuit = StoreCircuit.around(store)) {
      TaskStore plain = circuit;
      assertThat(plain.capability(ScheduleStore.class)).isPresent().get().isNotSameAs(store.capability(ScheduleStore.class).get());
      assertThat(plain.capability(dev.errand.core.spi.WakeUpStore.class)).isEqualTo(
          store.capability(dev.errand.core.spi.WakeUpStore.class));
      store.cut();
      assertThatThrownBy(circuit::queues).isInstanceOf(StoreUnreachableException.class);
      assertThatThrownBy(() -> plain.capability(ScheduleStore.class).get().storedSchedules())
          .isInstanceOf(StoreUnreachableException.class).hasMessageContaining("answering at once");
    }
  }
}
