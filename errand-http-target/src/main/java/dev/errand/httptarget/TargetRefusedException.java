package dev.errand.httptarget;

import java.net.UnknownHostException;

/**
 * A target's address is one the {@link TargetPolicy} refuses. Thrown by the resolver and by the socket
 * before it connects, so nothing is sent; the task ends DEAD. An {@link UnknownHostException} because that
 * is what a resolver may throw, and the HTTP client then tries no other route.
 */
public final class TargetRefusedException extends UnknownHostException {
  public TargetRefusedException(String message) {
    super(message);
  }
}
