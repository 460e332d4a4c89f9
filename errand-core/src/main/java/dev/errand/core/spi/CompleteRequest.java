package dev.errand.core.spi;

import java.util.List;

/** Completions to apply in one round trip; each is fenced on its own. */
public record CompleteRequest(List<Completion> completions) {
  public CompleteRequest {
    completions = List.copyOf(completions);
  }
}
