package dev.courier.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.server.auth.ApiKeyStore;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Small helpers for route handlers: the caller's organization, paging parameters, JSON answers. */
final class Requests {
  static final String KEY_ATTRIBUTE = "courier.apiKey";
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Requests() {}

  static ApiKeyStore.ApiKey key(Context ctx) {
    return ctx.attribute(KEY_ATTRIBUTE);
  }

  static String organization(Context ctx) {
    return key(ctx).organizationId();
  }

  /** {@code ?limit=}: 1 to {@value #MAX_LIMIT}, {@value #DEFAULT_LIMIT} when absent. */
  static int limit(Context ctx) {
    String v = ctx.queryParam("limit");
    if (v == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ProblemException(Problem.validation(List.of(
        new dev.courier.whatsapp.validation.FieldError("limit", "must be a whole number from 1 to " + MAX_LIMIT))));
  }

  /** A boolean query parameter: {@code true} or {@code false}, {@code fallback} when absent. */
  static boolean bool(Context ctx, String name, boolean fallback) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return fallback;
    }
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ProblemException(Problem.validation(List.of(
          new dev.courier.whatsapp.validation.FieldError(name, "must be true or false"))));
    };
  }

  /** An opaque cursor for a position (a sequence number). */
  static String cursor(long position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("p:" + position).getBytes(StandardCharsets.UTF_8));
  }

  /** The position in {@code ?cursor=}, or {@code fallback} when there is none. */
  static long position(Context ctx, long fallback) {
    String c = ctx.queryParam("cursor");
    if (c == null || c.isEmpty()) {
      return fallback;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8);
      if (text.startsWith("p:")) {
        long p = Long.parseLong(text.substring(2));
        if (p >= 0) { // a negative position is no cursor this API returned (and PostgreSQL refuses it)
          return p;
        }
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw new ProblemException(Problem.validation(List.of(
        new dev.courier.whatsapp.validation.FieldError("cursor", "is not a cursor this API returned"))));
  }

  static void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A page: {@code {"data": [...], "nextCursor": ...}}. */
  static Map<String, Object> page(List<?> data, String nextCursor) {
    java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("data", data);
    m.put("nextCursor", nextCursor);
    return m;
  }
}
