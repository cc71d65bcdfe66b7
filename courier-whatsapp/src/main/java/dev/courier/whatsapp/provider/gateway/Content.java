package dev.courier.whatsapp.provider.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.support.ProviderJson;

/** Reads Cloud-API-shaped message content for the gateway flavors. */
final class Content {
  private Content() {}

  static String text(JsonNode content, String field) {
    return ProviderJson.text(content, field);
  }

  /**
   * The link of a media object. A gateway cannot fetch a Cloud API media id (that media lives in
   * Meta's storage), so media given only by id is refused.
   */
  static String mediaLink(String flavor, String type, JsonNode media) throws ProviderException {
    String link = text(media, "link");
    if (link == null || link.isBlank()) {
      throw GatewayErrors.unsupportedContent(
          flavor, "can send " + type + " only by link, not by Cloud API media id");
    }
    return link;
  }

  /**
   * The contact cards of a {@code contacts} message. {@link
   * dev.courier.whatsapp.provider.OutboundMessage#content()} is an object, so Courier wraps the
   * Cloud API's array as {@code {"contacts": [...]}}.
   */
  static JsonNode contactCards(JsonNode content) {
    return content.path("contacts");
  }

  /** A coordinate as a number, whether the content wrote it as a number or as a string. */
  static double coordinate(JsonNode location, String field) {
    JsonNode value = location.path(field);
    if (value.isNumber()) {
      return value.doubleValue();
    }
    try {
      return Double.parseDouble(value.asText());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("location " + field + " is not a number");
    }
  }
}
