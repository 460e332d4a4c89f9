package dev.errand.core;

import java.util.List;
import java.util.stream.Collectors;

/** The request names a task that cannot exist as given; nothing was written. */
public class InvalidTaskException extends ErrandException {
  private final List<FieldError> errors;

  public InvalidTaskException(List<FieldError> errors) {
    super(errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")));
    this.errors = List.copyOf(errors);
  }

  public InvalidTaskException(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }

  public List<FieldError> errors() {
    return errors;
  }
}
