package dev.courier.whatsapp.provider.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.support.ProviderJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A gateway's non-2xx answer, read for its text. Evolution answers {@code {"status", "error",
 * "response": {"message": [...]}}}; WAHA answers {@code {"error", "session", "status"}} for session
 * state and NestJS's {@code {"statusCode", "message"}} or {@code {"exception": {"message"}}} for
 * the rest.
 */
record GatewayAnswer(int status, JsonNode json, String body) {
  private static final int MAX_TEXT = 500;

  /** The gateway's own words about the error, without stack traces. */
  String text() {
    List<String> parts = new ArrayList<>();
    collect(json.path("response").path("message"), parts);
    collect(json.path("message"), parts);
    collect(json.path("exception").path("message"), parts);
    collect(json.path("error"), parts);
    String status = ProviderJson.text(json, "status");
    if (status != null && !status.chars().allMatch(Character::isDigit)) {
      parts.add("session status " + status);
    }
    String text = parts.isEmpty() ? fallback() : String.join("; ", parts);
    return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text;
  }

  /** True when the answer's text or body mentions {@code needle}, ignoring case. */
  boolean mentions(String needle) {
    return body != null && body.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
  }

  private String fallback() {
    // A non-JSON body is usually a proxy's HTML page: say only that it was not the gateway's JSON.
    return json.isMissingNode() ? "HTTP " + status + " without a JSON body" : "HTTP " + status;
  }

  private static void collect(JsonNode node, List<String> parts) {
    if (node.isArray()) {
      node.forEach(n -> collect(n, parts));
    } else if (node.isTextual() && !node.textValue().isBlank()) {
      parts.add(node.textValue());
    } else if (node.isObject()) {
      parts.add(ProviderJson.write(node));
    }
  }
}
