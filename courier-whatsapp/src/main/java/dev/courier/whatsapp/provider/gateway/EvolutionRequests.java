package dev.courier.whatsapp.provider.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.support.ProviderJson;
import java.time.Duration;

/**
 * Maps Cloud-API-shaped messages to Evolution API v2 requests ({@code /message/send…/{instance}}).
 * Templates and interactive messages have no Evolution equivalent for a WhatsApp Web session and
 * are refused.
 */
final class EvolutionRequests {
  private static final String FLAVOR = GatewaySettings.EVOLUTION;

  private EvolutionRequests() {}

  /**
   * @param instance the instance name, already encoded as a path segment
   * @param typing how long Evolution shows "composing…" ("recording…" for audio) before it sends:
   *     its {@code delay}; zero for none
   */
  static GatewayCall send(OutboundMessage m, String instance, Duration typing)
      throws ProviderException {
    JsonNode c = m.content();
    ObjectNode body = ProviderJson.object();
    String endpoint;
    switch (m.type()) {
      case "text" -> {
        endpoint = "sendText";
        body.put("number", ChatIds.evolutionNumber(m.to()));
        body.put("text", Content.text(c, "body"));
        // The Cloud API shows no preview unless asked; keep that meaning on the gateway.
        body.put("linkPreview", c.path("preview_url").asBoolean(false));
      }
      case "image", "video", "document" -> {
        endpoint = "sendMedia";
        String link = Content.mediaLink(FLAVOR, m.type(), c);
        String filename = Content.text(c, "filename");
        if (filename == null && m.type().equals("document")) {
          filename = MediaTypes.lastSegment(link);
        }
        body.put("number", ChatIds.evolutionNumber(m.to()));
        body.put("mediatype", m.type());
        String mimetype = MediaTypes.guess(filename, link);
        if (mimetype != null) {
          body.put("mimetype", mimetype);
        }
        putIfPresent(body, "caption", Content.text(c, "caption"));
        body.put("media", link);
        putIfPresent(body, "fileName", filename);
      }
      case "audio" -> {
        endpoint = "sendWhatsAppAudio";
        body.put("number", ChatIds.evolutionNumber(m.to()));
        body.put("audio", Content.mediaLink(FLAVOR, m.type(), c));
      }
      case "sticker" -> {
        endpoint = "sendSticker";
        body.put("number", ChatIds.evolutionNumber(m.to()));
        body.put("sticker", Content.mediaLink(FLAVOR, m.type(), c));
      }
      case "location" -> {
        endpoint = "sendLocation";
        body.put("number", ChatIds.evolutionNumber(m.to()));
        putIfPresent(body, "name", Content.text(c, "name"));
        putIfPresent(body, "address", Content.text(c, "address"));
        body.put("latitude", Content.coordinate(c, "latitude"));
        body.put("longitude", Content.coordinate(c, "longitude"));
      }
      case "contacts" -> {
        endpoint = "sendContact";
        body.put("number", ChatIds.evolutionNumber(m.to()));
        body.set("contact", contacts(Content.contactCards(c)));
      }
      case "reaction" -> {
        // A reaction is addressed by the key of the message it reacts to, not by number.
        ObjectNode key = body.putObject("key");
        key.put("remoteJid", ChatIds.jid(m.to()));
        // Courier reacts to what the user sent; its own messages are answered, not reacted to.
        key.put("fromMe", false);
        key.put("id", Content.text(c, "message_id"));
        body.put("reaction", c.path("emoji").asText(""));
        return GatewayCall.post("/message/sendReaction/" + instance, body);
      }
      default -> throw GatewayErrors.unsupportedType(FLAVOR, m.type());
    }
    if (typing.isPositive()) {
      body.put("delay", typing.toMillis());
    }
    if (m.replyTo() != null) {
      // Evolution looks the quoted message up by its key id.
      body.putObject("quoted").putObject("key").put("id", m.replyTo());
    }
    return GatewayCall.post("/message/" + endpoint + "/" + instance, body);
  }

  /** A read receipt for one inbound message of {@code chat}. */
  static GatewayCall markRead(String providerMessageId, String chat, String instance) {
    ObjectNode body = ProviderJson.object();
    ObjectNode read = body.putArray("readMessages").addObject();
    read.put("remoteJid", ChatIds.jid(chat));
    read.put("fromMe", false);
    read.put("id", providerMessageId);
    return GatewayCall.post("/chat/markMessageAsRead/" + instance, body);
  }

  // Cloud API contacts ({name: {formatted_name}, phones: [{phone, wa_id}], org, emails, urls}) to
  // Evolution's flat cards; Evolution needs one phone per card.
  private static ArrayNode contacts(JsonNode cloudContacts) throws ProviderException {
    ArrayNode cards = ProviderJson.object().arrayNode();
    for (JsonNode contact : cloudContacts) {
      JsonNode phone = contact.path("phones").path(0);
      String number = Content.text(phone, "phone");
      if (number == null) {
        throw GatewayErrors.unsupportedContent(FLAVOR, "needs a phone number for every contact");
      }
      String waId = Content.text(phone, "wa_id");
      ObjectNode card = cards.addObject();
      card.put("fullName", fullName(contact.path("name")));
      card.put("wuid", waId != null ? waId : number.replaceAll("\\D", ""));
      card.put("phoneNumber", number);
      putIfPresent(card, "organization", Content.text(contact.path("org"), "company"));
      putIfPresent(card, "email", Content.text(contact.path("emails").path(0), "email"));
      putIfPresent(card, "url", Content.text(contact.path("urls").path(0), "url"));
    }
    return cards;
  }

  static String fullName(JsonNode name) {
    String formatted = Content.text(name, "formatted_name");
    if (formatted != null) {
      return formatted;
    }
    String first = Content.text(name, "first_name");
    String last = Content.text(name, "last_name");
    return ((first == null ? "" : first) + " " + (last == null ? "" : last)).trim();
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }
}
