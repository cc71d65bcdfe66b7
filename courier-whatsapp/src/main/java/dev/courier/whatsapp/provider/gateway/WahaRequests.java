package dev.courier.whatsapp.provider.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.support.ProviderJson;

/**
 * Maps Cloud-API-shaped messages to WAHA requests ({@code /api/send…} with {@code session} and
 * {@code chatId} in the body). WAHA has no sticker endpoint, and templates and interactive messages
 * have no WAHA equivalent: those are refused.
 */
final class WahaRequests {
  private static final String FLAVOR = GatewaySettings.WAHA;

  // WAHA wants a MIME type for every file; these are its documented defaults per kind.
  private static final String DEFAULT_IMAGE = "image/jpeg";
  private static final String DEFAULT_VIDEO = "video/mp4";
  private static final String DEFAULT_VOICE = "audio/ogg; codecs=opus";
  private static final String DEFAULT_FILE = "application/octet-stream";

  private WahaRequests() {}

  static GatewayCall send(OutboundMessage m, String session) throws ProviderException {
    JsonNode c = m.content();
    String chatId = ChatIds.wahaChatId(m.to());
    if (m.type().equals("reaction")) {
      ObjectNode body = ProviderJson.object();
      body.put("session", session);
      body.put("messageId", serializedId(chatId, Content.text(c, "message_id")));
      body.put("reaction", c.path("emoji").asText(""));
      return GatewayCall.put("/api/reaction", body);
    }
    ObjectNode body = chat(session, chatId);
    String endpoint;
    switch (m.type()) {
      case "text" -> {
        endpoint = "sendText";
        body.put("text", Content.text(c, "body"));
        // The Cloud API shows no preview unless asked; WAHA previews by default.
        body.put("linkPreview", c.path("preview_url").asBoolean(false));
      }
      case "image" -> {
        endpoint = "sendImage";
        body.set("file", file(m.type(), c, DEFAULT_IMAGE));
        putIfPresent(body, "caption", Content.text(c, "caption"));
      }
      case "video" -> {
        endpoint = "sendVideo";
        body.set("file", file(m.type(), c, DEFAULT_VIDEO));
        putIfPresent(body, "caption", Content.text(c, "caption"));
      }
      case "document" -> {
        endpoint = "sendFile";
        ObjectNode file = file(m.type(), c, DEFAULT_FILE);
        if (!file.has("filename")) {
          putIfPresent(file, "filename", MediaTypes.lastSegment(file.path("url").asText()));
        }
        body.set("file", file);
        putIfPresent(body, "caption", Content.text(c, "caption"));
      }
      case "audio" -> {
        endpoint = "sendVoice";
        ObjectNode file = file(m.type(), c, DEFAULT_VOICE);
        if (file.path("mimetype").asText().equals("audio/ogg")) {
          file.put("mimetype", DEFAULT_VOICE); // a voice note is Opus in Ogg: say so
        }
        body.set("file", file);
      }
      case "location" -> {
        endpoint = "sendLocation";
        body.put("latitude", Content.coordinate(c, "latitude"));
        body.put("longitude", Content.coordinate(c, "longitude"));
        String name = Content.text(c, "name");
        putIfPresent(body, "title", name != null ? name : Content.text(c, "address"));
      }
      case "contacts" -> {
        endpoint = "sendContactVcard";
        body.set("contacts", contacts(Content.contactCards(c)));
      }
      default -> throw GatewayErrors.unsupportedType(FLAVOR, m.type());
    }
    if (m.replyTo() != null) {
      body.put("reply_to", serializedId(chatId, m.replyTo()));
    }
    return GatewayCall.post("/api/" + endpoint, body);
  }

  static GatewayCall startTyping(String session, String to) {
    return GatewayCall.post("/api/startTyping", chat(session, ChatIds.wahaChatId(to)));
  }

  static GatewayCall stopTyping(String session, String to) {
    return GatewayCall.post("/api/stopTyping", chat(session, ChatIds.wahaChatId(to)));
  }

  static GatewayCall sendSeen(String session, String chatId, String providerMessageId) {
    ObjectNode body = chat(session, chatId);
    body.putArray("messageIds").add(providerMessageId);
    return GatewayCall.post("/api/sendSeen", body);
  }

  /**
   * WAHA names messages {@code {fromMe}_{chatId}_{id}}. Ids Courier got from WAHA already have that
   * form; a bare id is taken as one the user sent in this chat.
   */
  static String serializedId(String chatId, String id) {
    if (id == null || id.indexOf('@') >= 0) {
      return id;
    }
    return "false_" + chatId + "_" + id;
  }

  /** The chat of a serialized WAHA message id ({@code false_5511…@c.us_ABC}), or null. */
  static String chatOf(String serializedId) {
    int first = serializedId.indexOf('_');
    int at = serializedId.indexOf('@');
    if (first < 0 || at < first) {
      return null;
    }
    int end = serializedId.indexOf('_', at);
    return serializedId.substring(first + 1, end < 0 ? serializedId.length() : end);
  }

  private static ObjectNode chat(String session, String chatId) {
    ObjectNode body = ProviderJson.object();
    body.put("session", session);
    body.put("chatId", chatId);
    return body;
  }

  private static ObjectNode file(String type, JsonNode media, String defaultMimetype)
      throws ProviderException {
    String link = Content.mediaLink(FLAVOR, type, media);
    String filename = Content.text(media, "filename");
    String mimetype = MediaTypes.guess(filename, link);
    ObjectNode file = ProviderJson.object();
    file.put("url", link);
    file.put("mimetype", mimetype != null ? mimetype : defaultMimetype);
    putIfPresent(file, "filename", filename);
    return file;
  }

  private static ArrayNode contacts(JsonNode cloudContacts) throws ProviderException {
    ArrayNode cards = ProviderJson.object().arrayNode();
    for (JsonNode contact : cloudContacts) {
      JsonNode phone = contact.path("phones").path(0);
      String number = Content.text(phone, "phone");
      if (number == null) {
        throw GatewayErrors.unsupportedContent(FLAVOR, "needs a phone number for every contact");
      }
      ObjectNode card = cards.addObject();
      card.put("fullName", EvolutionRequests.fullName(contact.path("name")));
      putIfPresent(card, "organization", Content.text(contact.path("org"), "company"));
      card.put("phoneNumber", number);
      // WAHA wants the WhatsApp id without + or @c.us.
      String waId = Content.text(phone, "wa_id");
      card.put("whatsappId", waId != null ? waId : number.replaceAll("\\D", ""));
    }
    return cards;
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }
}
