package dev.errand.server.cli;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop, which the server answers with its graceful shutdown and exit
 * code 0. The JVM's own handling runs the shutdown hooks and then exits with 128 + the signal (143), which
 * container runtimes and process supervisors report as a failure although the stop was clean.
 *
 * <p>{@code sun.misc.Signal} is the JDK's supported way to handle a signal (module jdk.unsupported); there
 * is no other. A JVM started with {@code -Xrs} refuses it, and then the shutdown hooks stop the server
 * as before, with the JVM's exit code.
 */
final class StopSignals {
  private StopSignals() {}

  /** A latch that a SIGTERM or SIGINT counts down; later signals do nothing more. */
  static CountDownLatch install() {
    CountDownLatch stop = new CountDownLatch(1);
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> stop.countDown());
      } catch (IllegalArgumentException e) {
        // -Xrs, or a platform without the signal: the shutdown hook still stops the server
      }
    }
    return stop;
  }
}
