package dev.errand.bench;

/**
 * A run broke the delivery contract (a task lost, run twice, or the store's counts disagree with what
 * the handlers saw), so its numbers are void: the command reports the failure instead of a result.
 */
final class CorrectnessException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CorrectnessException(String message) {
    super(message);
  }
}
