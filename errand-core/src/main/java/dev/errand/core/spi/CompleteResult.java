package dev.errand.core.spi;

import dev.errand.core.TaskId;
import java.util.List;

/** The ids whose completion was refused because the lease token was stale; all others were applied. */
public record CompleteResult(List<TaskId> stale) {
  public CompleteResult {
    stale = List.copyOf(stale);
  }
}
