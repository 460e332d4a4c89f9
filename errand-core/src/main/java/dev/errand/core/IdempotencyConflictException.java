package dev.errand.core;

/** An enqueue reused an idempotency key whose task was enqueued with a different spec. */
public class IdempotencyConflictException extends ErrandException {
  private final Task existing;

  public IdempotencyConflictException(String key, Task existing) {
    super("idempotency key " + key + " was already used for task " + existing.id() + " with a different spec");
    this.existing = existing;
  }

  public Task existing() {
    return existing;
  }
}
