package dev.courier.server.http;

import dev.courier.whatsapp.validation.FieldError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem: what every error answer of the HTTP API carries, as {@code
 * application/problem+json}. Throw a {@link ProblemException} to answer with one.
 */
public record Problem(String type, String title, int status, String detail, Map<String, Object> extensions) {
  public static final String CONTENT_TYPE = "application/problem+json";
  private static final String BASE = "https://courier.dev/problems/";

  public Problem(String type, String title, int status, String detail) {
    this(type, title, status, detail, Map.of());
  }

  /** Invalid fields: 400 with {@code errors: [{field, message}]}. */
  public static Problem validation(List<FieldError> errors) {
    List<Map<String, String>> list = errors.stream()
        .map(e -> Map.of("field", e.field(), "message", e.message()))
        .toList();
    String detail = errors.size() == 1 ? "1 field is invalid" : errors.size() + " fields are invalid";
    return new Problem(BASE + "validation", "Invalid request", 400, detail, Map.of("errors", list));
  }

  public static Problem badRequest(String detail) {
    return new Problem(BASE + "bad-request", "Bad request", 400, detail);
  }

  public static Problem conflict(String detail, String currentStatus) {
    return new Problem(BASE + "conflict", "Conflict", 409, detail, Map.of("currentStatus", currentStatus));
  }

  /** A conflict with the object's state, described by {@code extensions} (e.g. {@code currentState}). */
  public static Problem conflict(String detail, Map<String, Object> extensions) {
    return new Problem(BASE + "conflict", "Conflict", 409, detail, extensions);
  }

  public static Problem idempotencyMismatch(String detail) {
    return new Problem(BASE + "idempotency-key-reused", "Idempotency key reused", 422, detail);
  }

  public static Problem tooLarge(String detail) {
    return new Problem(BASE + "too-large", "Request body too large", 413, detail);
  }

  public static Problem unsupportedMediaType(String detail) {
    return new Problem(BASE + "unsupported-media-type", "Unsupported media type", 415, detail);
  }

  public static Problem notFound(String detail) {
    return new Problem(BASE + "not-found", "Not found", 404, detail);
  }

  public static Problem unauthorized(String detail) {
    return new Problem(BASE + "unauthorized", "Unauthorized", 401, detail);
  }

  public static Problem forbidden(String detail) {
    return new Problem(BASE + "forbidden", "Forbidden", 403, detail);
  }

  /** Over the key's request rate: 429 (the caller sets {@code Retry-After}). */
  public static Problem tooManyRequests(String detail, long retryAfterSeconds) {
    return new Problem(BASE + "rate-limited", "Too many requests", 429, detail,
        Map.of("retryAfter", retryAfterSeconds));
  }

  /** A key creation repeated with its idempotency key: the secret cannot be shown again. */
  public static Problem keyNotShownAgain(String detail, String keyId, String prefix) {
    return new Problem(BASE + "key-not-shown-again", "API key already created", 409, detail,
        Map.of("keyId", keyId, "prefix", prefix));
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
    m.putAll(extensions);
    return m;
  }
}
