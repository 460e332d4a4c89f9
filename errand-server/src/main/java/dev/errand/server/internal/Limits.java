package dev.errand.server.internal;

/**
 * Size limits of request bodies. A body may be the largest payload plus room for the other fields; a
 * batch body may hold many payloads, up to {@code batchBodyBytes}.
 */
public record Limits(long maxPayloadBytes, long bodyBytes, long batchBodyBytes, int maxBatch) {
  /** Room for everything in an enqueue besides the payload. */
  static final long ENVELOPE_BYTES = 64 * 1024;

  public static Limits forPayload(long maxPayloadBytes) {
    long body = maxPayloadBytes + ENVELOPE_BYTES;
    return new Limits(maxPayloadBytes, body, Math.max(body, 16L * 1024 * 1024), 1000);
  }
}
