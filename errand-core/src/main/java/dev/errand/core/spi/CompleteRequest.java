package dev.errand.core.spi;

import dev.errand.core.TaskId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Completions to apply in one round trip; each is fenced on its own, and its follow-ups with it.
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

  /** Whether any completion carries follow-ups: without any, a store writes exactly what it did before. */
  public boolean hasFollowUps() {
    for (Completion c : completions) {
      if (!c.followUps().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The follow-ups to write once the completions are applied: those of every completion whose task id is
   * in {@code applied}, in request order, inserts before decrements. A task id that appears more than once
   * is applied once, so only its first completion's follow-ups count.
   */
  public Completion.FollowUps appliedFollowUps(Set<TaskId> applied) {
    Set<TaskId> seen = new HashSet<>();
    List<NewTask> inserts = new ArrayList<>();
    List<TaskId> decrements = new ArrayList<>();
    for (Completion c : completions) {
      if (applied.contains(c.id()) && seen.add(c.id())) {
        inserts.addAll(c.followUps().inserts());
        decrements.addAll(c.followUps().decrements());
      }
    }
    return new Completion.FollowUps(inserts, decrements);
  }
}
