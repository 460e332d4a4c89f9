package dev.errand.server;

import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.spi.QueueInfo;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import java.nio.file.Path;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A real server on a free loopback port over a real store, for one test class. The store sits behind a
 * {@link SwitchableStore} so tests can take it down.
 */
final class TestServer implements AutoCloseable {
  final SwitchableStore store;
  final Errand errand;
  final ErrandServer server;
  final Http http;
  final Observability observability;

  private final Path dir;

  private TestServer(TaskStore store, UnaryOperator<ServerConfig> config) {
    this(store, config, null);
  }

  private TestServer(TaskStore store, UnaryOperator<ServerConfig> config, Path dir) {
    this(store, config, dir, false);
  }

  private TestServer(TaskStore store, UnaryOperator<ServerConfig> config, Path dir, boolean started) {
    this.dir = dir;
    this.store = new SwitchableStore(store);
    this.observability = Observability.create(false);
    this.errand = Errand.builder().store(observability.timed(this.store)).listener(observability.listener())
        .pollInterval(Duration.ofMillis(200)).runWorkers(false).leaseSweepInterval(Duration.ofMillis(200)).build();
    if (started) {
      errand.start();
    }
    this.server = ErrandServer.start(config.apply(ServerConfig.loopback(0, store.name())), errand, observability);
    this.http = new Http(server.port());
  }

  /** A fresh SQLite store in a temporary directory, deleted on close. */
  static TestServer sqlite() {
    return sqlite(c -> c);
  }

  static TestServer sqlite(UnaryOperator<ServerConfig> config) {
    Path dir = TempDirs.create();
    return new TestServer(TaskStoreProvider.openUrl("sqlite:" + dir), config, dir);
  }

  /**
   * A fresh SQLite store, with the Errand started as the server command starts it (no workers of its
   * own): its background work runs, the lease sweep every 200 ms.
   */
  static TestServer sqliteStarted() {
    Path dir = TempDirs.create();
    return new TestServer(TaskStoreProvider.openUrl("sqlite:" + dir), c -> c, dir, true);
  }

  /** As {@link #sqliteStarted()}, on {@code store}. */
  static TestServer startedOn(TaskStore store) {
    return new TestServer(store, c -> c, null, true);
  }

  static TestServer inMemory() {
    return new TestServer(new InMemoryTaskStore(), c -> c);
  }

  static TestServer inMemory(UnaryOperator<ServerConfig> config) {
    return new TestServer(new InMemoryTaskStore(), config);
  }

  static TestServer on(TaskStore store) {
    return new TestServer(store, c -> c);
  }

  /** Everything the store holds, read through the facade: every task of every page, and the queues. */
  String snapshot() {
    List<String> out = new ArrayList<>();
    TaskPage page = errand.list(TaskQuery.all(TaskQuery.MAX_LIMIT));
    while (true) {
      for (Task t : page.tasks()) {
        out.add(t.toString());
      }
      if (page.next() == null) {
        break;
      }
      page = errand.list(new TaskQuery(null, null, null, TaskQuery.MAX_LIMIT, page.next()));
    }
    for (QueueInfo q : errand.queues()) {
      // What is stored, not what follows from the clock: oldestReadyAt moves as a delayed task comes due.
      out.add(q.queue() + " " + q.counts() + " paused=" + q.paused() + " " + q.limits() + " " + q.lowerBounds());
    }
    return String.join("\n", out);
  }

  @Override
  public void close() {
    server.close();
    errand.close();
    if (dir != null) {
      TempDirs.delete(dir);
    }
  }
}
