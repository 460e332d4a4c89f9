package dev.errand.server;

import io.javalin.security.RouteRole;
import java.util.Locale;

/**
 * What a bearer token may do. A route lists the roles it admits; {@link #ADMIN} is admitted everywhere.
 * Producers enqueue and read; workers speak the claim protocol and read; readers only read (dashboards,
 * metrics scrapers, event consumers).
 */
public enum Role implements RouteRole {
  READER,
  PRODUCER,
  WORKER,
  ADMIN;

  /** Parses {@code producer}, {@code worker} or {@code admin}; null if it is none of them. */
  public static Role parse(String text) {
    for (Role r : values()) {
      if (r.name().toLowerCase(Locale.ROOT).equals(text)) {
        return r;
      }
    }
    return null;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
