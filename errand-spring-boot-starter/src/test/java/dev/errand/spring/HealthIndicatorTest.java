package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Errand;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health indicator is there only when asked for, and says DOWN once the store stops answering. */
class HealthIndicatorTest {
  @TempDir
  Path dir;

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ErrandAutoConfiguration.class))
        .withPropertyValues("errand.store-url=sqlite:" + dir, "errand.run-workers=false");
  }

  @Test
  void offByDefault() {
    runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(HealthIndicator.class));
  }

  @Test
  void whenEnabledItIsUpWhileTheStoreAnswersAndDownAfter() {
    runner().withPropertyValues("errand.health.enabled=true").run(context -> {
      HealthIndicator health = context.getBean("errandHealthIndicator", HealthIndicator.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);

      context.getBean(Errand.class).store().close();

      assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
    });
  }
}
