package dev.courier.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Errors that Jetty answers itself, before a request reaches a route: requests that are not valid
 * HTTP (a control character in a header, a malformed or ambiguous path such as {@code %00}), or
 * bodies over Jetty's own limits. Jetty would answer an HTML page; these answer a problem (under
 * {@code /graph}, when the path is known, the Cloud API's error envelope), like every other error.
 */
final class JettyErrors extends ErrorHandler {
  static final String TYPE = "https://courier.dev/problems/malformed-request";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request Jetty's parser refused (no request object exists yet). */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
    return ByteBuffer.wrap(body(problem(status, reason), null));
  }

  /** Any other error Jetty answers itself. */
  @Override
  protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
      int code, String message) throws IOException {
    baseRequest.setHandled(true);
    Problem p = problem(code, message);
    String path = request.getRequestURI();
    if (path != null && (path.startsWith(GraphRoutes.PREFIX) || path.equals("/graph"))) {
      CloudApiError error = CloudApiError.from(p, request.getMethod(), request.getHeader("Authorization") != null);
      response.setStatus(error.status());
      response.setContentType("application/json");
      response.getOutputStream().write(JSON.writeValueAsBytes(error.body(CloudApiError.newTraceId())));
      return;
    }
    response.setContentType(Problem.CONTENT_TYPE);
    response.getOutputStream().write(body(p, path));
  }

  private static Problem problem(int status, String reason) {
    String title = HttpStatus.getMessage(status);
    // Jetty's reasons name the HTTP fault ("Illegal character CNTL=0x1", "Ambiguous URI path
    // encoding"); anything longer or odd is left out rather than echoed.
    String detail = reason == null || reason.length() > 200 || !reason.matches("[\\x20-\\x7e]*")
        ? "the request is not valid HTTP" : reason;
    return new Problem(status == 400 ? TYPE : "about:blank", title == null ? "Error" : title, status, detail);
  }

  private static byte[] body(Problem p, String path) {
    Map<String, Object> m = new LinkedHashMap<>(p.body(path));
    try {
      return JSON.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
