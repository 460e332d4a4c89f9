package dev.errand.bench.architecture;

import dev.errand.core.internal.IdleWait;
import dev.errand.core.spi.TaskStore;

/** A class that breaks the rule on purpose, to show that the architecture test would catch it. */
final class UsesCoreInternals {
  private UsesCoreInternals() {}

  static IdleWait reachIn(TaskStore store) {
    return IdleWait.on(store);
  }
}
