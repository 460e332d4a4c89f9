package dev.errand.rabbitmq;

import dev.errand.core.Errand;
import dev.errand.store.postgres.PostgresStore;

/** An inbox in a JVM of its own, for {@link InboxKillTest} to kill: args are the store URL, schema and queue. */
public final class InboxChild {
  private InboxChild() {}

  public static void main(String[] args) throws Exception {
    PostgresStore store = PostgresStore.builder().url(args[0]).schema(args[1]).maximumPoolSize(2).build();
    Errand errand = Errand.builder().store(store).runWorkers(false).build();
    Inbox.builder(errand, TestBroker.factory(), args[2]).taskQueue("orders")
        .deliveryLimit(InboxKillTest.DELIVERY_LIMIT).build().start();
    System.out.println("inbox child started");
    Thread.sleep(Long.MAX_VALUE);
  }
}
