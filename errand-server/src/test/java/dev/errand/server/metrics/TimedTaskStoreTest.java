package dev.errand.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.Errand;
import dev.errand.core.QueueLimits;
import dev.errand.core.TaskSpec;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WakeUpStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

/** The metrics wrapper neither hides a power of the store it wraps nor invents one it lacks. */
class TimedTaskStoreTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final InMemoryTaskStore memory = new InMemoryTaskStore();
  private final TaskStore timed = TimedTaskStore.wrap(memory, registry);

  private double count(String op) {
    return registry.get("errand.store.calls").tag("op", op).tag("outcome", "ok").timer().count();
  }

  @Test
  void schedulesAndLimitsThroughTheWrapperAreTimed() {
    Errand errand = Errand.builder().store(timed).runWorkers(false).runSchedules(false).build();

    errand.limits("q", QueueLimits.concurrency(2));
    errand.schedules();

    assertThat(count("limit")).isEqualTo(1);
    assertThat(count("schedules")).isEqualTo(1);
    assertThat(timed.capability(ScheduleStore.class)).isPresent().get().isNotSameAs(memory);
    assertThat(timed.capability(QueueLimitStore.class)).isPresent().get().isNotSameAs(memory);
  }

  @Test
  void powersTheWrapperDoesNotTimeAreTheStoresOwn() {
    assertThat(timed.capability(WakeUpStore.class)).containsSame(memory);
    assertThat(timed.capability(TaskStore.class)).containsSame(timed);
  }

  @Test
  void aPowerTheStoreLacksIsNotInventedByTheWrapper() throws Exception {
    assertThat(timed.capability(JdbcTransactionalStore.class)).isEmpty();
    Errand errand = Errand.builder().store(timed).runWorkers(false).build();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
      assertThatThrownBy(() -> errand.enqueue(c, TaskSpec.of("t", null)))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("JDBC transaction");
    }
  }
}
