package dev.errand.server.internal;

import dev.errand.core.FieldError;
import dev.errand.core.InvalidTaskException;
import java.util.ArrayList;
import java.util.List;

/** Collects every field error of one request so the 422 lists them all at once. Not thread-safe. */
public final class FieldErrors {
  private final List<FieldError> errors = new ArrayList<>();

  public void add(String field, String message) {
    errors.add(new FieldError(field, message));
  }

  /** Adds every error of {@code other}, in its order. */
  public void addAll(FieldErrors other) {
    errors.addAll(other.errors);
  }

  public boolean isEmpty() {
    return errors.isEmpty();
  }

  public int size() {
    return errors.size();
  }

  /** Throws the 422 if anything was collected. */
  public void throwIfAny() {
    if (!errors.isEmpty()) {
      throw new InvalidTaskException(errors);
    }
  }
}
