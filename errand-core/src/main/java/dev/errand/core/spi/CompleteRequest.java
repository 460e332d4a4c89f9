package dev.errand.core.spi;

import java.util.List;

/**
 * Completions to apply in one round trip; each is fenced on its own.
 *
 * @param returnTasks whether the store also returns each task as its completion left it, read in the same
 *     statement that applies it. Callers that already hold the task (the in-process runtime) leave it off,
 *     so the hot path carries no rows back; callers that hold only an id and a token (remote workers)
 *     turn it on instead of reading each task again.
 */
public record CompleteRequest(List<Completion> completions, boolean returnTasks) {
  public CompleteRequest {
    completions = List.copyOf(completions);
  }

  /** Completions whose result reports only the stale ids. */
  public CompleteRequest(List<Completion> completions) {
    this(completions, false);
  }
}
