package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.spi.TaskStore;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A run on a store that loses or duplicates a task must fail instead of reporting a number; the same
 * run on a correct in-process store must pass. Uses core's in-memory reference store, so it runs fast.
 */
class ScenarioCorrectnessTest {
  private static final BenchSettings TINY = new BenchSettings(300, 20, 50, 20, 16, 1, 0, 500, 2, 5,
      Duration.ofSeconds(30), null, null, true);

  /** A target that opens a new store from {@code stores} for each run. */
  private static StoreTarget target(Supplier<TaskStore> stores) {
    return new StoreTarget() {
      @Override
      public String url() {
        return "memory:";
      }

      @Override
      public String version() {
        return "in-memory reference store";
      }

      @Override
      public FreshStore openFresh() {
        return new FreshStore(stores.get(), url(), () -> {});
      }

      @Override
      public FreshLocation freshLocation() {
        throw new UnsupportedOperationException("an in-process store has no location another process can open");
      }
    };
  }

  @Test
  void drainOnACorrectStoreReportsAThroughput() throws Exception {
    List<Measurement> result = new DrainScenario().run(target(InMemoryTaskStore::new), TINY);
    assertThat(result).singleElement().satisfies(m -> {
      assertThat(m.n()).isEqualTo(300);
      assertThat(m.metrics().get("tasks_per_s")).isPositive();
    });
  }

  @Test
  void steadyOnACorrectStoreReportsAThroughputAndADepthSeries() throws Exception {
    List<Measurement> result = new SteadyScenario().run(target(InMemoryTaskStore::new), TINY);
    assertThat(result).singleElement().satisfies(m -> {
      assertThat(m.metrics().get("tasks_per_s")).isPositive();
      assertThat(m.series()).isNotEmpty();
    });
  }

  @Test
  void aStoreThatLosesACompletionFailsTheDrain() {
    StoreTarget lossy = target(() -> new FaultyStore(new InMemoryTaskStore(), FaultyStore.Fault.DROP_A_COMPLETION));
    assertThatThrownBy(() -> new DrainScenario().run(lossy, TINY))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("the store counts 299 tasks SUCCEEDED, expected 300");
  }

  @Test
  void aStoreThatHandsOutATaskTwiceFailsTheDrain() {
    StoreTarget doubling = target(() -> new FaultyStore(new InMemoryTaskStore(), FaultyStore.Fault.HAND_OUT_A_TASK_TWICE));
    assertThatThrownBy(() -> new DrainScenario().run(doubling, TINY))
        .isInstanceOf(CorrectnessException.class);
  }

  @Test
  void httpTargetOnACorrectStoreReportsAThroughput() throws Exception {
    List<Measurement> result = new HttpTargetScenario().run(target(InMemoryTaskStore::new), TINY);
    assertThat(result).singleElement().satisfies(m -> {
      assertThat(m.n()).isEqualTo(300);
      assertThat(m.metrics().get("tasks_per_s")).isPositive();
      assertThat(m.metrics().get("cpu_us_per_task")).isPositive();
      assertThat(m.metrics().get("executor_requests_per_s")).isPositive();
      assertThat(m.metrics().get("bare_requests_per_s")).isPositive();
    });
  }

  @Test
  void aStoreThatHandsOutATaskTwiceFailsTheHttpTargetRun() {
    StoreTarget doubling = target(() -> new FaultyStore(new InMemoryTaskStore(), FaultyStore.Fault.HAND_OUT_A_TASK_TWICE));
    assertThatThrownBy(() -> new HttpTargetScenario().run(doubling, TINY))
        .isInstanceOf(CorrectnessException.class).hasMessageContaining("http-target: ");
  }

  @Test
  void aStoreThatHandsOutATaskTwiceFailsTheBacklogRun() {
    StoreTarget doubling = target(() -> new FaultyStore(new InMemoryTaskStore(), FaultyStore.Fault.HAND_OUT_A_TASK_TWICE));
    assertThatThrownBy(() -> new BacklogScenario().run(doubling, TINY.withN(1_000)))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("returned 21");
  }

  @Test
  void historyOnACorrectStoreReportsItsReads() throws Exception {
    List<Measurement> result = new HistoryScenario().run(target(InMemoryTaskStore::new), TINY.withN(2_000));
    assertThat(result).singleElement().satisfies(m -> {
      assertThat(m.metrics().get("queues_p50_ms")).isPositive();
      assertThat(m.metrics()).containsKeys("search_rare_type_dead_p50_ms", "search_window_p50_ms", "due_first_page_p50_ms",
          "dead_groups_read_p50_ms", "task_page_p50_ms");
    });
  }

  @Test
  void aStoreThatLosesACompletionFailsTheHistoryRun() {
    StoreTarget lossy = target(() -> new FaultyStore(new InMemoryTaskStore(), FaultyStore.Fault.DROP_A_COMPLETION));
    assertThatThrownBy(() -> new HistoryScenario().run(lossy, TINY.withN(2_000)))
        .isInstanceOf(CorrectnessException.class)
        .hasMessageContaining("RUNNING; the fill made 0");
  }
}
