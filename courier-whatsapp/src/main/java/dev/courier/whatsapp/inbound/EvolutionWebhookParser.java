package dev.courier.whatsapp.inbound;

import static dev.courier.whatsapp.inbound.JsonFields.elementsOf;
import static dev.courier.whatsapp.inbound.JsonFields.firstNonNull;
import static dev.courier.whatsapp.inbound.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Evolution API v2 webhook events ({@code {"event", "instance", "data", "date_time", …}}):
 *
 * <ul>
 *   <li>{@code messages.upsert}: a message in a chat. Only messages from others are inbound:
 *       {@code fromMe} ones (sent by Courier or from the phone) and WhatsApp status stories are
 *       skipped.
 *   <li>{@code messages.update}: a receipt for a message Courier sent, by its WhatsApp id ({@code
 *       keyId}; {@code messageId} is the gateway's own database id and is not used). {@code
 *       SERVER_ACK} is sent, {@code DELIVERY_ACK} delivered, {@code READ} read, {@code PLAYED}
 *       played, {@code ERROR} failed; {@code PENDING} and deletions say nothing new.
 *   <li>{@code connection.update}: {@code open} is connected, {@code close} disconnected; {@code
 *       connecting} says nothing yet (the instance is starting or retrying).
 *   <li>{@code qrcode.updated}: the instance waits for a QR scan, so it is disconnected.
 * </ul>
 *
 * Event names are accepted in any of the gateway's spellings ({@code MESSAGES_UPSERT} too). Other
 * events are ignored. Message types are given the Cloud API's names ({@code conversation} and
 * {@code extendedTextMessage} are {@code text}, {@code imageMessage} is {@code image}…) so the
 * domain sees one vocabulary; the gateway's own object stays in {@link InboundMessage#content()}.
 *
 * <p>The chat id ({@code remoteJid}) is the contact key; in a group ({@code …@g.us}) that is the
 * group, and {@code from} is the participant's number when the gateway gives it.
 */
public final class EvolutionWebhookParser implements WebhookParser {
  private static final Logger log = LoggerFactory.getLogger(EvolutionWebhookParser.class);

