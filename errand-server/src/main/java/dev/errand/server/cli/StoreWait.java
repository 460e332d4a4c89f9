package dev.errand.server.cli;

import dev.errand.core.StoreUnavailableException;
import dev.errand.core.spi.TaskStore;
import dev.errand.core.spi.TaskStoreProvider;
import dev.errand.server.ServerConfig;
import dev.errand.server.internal.WaitingServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the server's store at start, waiting for it when it does not answer yet (a database that starts
 * after the server, as in a compose stack or a cluster): each try is logged, the pause between tries
 * doubles from {@link #FIRST_PAUSE} up to {@link #LONGEST_PAUSE}, and after {@code limit} it gives up.
 * While it waits, a {@link WaitingServer} answers on the server's port: live, not ready, 503 on the API.
 * A URL that is wrong in itself (not a store's failure to answer) fails at once, and a stop request
 * (SIGTERM) ends the wait. Not thread-safe; used once, by the server command.
 */
final class StoreWait {
  static final Duration FIRST_PAUSE = Duration.ofMillis(250);
  static final Duration LONGEST_PAUSE = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(StoreWait.class);

  /** The open store, and the port the waiting server held (the server must take the same), or -1. */
  record Opened(TaskStore store, int port) {}

  private StoreWait() {}

  /** The open store, or null if {@code stop} was counted down while waiting. */
  static Opened open(String url, ServerConfig config, Duration limit, CountDownLatch stop) {
    long start = System.nanoTime();
    Duration pause = FIRST_PAUSE;
    WaitingServer waiting = null;
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          TaskStore store = TaskStoreProvider.openUrl(url);
          if (waiting != null) {
            log.info("errand-server store {} answered after {} tries ({} ms)", config.storeLabel(), attempt,
                Duration.ofNanos(System.nanoTime() - start).toMillis());
          }
          return new Opened(store, waiting == null ? -1 : waiting.port());
        } catch (StoreUnavailableException e) {
          Duration waited = Duration.ofNanos(System.nanoTime() - start);
          if (waited.plus(pause).compareTo(limit) > 0) {
            throw new IllegalStateException("the store " + config.storeLabel() + " did not answer within --store-wait "
                + limit.toMillis() + " ms (" + attempt + " tries): " + e.getMessage(), e);
          }
          if (waiting == null) {
            waiting = WaitingServer.start(config);
            log.info("errand-server listening on http://{}:{} with store {} (waiting for the store: live, not ready)",
                config.host(), waiting.port(), config.storeLabel());
          }
          log.warn("errand-server store {} does not answer (try {}, {} ms of --store-wait {} ms), next try in {} ms: {}",
              config.storeLabel(), attempt, waited.toMillis(), limit.toMillis(), pause.toMillis(), e.getMessage());
          if (stopped(stop, pause)) {
            log.info("errand-server stopped while waiting for the store");
            return null;
          }
          pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
        }
      }
    } finally {
      if (waiting != null) {
        waiting.close();
      }
    }
  }

  private static boolean stopped(CountDownLatch stop, Duration pause) {
    try {
      return stop.await(pause.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the store", e);
    }
  }
}
