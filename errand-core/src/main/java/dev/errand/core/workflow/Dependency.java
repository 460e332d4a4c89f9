package dev.errand.core.workflow;

import java.util.Objects;

/** One edge of a workflow: the node it waits for, and what it does if that node fails. */
public record Dependency(String node, OnFailure onFailure) {
  public Dependency {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(onFailure, "onFailure");
  }

  /** Waits for {@code node}; is cancelled if it fails. */
  public static Dependency on(String node) {
    return new Dependency(node, OnFailure.FAIL);
  }

  /** Waits for {@code node} to end, however it ends. */
  public static Dependency after(String node) {
    return new Dependency(node, OnFailure.CONTINUE);
  }
}
