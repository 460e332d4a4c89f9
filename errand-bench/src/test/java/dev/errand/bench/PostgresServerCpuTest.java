package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A drain on a PostgreSQL server on this machine reports the CPU its database backends spent per task,
 * counted from /proc for the connections of the run's own store. Uses {@code ERRAND_TEST_POSTGRES_URL}
 * (default: the local server); skipped when it cannot be reached, except under {@code CI=true}.
 */
class PostgresServerCpuTest {
  @Test
  void aDrainReportsItsBackendsCpuPerTask() throws Exception {
    StoreTarget.Postgres target = PostgresTargetTest.reachable();
    String url = PostgresTargetTest.URL;
    Assumptions.assumeTrue(url.contains("@127.0.0.1:") || url.contains("@localhost:"),
        "the backends' CPU is read from this machine's /proc");
    BenchSettings s = new BenchSettings(3000, 20, 50, 20, 16, 1, 0, 100, 1, 5, Duration.ofSeconds(120), null, null, true);

    List<Measurement> result = new DrainScenario().run(target, s);

    assertThat(result).singleElement().satisfies(m -> {
      // A claim and a completion of each task ran in those backends: well above zero, well below a second.
      assertThat(m.metrics().get("server_cpu_us_per_task")).isPositive().isLessThan(1_000_000.0);
      assertThat(m.metrics().get("server_cores_used")).isPositive();
    });
  }
}
