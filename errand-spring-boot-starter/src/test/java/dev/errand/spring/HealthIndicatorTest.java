package dev.errand.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.core.Errand;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The health indicator is there only when asked for, is of the type this Spring Boot line's actuator
 * collects, and says DOWN once the store stops answering. The indicator is read through reflection,
 * since Boot 3 and Boot 4 name its type and its {@code Health} differently (these sources run on both:
 * errand-spring-boot4-tests compiles them against Boot 4).
 */
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
    runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("errandHealthIndicator"));
  }

  @Test
  void whenEnabledItIsUpWhileTheStoreAnswersAndDownAfter() {
    runner().withPropertyValues("errand.health.enabled=true").run(context -> {
      Class<?> indicatorType = ClassUtils.forName(healthIndicatorInterface(), null);
      Object indicator = context.getBean("errandHealthIndicator");
      assertThat(indicator).isInstanceOf(indicatorType);
      assertThat(context.getBeanNamesForType(indicatorType)).containsExactly("errandHealthIndicator");
      assertThat(status(indicatorType, indicator)).isEqualTo("UP");

      context.getBean(Errand.class).store().close();

      assertThat(status(indicatorType, indicator)).isEqualTo("DOWN");
    });
  }

  /** The interface the actuator collects health indicators by: Spring Boot 4 moved it. */
  private static String healthIndicatorInterface() {
    return SpringBootVersion.getVersion().startsWith("4.") ? "org.springframework.boot.health.contributor.HealthIndicator"
        : "org.springframework.boot.actuate.health.HealthIndicator";
  }

  /** {@code indicator.health().getStatus().getCode()}, on either line's types. */
  private static String status(Class<?> indicatorType, Object indicator) {
    Object health = invoke(indicatorType, indicator, "health");
    Object status = invoke(health.getClass(), health, "getStatus");
    return (String) invoke(status.getClass(), status, "getCode");
  }

  /** Looks the method up on a public type: the indicator itself is a lambda's hidden class. */
  private static Object invoke(Class<?> type, Object target, String method) {
    return ReflectionUtils.invokeMethod(ReflectionUtils.findMethod(type, method), target);
  }
}
