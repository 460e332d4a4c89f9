package dev.errand.core.internal;

import dev.errand.core.TaskState;
import dev.errand.core.spi.ClaimRequest;
import dev.errand.core.spi.InsertResult;

/**
 * A slot of an idle local worker, held for one task while it is inserted with {@link
 * dev.errand.core.spi.InsertRequest#claimFor}: if the store leased the task to that worker, {@link #settle}
 * runs it in the slot; otherwise the slot goes back and the worker claims the task as usual, woken by
 * the insert. Settled exactly once, by the enqueuing thread. Internal: not public API.
 */
public final class HandOff {
  private final WorkerRuntime runtime;
  private final Slots slots;
  private final ClaimRequest claim;

  HandOff(WorkerRuntime runtime, Slots slots, ClaimRequest claim) {
    this.runtime = runtime;
    this.slots = slots;
    this.claim = claim;
  }

  /** The claim the insert makes for the worker. */
  public ClaimRequest claim() {
    return claim;
  }

  /**
   * Runs the inserted task if the store leased it to this worker, else gives the slot back; {@code
   * outcome} null when the insert failed.
   */
  public void settle(InsertResult.Outcome outcome) {
    try {
      // A task this insert created can be RUNNING only under the lease it took for this claim.
      if (outcome != null && outcome.created() && outcome.task().state() == TaskState.RUNNING) {
        runtime.dispatch(outcome.task(), slots);
      } else {
        slots.release();
      }
    } finally {
      runtime.handOffSettled();
    }
  }
}
