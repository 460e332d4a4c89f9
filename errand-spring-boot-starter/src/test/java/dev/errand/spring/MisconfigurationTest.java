package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** A configuration Errand cannot honour fails the application's start with a message naming what to change. */
class MisconfigurationTest {
  @TempDir
  Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ErrandAutoConfiguration.class))
        .withPropertyValues("errand.store-url=sqlite:" + dir);
  }

  @Test
  void aScheduleWithoutAZoneDoesNotStart() {
    runner().withUserConfiguration(Unzoned.class).run(context -> assertThat(context).getFailure()
        .rootCause().hasMessageContaining("names no zone").hasMessageContaining("errand.schedule-zone"));
  }

  @Test
  void theZonePropertyServesSchedulesThatNameNone() {
    runner().withUserConfiguration(Unzoned.class).withPropertyValues("errand.schedule-zone=Asia/Tokyo")
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void aGraceNotShorterThanTheShutdownPhaseDoesNotStart() {
    runner().withPropertyValues("errand.shutdown-grace=30s").run(context -> assertThat(context).getFailure()
        .rootCause().hasMessageContaining("errand.shutdown-grace PT30S must be shorter than"));
  }

  @Test
  void aTransactionalHandlerNeedsTheStoreInTheApplicationsDataSource() {
    runner().withUserConfiguration(Transactional.class).run(context -> assertThat(context).getFailure()
        .rootCause().hasMessageContaining("is transactional"));
  }

  @Test
  void aHandlersBackoffWhoseCapIsShorterThanItsBaseDoesNotStart() {
    runner().withUserConfiguration(Backwards.class).run(context -> assertThat(context).getFailure()
        .hasStackTraceContaining("@ErrandHandler on bean").hasStackTraceContaining("Backwards.poll")
        .rootCause().hasMessageContaining("backoff cap must be at least base"));
  }

  @Test
  void aTypeHandledTwiceDoesNotStart() {
    runner().withUserConfiguration(Unzoned.class, Twice.class).withPropertyValues("errand.schedule-zone=UTC")
        .run(context -> assertThat(context).getFailure().rootCause()
            .hasMessageContaining("task type report has two @ErrandHandler methods"));
  }

  @Test
  void withoutAStoreUrlOrDataSourceItSaysWhatToSet() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ErrandAutoConfiguration.class))
        .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("set errand.store-url"));
  }

  static class Unzoned {
    @ErrandHandler("report")
    @ErrandSchedule(cron = "0 3 * * *")
    void report() {}
  }

  static class Twice {
    @ErrandHandler("report")
    void again() {}
  }

  static class Transactional {
    @ErrandHandler(value = "ledger", transactional = true)
    void write() {}
  }

  static class Backwards {
    @ErrandHandler(value = "poll", retry = @ErrandHandler.Retry(base = "10m", cap = "1m"))
    void poll() {}
  }
}
