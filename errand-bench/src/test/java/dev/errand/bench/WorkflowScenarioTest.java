package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The workflow scenario on a real SQLite store: three variants, each checked, with the chord's and chain's overhead. */
class WorkflowScenarioTest {
  private static final BenchSettings SMALL = new BenchSettings(2_000, 20, 500, 50, 16, 1, 0, 500, 2, 5,
      Duration.ofSeconds(60), null, null, true);

  @Test
  void measuresIndependentChordAndChainDrainsOfTheSameTasks() throws Exception {
    List<Measurement> result = new WorkflowScenario().run(StoreTarget.of("sqlite:"), SMALL);
    assertThat(result).extracting(Measurement::variant).containsExactly("independent", "chord-1000", "chain-100");
    assertThat(result).allSatisfy(m -> {
      assertThat(m.n()).isEqualTo(2_000);
      assertThat(m.metrics().get("tasks_per_s")).isPositive();
      assertThat(m.metrics().get("overhead_vs_independent")).isPositive();
    });
    assertThat(result.getFirst().metrics().get("overhead_vs_independent")).isEqualTo(1.0);
  }
}
