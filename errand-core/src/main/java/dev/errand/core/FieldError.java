package dev.errand.core;

import java.util.Objects;

/** One reason a task spec is invalid: the field (as named in the HTTP API) and what is wrong with it. */
public record FieldError(String field, String message) {
  public FieldError {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }
}
