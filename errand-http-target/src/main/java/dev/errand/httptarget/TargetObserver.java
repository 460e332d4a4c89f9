package dev.errand.httptarget;

import java.time.Duration;

/**
 * Told of every request a target task makes, for metrics. Every method has a no-op default, so the hot
 * path never asks whether anyone listens. Called on the task's thread: must be fast and never throw.
 */
public interface TargetObserver {
  TargetObserver NONE = new TargetObserver() {};

  /** A response came: its status and how long the request took. */
  default void response(String host, int status, Duration latency) {}

  /** No response: {@code error} is {@code refused}, {@code timeout} or {@code connection}. */
  default void failure(String host, String error, Duration latency) {}
}
