package dev.lakeml.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answer Jetty itself gives when it refuses a request before any route runs (a malformed
 * request line, an ambiguous or over-long URI, headers too large, an unsupported HTTP version): the
 * same problem+json document as every other error of the API, instead of Jetty's HTML page.
 */
final class JettyErrors extends ErrorHandler {
  private final ObjectMapper mapper;

  JettyErrors(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Every method gets the document (Jetty's default writes one for GET, POST and HEAD only). */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    String reason = HttpStatus.getMessage(code);
    String detail =
        message == null || message.isBlank() || message.equals(reason)
            ? "the server refused the request before reading it: " + reason
            : "the server refused the request before reading it: " + message;
    ApiException e = new ApiException(code, "http-" + code, reason, detail);
    byte[] bytes = Http.problemBytes(e, path(request), null, mapper);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Http.PROBLEM_JSON);
    // Jetty closes the connection after such a refusal: say so, so no client reuses it.
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /** A request Jetty could not parse at all (bad bytes in the head): no request to speak of. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    String title = HttpStatus.getMessage(status);
    ApiException e =
        new ApiException(
            status,
            "http-" + status,
            title,
            "the server could not read the request: "
                + (reason == null || reason.isBlank() ? title : reason));
    fields.put(HttpHeader.CONTENT_TYPE, Http.PROBLEM_JSON);
    return ByteBuffer.wrap(Http.problemBytes(e, null, null, mapper));
  }

  private static String path(Request request) {
    try {
      return request.getHttpURI().getPath();
    } catch (RuntimeException unparsable) {
      return null;
    }
  }
}
