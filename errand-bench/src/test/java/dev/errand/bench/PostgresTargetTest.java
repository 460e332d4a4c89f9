package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A drain on PostgreSQL through the bench's adapter: a fresh schema per run, checked, and dropped after.
 * Uses {@code ERRAND_TEST_POSTGRES_URL} (default: the local server with trust authentication); skipped
 * when it cannot be reached, except under {@code CI=true}.
 */
class PostgresTargetTest {
  private static final String URL = System.getenv().getOrDefault("ERRAND_TEST_POSTGRES_URL",
      "postgres://postgres@127.0.0.1:5432/test");

  @Test
  void drainRunsOnAFreshSchemaThatIsDroppedAfter() throws Exception {
    StoreTarget.Postgres target = new StoreTarget.Postgres(URL);
    String version;
    try {
      version = target.version();
    } catch (StoreUnavailableException | IllegalStateException e) {
      Assumptions.assumeFalse("true".equalsIgnoreCase(System.getenv("CI")), "CI=true needs PostgreSQL: " + e);
      Assumptions.abort("PostgreSQL is not reachable at " + URL + ": " + e.getMessage());
      return;
    }
    assertThat(version).startsWith("postgresql ");
    BenchSettings s = new BenchSettings(300, 20, 50, 20, 16, 1, 0, 100, 1, 5, Duration.ofSeconds(60), null);
    List<String> before = benchSchemas(target);

    List<Measurement> result = new DrainScenario().run(target, s);

    assertThat(result).singleElement().satisfies(m -> assertThat(m.metrics().get("tasks_per_s")).isPositive());
    assertThat(benchSchemas(target)).isEqualTo(before);
  }

  private static List<String> benchSchemas(StoreTarget.Postgres target) {
    return target.query("select nspname from pg_namespace where nspname like 'bench\\_%' and nspname <> 'bench_admin' order by 1");
  }
}
