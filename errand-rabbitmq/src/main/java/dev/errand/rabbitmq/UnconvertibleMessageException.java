package dev.errand.rabbitmq;

import dev.errand.core.ErrandException;

/**
 * A delivery that can never become a task (no id where one is required, a body over the limit, an unknown
 * type): the inbox rejects it without requeue, so it goes to the queue's dead-letter exchange, and logs
 * this message as the reason.
 */
public class UnconvertibleMessageException extends ErrandException {
  public UnconvertibleMessageException(String reason) {
    super(reason);
  }

  public UnconvertibleMessageException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
