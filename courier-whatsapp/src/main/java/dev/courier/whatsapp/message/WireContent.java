package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where canonical content goes in a Cloud API request: the body's member named after the type
 * ({@code "text": {...}}). For every type but {@code contacts} that member is the content itself;
 * contacts travel as an array, which canonical content wraps as {@code {"contacts": [...]}}
 * because {@link dev.courier.whatsapp.provider.OutboundMessage#content()} is an object.
 */
public final class WireContent {
  private WireContent() {}

  /** The value of the request body's {@code type} member for content from {@link ContentValidator}. */
  public static JsonNode memberValue(String type, ObjectNode content) {
    return MessageTypes.CONTACTS.equals(type) ? content.get(MessageTypes.CONTACTS) : content;
  }
}
