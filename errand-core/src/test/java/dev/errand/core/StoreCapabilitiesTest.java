package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.schedule.Schedule;
import dev.errand.core.schedule.ScheduleInfo;
import dev.errand.core.spi.JdbcTransactionalStore;
import dev.errand.core.spi.QueueLimitStore;
import dev.errand.core.spi.ScheduleStore;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.WakeUpStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Optional store powers are found through {@link TaskStore#capability}: a store that has a power is asked
 * for it, and a store that lacks one still delivers tasks, with the power's calls refused by name.
 */
class StoreCapabilitiesTest {
  private final InMemoryTaskStore memory = new InMemoryTaskStore();
  private Errand errand;

  @AfterEach
  void stop() {
    if (errand != null) {
      errand.close();
    }
  }

  /** The in-memory store seen through {@link TaskStore} alone: none of its optional powers show. */
  private TaskStore bare() {
    InvocationHandler forward = (proxy, method, args) -> {
      if (method.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, method, args);
      }
      try {
        return method.invoke(memory, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(), new Class<?>[] {TaskStore.class},
        forward);
  }

  @Test
  void aPowerIsTheStoreItselfWhenItImplementsIt() {
    assertThat(memory.capability(ScheduleStore.class)).containsSame(memory);
    assertThat(memory.capability(QueueLimitStore.class)).containsSame(memory);
    assertThat(memory.capability(WakeUpStore.class)).containsSame(memory);
    assertThat(memory.capability(JdbcTransactionalStore.class)).isEmpty();
  }

  @Test
  void aStoreWithoutAWakeUpStillRunsTasksByPolling() {
    TaskStore store = bare();
    assertThat(store.capability(WakeUpStore.class)).isEmpty();
    errand = Errand.builder().store(store).pollInterval(Duration.ofMillis(50)).build();
    errand.handle("ping", Json.class, TaskHandler.of((task, json) -> {}));
    errand.start();

    TaskId id = errand.enqueue(TaskSpec.of("ping", null)).id();

    await().atMost(Duration.ofSeconds(10)).until(() -> errand.get(id).state() == TaskState.SUCCEEDED);
  }

  @Test
  void storedSchedulesAndLimitsAreRefusedByNameWhenTheStoreLacksThem() {
    errand = Errand.builder().store(bare()).runWorkers(false).build();
    errand.schedule(Schedule.every("coded", Duration.ofMinutes(1), TaskSpec.of("ping", null)));

    assertThatThrownBy(() -> errand.putSchedule(Schedule.every("kept", Duration.ofMinutes(1),
        TaskSpec.of("ping", null)))).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("keeps no schedules");
    assertThatThrownBy(() -> errand.deleteSchedule("kept")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> errand.limits("q", QueueLimits.concurrency(1)))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("flow limits");
    assertThat(errand.schedules()).as("code schedules need no store power").extracting(ScheduleInfo::name)
        .containsExactly("coded");
  }
}
