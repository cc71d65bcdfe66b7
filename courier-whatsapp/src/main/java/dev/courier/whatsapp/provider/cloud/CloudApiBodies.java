package dev.courier.whatsapp.provider.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.support.ProviderJson;

/**
 * The Cloud API request bodies Courier posts to {@code /{phoneNumberId}/messages}: a message, a
 * typing indicator, a read receipt. The message content is already the Cloud API object for its
 * type and goes through as it is.
 */
final class CloudApiBodies {
  private CloudApiBodies() {}

  static ObjectNode message(OutboundMessage m) {
    ObjectNode body = ProviderJson.object();
    body.put("messaging_product", "whatsapp");
    body.put("recipient_type", "individual");
    body.put("to", m.to());
    body.put("type", m.type());
    body.set(m.type(), memberValue(m.type(), m.content()));
    if (m.replyTo() != null) {
      body.putObject("context").put("message_id", m.replyTo());
    }
    // Meta echoes this in every status webhook of the message: how an in-doubt send is reconciled.
    body.put("biz_opaque_callback_data", m.messageId());
    return body;
  }

  /**
   * The value of the body's member named after the type. Contacts travel as an array, but {@link
   * OutboundMessage#content()} is an object, so Courier wraps them as {@code {"contacts": [...]}};
   * every other type's content is the member itself.
   */
  static JsonNode memberValue(String type, ObjectNode content) {
    if ("contacts".equals(type) && content.path("contacts").isArray()) {
      return content.get("contacts");
    }
    return content;
  }

  /** Shows "typing…" in the chat of {@code inboundMessageId} (and marks that message read). */
  static ObjectNode typingIndicator(String inboundMessageId) {
    ObjectNode body = read(inboundMessageId);
    body.putObject("typing_indicator").put("type", "text");
    return body;
  }

  static ObjectNode read(String inboundMessageId) {
    ObjectNode body = ProviderJson.object();
    body.put("messaging_product", "whatsapp");
    body.put("status", "read");
    body.put("message_id", inboundMessageId);
    return body;
  }
}
