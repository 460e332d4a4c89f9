package dev.errand.rabbitmq;

import dev.errand.core.Json;

/** Checks on a delivery's body shared by the formats. Internal. */
final class Bodies {
  private Bodies() {}

  static Json json(byte[] body, long maxBodyBytes) {
    if (body.length > maxBodyBytes) {
      throw new UnconvertibleMessageException("body of " + body.length + " bytes is over the limit of " + maxBodyBytes);
    }
    try {
      return Json.of(body);
    } catch (IllegalArgumentException e) {
      throw new UnconvertibleMessageException("body is not JSON: " + e.getMessage());
    }
  }
}
