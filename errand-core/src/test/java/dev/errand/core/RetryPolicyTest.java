package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void backoffStaysBetweenBaseAndTheCappedExponential() {
    long seed = System.nanoTime();
    System.out.println("RetryPolicyTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < 10_000; i++) {
      Duration base = Duration.ofMillis(1 + random.nextInt(5_000));
      Duration cap = base.plusMillis(random.nextInt(3_600_000));
      RetryPolicy policy = RetryPolicy.of(1 + random.nextInt(100), base, cap);
      int attempt = 1 + random.nextInt(200);
      Duration wait = policy.backoff(attempt, random);
      Duration ceiling = base.multipliedBy(1L << Math.min(attempt - 1, 40));
      if (ceiling.compareTo(cap) > 0 || ceiling.isNegative()) {
        ceiling = cap;
      }
      assertThat(wait).as("seed %d attempt %d base %s cap %s", seed, attempt, base, cap)
          .isBetween(base, ceiling);
    }
  }

  @Test
  void backoffIsJittered() {
    RetryPolicy policy = RetryPolicy.of(10, Duration.ofSeconds(1), Duration.ofHours(1));
    SplittableRandom random = new SplittableRandom(7);
    assertThat(java.util.stream.IntStream.range(0, 50).mapToObj(i -> policy.backoff(5, random)).distinct().count())
        .isGreaterThan(40);
  }

  @Test
  void firstRetryWaitsExactlyBase() {
    RetryPolicy policy = RetryPolicy.of(3, Duration.ofMillis(250), Duration.ofSeconds(10));
    assertThat(policy.backoff(1, new SplittableRandom(1))).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void retryIsAllowedOnlyWhileAttemptsRemain() {
    RetryPolicy policy = RetryPolicy.of(3, Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(policy.allowsRetryAfter(2)).isTrue();
    assertThat(policy.allowsRetryAfter(3)).isFalse();
  }

  @Test
  void invalidPoliciesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> RetryPolicy.of(0, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> RetryPolicy.of(1, Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("backoff base");
    assertThatThrownBy(() -> RetryPolicy.of(1, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("backoff cap");
  }
}
