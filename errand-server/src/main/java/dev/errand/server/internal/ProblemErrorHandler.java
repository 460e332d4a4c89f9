package dev.errand.server.internal;

import dev.errand.core.FieldError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Answers the errors Jetty raises before a request reaches the API (a header or URI too large, a request
 * line it cannot parse) as problem+json too, so clients see one error format. Thread-safe.
 */
public final class ProblemErrorHandler extends ErrorHandler {
  private static final String TYPE = "application/problem+json";

  public ProblemErrorHandler() {
    setShowServlet(false);
    setShowStacks(false);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, TYPE));
    return ByteBuffer.wrap(ProblemMapper.body("", status, reason, List.<FieldError>of()));
  }

  @Override
  protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
      HttpServletResponse response, int code, String message) throws IOException {
    response.setContentType(TYPE);
    baseRequest.getResponse().getHttpOutput().write(ProblemMapper.body(request.getRequestURI(), code, message, List.of()));
    baseRequest.setHandled(true);
  }
}
