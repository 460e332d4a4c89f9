package dev.errand.core.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The loop other modules extend (the RabbitMQ relay and inbox): a checked exception is a failure retried
 * after the backoff, never the end of the loop; the backoff stops at the given maximum; and cleanUp runs
 * once on the loop's thread when it ends.
 */
class LoopServiceTest {
  @Test
  void aCheckedExceptionIsRetriedWithinTheMaximumBackoffAndCleanUpRunsOnceAtStop() throws Exception {
    AtomicInteger passes = new AtomicInteger();
    AtomicInteger cleanUps = new AtomicInteger();
    CountDownLatch worked = new CountDownLatch(1);
    Thread[] cleanUpThread = new Thread[1];
    LoopService loop = new LoopService(LoggerFactory.getLogger(LoopServiceTest.class), "test", "pass",
        "loop-service-test", Duration.ofMillis(50)) {
      @Override
      protected boolean runOnce() throws Exception {
        if (stopping()) {
          return false;
        }
        if (passes.incrementAndGet() <= 6) {
          throw new IOException("the broker is away"); // six failures: 100 ms capped at 50 ms each
        }
        worked.countDown();
        Thread.sleep(10);
        return true;
      }

      @Override
      protected void cleanUp() {
        cleanUps.incrementAndGet();
        cleanUpThread[0] = Thread.currentThread();
      }
    };
    long start = System.nanoTime();
    loop.start();
    assertThat(worked.await(10, TimeUnit.SECONDS)).isTrue();
    // uncapped, six backoffs would take 100 + 200 + ... + 3200 ms = 6.3 s
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(cleanUps.get()).isZero();
    loop.stop(Service.deadline(Duration.ofSeconds(5)));
    assertThat(cleanUps.get()).isEqualTo(1);
    assertThat(cleanUpThread[0]).isSameAs(loop.thread());
    loop.stop(Service.deadline(Duration.ofSeconds(5)));
    assertThat(cleanUps.get()).isEqualTo(1);
  }
}
