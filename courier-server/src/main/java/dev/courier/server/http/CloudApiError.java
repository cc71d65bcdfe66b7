package dev.courier.server.http;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An error of the Cloud API compatible endpoint ({@code /graph/...}) in Meta's envelope: {@code
 * {"error": {"message", "type", "code", "error_subcode"?, "error_data": {"messaging_product",
 * "details"}, "fbtrace_id"}}}. Cloud API clients decide on {@code error.code}, so the codes are
 * Meta's: 100 for an invalid parameter or an unknown object, 190 for a bad access token, 2 for a
 * temporary outage, 1 for an unknown error. {@link #from(Problem, String, boolean)} turns every
 * problem the rest of the server raises into one, so {@code /graph} never answers a problem+json.
 *
 * @param status the HTTP status
 * @param message Meta-style text ({@code (#100) Invalid parameter})
 * @param type {@value #OAUTH} or {@value #GRAPH_METHOD}
 * @param code Meta's error code
 * @param subcode Meta's {@code error_subcode}, or null for none
 * @param details what exactly is wrong ({@code error_data.details}), naming the request's fields
 */
public record CloudApiError(int status, String message, String type, int code, Integer subcode, String details) {
  public static final String OAUTH = "OAuthException";
  public static final String GRAPH_METHOD = "GraphMethodException";
  static final int INVALID_PARAMETER = 100;
  static final int ACCESS_TOKEN = 190;
  static final int UNKNOWN_PATH = 2500;
  static final int TEMPORARILY_UNAVAILABLE = 2;
  static final int UNKNOWN = 1;
  /** Meta's subcode for an object that does not exist or cannot be loaded. */
  static final int NO_SUCH_OBJECT = 33;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** 400, code 100: a field of the request is invalid; {@code details} names it. */
  public static CloudApiError invalidParameter(String details) {
    return new CloudApiError(400, "(#100) Invalid parameter", OAUTH, INVALID_PARAMETER, null, details);
  }

  /** 400, code 100, subcode 33: the path's object (a phone number id) is not one of the caller's. */
  public static CloudApiError unknownObject(String method, String id) {
    String text = "Unsupported " + method.toLowerCase(java.util.Locale.ROOT) + " request. Object with ID '" + id
        + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation.";
    return new CloudApiError(400, text, GRAPH_METHOD, INVALID_PARAMETER, NO_SUCH_OBJECT,
        "no instance of this organization has the phone number id or instance id " + id);
  }

  /** 400, code 2500: a path this endpoint does not serve (an API version that is not {@code vNN.N}). */
  public static CloudApiError unknownPath(String path) {
    return new CloudApiError(400, "Unknown path components: " + path, OAUTH, UNKNOWN_PATH, null,
        "the path must be /graph/{apiVersion}/{phoneNumberId}/messages with an API version like v23.0");
  }

  /**
   * The Cloud API error for a problem raised by the shared machinery (authentication, body reading,
   * validation, the database, unknown routes).
   *
   * @param method the request's HTTP method, for unknown routes
   * @param tokenGiven whether the request carried an {@code Authorization} header, for 401s
   */
  @SuppressWarnings("unchecked")
  public static CloudApiError from(Problem p, String method, boolean tokenGiven) {
    String details = p.detail();
    Object errors = p.extensions().get("errors");
    if (errors instanceof List<?> list && !list.isEmpty()) {
      details = ((List<Map<String, String>>) list).stream()
          .map(e -> e.get("field").isEmpty() ? e.get("message") : e.get("field") + ": " + e.get("message"))
          .collect(Collectors.joining("; "));
    }
    return switch (p.status()) {
      case 401 -> new CloudApiError(401,
          tokenGiven ? "Invalid OAuth access token - Cannot parse access token"
              : "An active access token must be used to query information about the current user.",
          OAUTH, ACCESS_TOKEN, null, details);
      case 404, 405 -> new CloudApiError(400, "Unsupported " + method.toLowerCase(java.util.Locale.ROOT) + " request.",
          GRAPH_METHOD, INVALID_PARAMETER, NO_SUCH_OBJECT, details);
      case 503 -> new CloudApiError(503, "Service temporarily unavailable", OAUTH, TEMPORARILY_UNAVAILABLE, null, details);
      case 500 -> new CloudApiError(500, "An unknown error occurred", OAUTH, UNKNOWN, null, details);
      default -> new CloudApiError(p.status(), "(#100) Invalid parameter", OAUTH, INVALID_PARAMETER, null, details);
    };
  }

  /** The answer's body, with a fresh trace id (logged with the error, so support can find it). */
  Map<String, Object> body(String fbtraceId) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", message);
    error.put("type", type);
    error.put("code", code);
    if (subcode != null) {
      error.put("error_subcode", subcode);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("messaging_product", "whatsapp");
    data.put("details", details == null ? message : details);
    error.put("error_data", data);
    error.put("fbtrace_id", fbtraceId);
    return Map.of("error", error);
  }

  /** A trace id shaped like Meta's: {@code A} and 22 URL-safe characters. */
  static String newTraceId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return "A" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
