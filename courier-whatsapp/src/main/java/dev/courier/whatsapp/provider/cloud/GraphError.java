package dev.courier.whatsapp.provider.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.support.ProviderJson;

/**
 * Meta's error envelope: {@code {"error": {"message", "type", "code", "error_subcode",
 * "error_data": {"details"}, "fbtrace_id"}}}. Every field may be missing (an answer from a proxy
 * has none of them).
 */
record GraphError(Integer code, String message, String details, String fbtraceId) {

  static GraphError parse(JsonNode answer) {
    JsonNode error = answer.path("error");
    return new GraphError(
        code(error.path("code")),
        ProviderJson.text(error, "message"),
        ProviderJson.text(error.path("error_data"), "details"),
        ProviderJson.text(error, "fbtrace_id"));
  }

  /**
   * The text recorded on the message: Meta's message, its details when they add something, and the
   * trace id Meta support asks for. Meta's text never quotes the request body.
   */
  String describe(int httpStatus) {
    StringBuilder text = new StringBuilder();
    text.append(message != null ? message : "HTTP " + httpStatus + " from the Cloud API");
    if (details != null && !details.isBlank() && !details.equals(message)) {
      text.append(": ").append(details);
    }
    if (fbtraceId != null) {
      text.append(" (fbtrace_id ").append(fbtraceId).append(')');
    }
    return text.toString();
  }

  // Meta sends the code as a number; some relays turn it into a string.
  private static Integer code(JsonNode node) {
    if (node.isIntegralNumber() && node.canConvertToInt()) {
      return node.intValue();
    }
    if (node.isTextual()) {
      try {
        return Integer.valueOf(node.textValue().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }
}
