package dev.errand.core.workflow;

import java.util.Locale;

/**
 * What a dependency edge does when its parent ends without success (DEAD, or CANCELLED): {@link #FAIL}
 * cancels the dependant with the reason (and so, in turn, everything that waits on it with this policy),
 * and the workflow fails; {@link #CONTINUE} lets the dependant run anyway, and it sees the failure among
 * its parents.
 */
public enum OnFailure {
  FAIL,
  CONTINUE;

  /** The name in the HTTP API and in the store: {@code fail} or {@code continue}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the value if it is neither {@code fail} nor {@code continue} */
  public static OnFailure ofWireName(String name) {
    for (OnFailure f : values()) {
      if (f.wireName().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("onFailure must be fail or continue: " + name);
  }
}
