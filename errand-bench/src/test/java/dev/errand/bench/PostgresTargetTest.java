package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.core.StoreUnavailableException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The bench's scenarios on PostgreSQL through its adapter: a fresh schema per run, named in the store URL
 * so the server child process opens the same one, checked, and dropped after. Uses
 * {@code ERRAND_TEST_POSTGRES_URL} (default: the local server with trust authentication); skipped when it
 * cannot be reached, except under {@code CI=true}.
 */
class PostgresTargetTest {
  static final String URL = System.getenv().getOrDefault("ERRAND_TEST_POSTGRES_URL",
      "postgres://postgres@127.0.0.1:5432/test");

  /** The test server as a bench target; skips without one, except under {@code CI=true}. */
  static StoreTarget.Postgres reachable() {
    StoreTarget.Postgres target = new StoreTarget.Postgres(URL);
    try {
      assertThat(target.version()).startsWith("postgresql ");
    } catch (StoreUnavailableException | IllegalStateException e) {
      Assumptions.assumeFalse("true".equalsIgnoreCase(System.getenv("CI")), "CI=true needs PostgreSQL: " + e);
      Assumptions.abort("PostgreSQL is not reachable at " + URL + ": " + e.getMessage());
    }
    return target;
  }

  @Test
  void drainRunsOnAFreshSchemaThatIsDroppedAfter() throws Exception {
    StoreTarget.Postgres target = reachable();
    BenchSettings s = new BenchSettings(300, 20, 50, 20, 16, 1, 0, 100, 1, 5, Duration.ofSeconds(60), null, null, true);
    List<String> before = benchSchemas(target);

    List<Measurement> result = new DrainScenario().run(target, s);

    assertThat(result).singleElement().satisfies(m -> assertThat(m.metrics().get("tasks_per_s")).isPositive());
    // No schema is left that was not there before (another bench on the same server may drop its own).
    assertThat(benchSchemas(target)).isSubsetOf(before);
  }

  @Test
  void httpScenariosRunAServerOnAFreshSchemaThatIsDroppedAfter() throws Exception {
    StoreTarget.Postgres target = reachable();
    Assumptions.assumeTrue(Files.isRegularFile(ServerDrainTest.SERVER_JAR), "no server jar at " + ServerDrainTest.SERVER_JAR);
    List<String> before = benchSchemas(target);

    List<Measurement> enqueue = new EnqueueScenario().run(target, ServerDrainTest.settings(300));
    List<Measurement> drain = new ServerDrainScenario().run(target, ServerDrainTest.settings(300));

    assertThat(enqueue).extracting(Measurement::variant)
        .containsExactly("java-single", "java-batch", "http-single", "http-batch");
    assertThat(enqueue).allSatisfy(m -> assertThat(m.metrics().get("tasks_per_s")).isPositive());
    assertThat(drain).singleElement().satisfies(m -> {
      assertThat(m.metrics().get("tasks_per_s")).isPositive();
      assertThat(m.metrics().get("peak_rss_mib")).isPositive();
    });
    // No schema is left that was not there before (another bench on the same server may drop its own).
    assertThat(benchSchemas(target)).isSubsetOf(before);
  }

  @Test
  void aStoreUrlThatNamesASchemaIsRefusedSinceEachRunMakesItsOwn() {
    assertThatThrownBy(() -> StoreTarget.of(URL + (URL.contains("?") ? "&" : "?") + "schema=mine"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without its schema option");
  }

  private static List<String> benchSchemas(StoreTarget.Postgres target) {
    return target.query("select nspname from pg_namespace where nspname like 'bench\\_%' and nspname <> 'bench_admin' order by 1");
  }
}
