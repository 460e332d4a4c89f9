package dev.errand.store.redis;

import static dev.errand.core.testkit.NewTasks.task;

import dev.errand.core.spi.InsertRequest;
import dev.errand.core.spi.InsertResult;
import dev.errand.core.spi.NewTask;
import java.util.List;

/**
 * A producer in a child JVM, for {@link RedisKillTest}: enqueues one task after another into the store at
 * the URL it is given, each with the payload {@code {"n":N}}, and prints {@code ok ID N} only after the
 * enqueue returned, or {@code error ...} when it threw, then goes on. It runs until it is killed.
 */
public final class EnqueueLoop {
  private EnqueueLoop() {}

  public static void main(String[] args) throws Exception {
    RedisStore store = RedisStore.builder().url(args[0]).timeout(java.time.Duration.ofSeconds(2)).build();
    System.out.println("started");
    System.out.flush();
    for (long n = 0; ; n++) {
      NewTask t = task("durable").payload("{\"n\":" + n + "}").build();
      try {
        InsertResult r = store.insertMany(new InsertRequest(List.of(t)));
        if (!r.outcomes().getFirst().created()) {
          System.out.println("error not created " + t.id());
        }
        System.out.println("ok " + t.id().value() + " " + n);
      } catch (RuntimeException e) {
        System.out.println("error " + e.getClass().getSimpleName() + ": " + e.getMessage());
        Thread.sleep(5);
      }
      System.out.flush();
    }
  }
}
