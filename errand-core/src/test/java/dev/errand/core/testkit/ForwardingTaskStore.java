package dev.errand.core.testkit;

import dev.errand.core.spi.TaskStore;

/** The core's {@link dev.errand.core.spi.ForwardingTaskStore}, under the name the test kit's users know. */
public abstract class ForwardingTaskStore extends dev.errand.core.spi.ForwardingTaskStore {
  protected ForwardingTaskStore(TaskStore delegate) {
    super(delegate);
  }
}
