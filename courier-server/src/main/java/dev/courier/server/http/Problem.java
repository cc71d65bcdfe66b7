package dev.courier.server.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem: what every error answer of the HTTP API carries, as {@code
 * application/problem+json}. Throw a {@link ProblemException} to answer with one.
 */
public record Problem(String type, String title, int status, String detail) {
  public static final String CONTENT_TYPE = "application/problem+json";
  private static final String BASE = "https://courier.dev/problems/";

  public static Problem notFound(String detail) {
    return new Problem(BASE + "not-found", "Not found", 404, detail);
  }

  public static Problem unauthorized(String detail) {
    return new Problem(BASE + "unauthorized", "Unauthorized", 401, detail);
  }

  public static Problem methodNotAllowed(String detail) {
    return new Problem(BASE + "method-not-allowed", "Method not allowed", 405, detail);
  }

  public static Problem internal() {
    return new Problem(BASE + "internal", "Internal error", 500, "the server failed; see its log");
  }

  public static Problem unavailable(String detail) {
    return new Problem(BASE + "unavailable", "Service unavailable", 503, detail);
  }

  /** Generic problem for a status without a more specific type. */
  public static Problem ofStatus(int status, String title, String detail) {
    return new Problem("about:blank", title, status, detail);
  }

  Map<String, Object> body(String instance) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("title", title);
    m.put("status", status);
    if (detail != null) {
      m.put("detail", detail);
    }
    if (instance != null) {
      m.put("instance", instance);
    }
    return m;
  }
}
