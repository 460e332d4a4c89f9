package dev.errand.server.internal;

import dev.errand.core.FieldError;
import java.util.List;
import java.util.Map;

/**
 * A request the server refuses, carrying the problem+json answer: status, a human detail, field errors
 * for 422 and extra response headers. {@link ProblemMapper} turns it into the response. Internal.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final List<FieldError> errors;
  private final Map<String, String> headers;

  public ApiException(int status, String detail, List<FieldError> errors, Map<String, String> headers) {
    super(detail, null, false, false); // control flow for refusals: no stack trace needed
    this.status = status;
    this.errors = List.copyOf(errors);
    this.headers = Map.copyOf(headers);
  }

  public ApiException(int status, String detail) {
    this(status, detail, List.of(), Map.of());
  }

  public static ApiException malformed(String detail) {
    return new ApiException(400, detail);
  }

  public static ApiException tooLarge(long limit) {
    return new ApiException(413, "request body is over the limit of " + limit + " bytes");
  }

  public static ApiException invalid(String field, String message) {
    return new ApiException(422, field + ": " + message, List.of(new FieldError(field, message)), Map.of());
  }

  public int status() {
    return status;
  }

  public List<FieldError> errors() {
    return errors;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
