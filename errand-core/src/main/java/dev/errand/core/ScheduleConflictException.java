package dev.errand.core;

/**
 * A stored schedule was put under the name of a schedule this node has in code (or in the server's
 * config file). The code's schedule would win on this node, so the put is refused rather than ignored.
 */
public class ScheduleConflictException extends ErrandException {
  private final String name;

  public ScheduleConflictException(String name) {
    super("schedule " + name + " is defined in code or the config file on this node; change it there, "
        + "or choose another name");
    this.name = name;
  }

  public String name() {
    return name;
  }
}