  private static final Map<String, String> STATUSES =
      Map.of(
          "SERVER_ACK", "sent",
          "DELIVERY_ACK", "delivered",
          "READ", "read",
          "PLAYED", "played",
          "ERROR", "failed");

  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("conversation", "text"),
          Map.entry("extendedTextMessage", "text"),
          Map.entry("imageMessage", "image"),
          Map.entry("videoMessage", "video"),
          Map.entry("ptvMessage", "video"),
          Map.entry("audioMessage", "audio"),
          Map.entry("documentMessage", "document"),
          Map.entry("documentWithCaptionMessage", "document"),
          Map.entry("stickerMessage", "sticker"),
          Map.entry("locationMessage", "location"),
          Map.entry("liveLocationMessage", "location"),
          Map.entry("contactMessage", "contacts"),
          Map.entry("contactsArrayMessage", "contacts"),
          Map.entry("reactionMessage", "reaction"));

  // Keys of a Baileys message object that accompany the content without being it.
  private static final Set<String> NOT_CONTENT = Set.of("messageContextInfo", "base64", "mediaUrl");

  // Signalling that WhatsApp carries as messages but that no user wrote.
  private static final Set<String> NOT_MESSAGES =
      Set.of("protocolMessage", "senderKeyDistributionMessage");

  private final Clock clock;

  public EvolutionWebhookParser() {
    this(Clock.systemUTC());
  }

  /** @param clock the time given to items when neither they nor the event carry one */
  public EvolutionWebhookParser(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public WebhookBatch parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      return WebhookBatch.empty();
    }
    Instant eventTime = firstNonNull(Timestamps.iso(root.get("date_time")), clock.instant());
    JsonNode data = root.get("data");
    BatchBuilder batch = new BatchBuilder();
    switch (GatewayEvents.normalize(text(root, "event"))) {
      case "messages.upsert" -> {
        for (JsonNode item : elementsOf(data)) {
          InboundMessage message = message(item, eventTime);
          if (message != null) {
            batch.message(message);
          }
        }
      }
      case "messages.update" -> {
        for (JsonNode item : elementsOf(data)) {
          StatusCallback status = status(item, eventTime);
          if (status != null) {
            batch.status(status);
          }
        }
      }
      case "connection.update" -> batch.connection(connection(text(data, "state")));
      case "qrcode.updated" -> batch.connection(GatewayEvents.DISCONNECTED);
      default -> {
        // Chats, contacts, groups, presence…: nothing Courier acts on.
      }
    }
    return batch.build();
  }

  private InboundMessage message(JsonNode data, Instant eventTime) {
    JsonNode key = data.get("key");
    String id = text(key, "id");
    String chat = text(key, "remoteJid");
    if (id == null || chat == null) {
      log.debug("skipped a message without an id or a chat");
      return null;
    }
    if (JsonFields.isTrue(key, "fromMe") || WhatsAppIds.isStatusBroadcast(chat)) {
      return null;
    }
    String rawType = firstNonNull(text(data, "messageType"), firstContentKey(data.get("message")));
    if (rawType != null && NOT_MESSAGES.contains(rawType)) {
      return null;
    }
    return new InboundMessage(
        id,
        senderPhone(key, chat),
        chat,
        null,
        null,
        text(data, "pushName"),
        rawType == null ? "unknown" : TYPES.getOrDefault(rawType, rawType),
        data.deepCopy(),
        firstNonNull(Timestamps.epochSeconds(data.get("messageTimestamp")), eventTime),
        replyTo(data));
  }

  /**
   * The sender's number: in a group the participant's, else the chat's. When the gateway names
   * someone by a linked id ({@code …@lid}), which hides the number, its {@code …Alt} or {@code
   * …Pn} companion carries the number where WhatsApp shared it.
   */
  private static String senderPhone(JsonNode key, String chat) {
    if (WhatsAppIds.isGroup(chat)) {
      return firstNonNull(
          WhatsAppIds.phoneOfJid(text(key, "participant")),
          WhatsAppIds.phoneOfJid(text(key, "participantAlt")),
          WhatsAppIds.phoneOfJid(text(key, "participantPn")));
    }
    return firstNonNull(
        WhatsAppIds.phoneOfJid(chat),
        WhatsAppIds.phoneOfJid(text(key, "remoteJidAlt")),
        WhatsAppIds.phoneOfJid(text(key, "senderPn")));
  }

  private static String firstContentKey(JsonNode message) {
    if (message == null || !message.isObject()) {
      return null;
    }
    for (Iterator<String> names = message.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!NOT_CONTENT.contains(name)) {
        return name;
      }
    }
    return null;
  }

  /** The quoted message's id: v2 lifts {@code contextInfo} beside the message; Baileys nests it. */
  private static String replyTo(JsonNode data) {
    String quoted = text(data.get("contextInfo"), "stanzaId");
    if (quoted != null) {
      return quoted;
    }
    JsonNode message = data.get("message");
    if (message != null && message.isObject()) {
      for (JsonNode content : message) {
        String nested = text(content.get("contextInfo"), "stanzaId");
        if (nested != null) {
          return nested;
        }
      }
    }
    return null;
  }

  private StatusCallback status(JsonNode data, Instant eventTime) {
    JsonNode key = data.get("key");
    String id = firstNonNull(text(data, "keyId"), text(key, "id"));
    String status = STATUSES.get(JsonFields.upper(data, "status"));
    if (id == null || status == null) {
      log.debug("skipped update {} of message {}", text(data, "status"), id);
      return null;
    }
    if (JsonFields.isFalse(data, "fromMe") || JsonFields.isFalse(key, "fromMe")) {
      // A receipt on a message someone else wrote (Courier read it): not about Courier's sends.
      return null;
    }
    return new StatusCallback(
        id,
        status,
        eventTime,
        firstNonNull(text(data, "remoteJid"), text(key, "remoteJid")),
        null,
        List.of());
  }

  private static String connection(String state) {
    if (state == null) {
      return null;
    }
    return switch (state.toLowerCase(Locale.ROOT)) {
      case "open" -> GatewayEvents.CONNECTED;
      case "close", "refused" -> GatewayEvents.DISCONNECTED;
      default -> null;
    };
  }
}
