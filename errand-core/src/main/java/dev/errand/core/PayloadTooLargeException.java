package dev.errand.core;

/** The payload is over the configured size limit; nothing was written. */
public class PayloadTooLargeException extends InvalidTaskException {
  private final long limit;

  public PayloadTooLargeException(int size, long limit) {
    super("payload", "is " + size + " bytes, over the limit of " + limit);
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }
}
