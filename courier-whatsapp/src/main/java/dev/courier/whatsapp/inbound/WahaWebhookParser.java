package dev.courier.whatsapp.inbound;

import static dev.courier.whatsapp.inbound.JsonFields.firstNonNull;
import static dev.courier.whatsapp.inbound.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads WAHA (WhatsApp HTTP API) webhook events ({@code {"event", "session", "timestamp",
 * "payload", …}}):
 *
 * <ul>
 *   <li>{@code message} and {@code message.any}: a message in a chat. Only messages from others
 *       are inbound ({@code message.any} also reports the session's own, which are skipped). A
 *       session subscribed to both gets each message twice, with one id: the domain keeps the
 *       first.
 *   <li>{@code message.ack}: a receipt for a message the session sent. {@code ackName} {@code
 *       SERVER} (ack 1) is sent, {@code DEVICE} (2) delivered, {@code READ} (3) read, {@code
 *       PLAYED} (4) played, {@code ERROR} (-1) failed; {@code PENDING} (0) says nothing new.
 *   <li>{@code session.status}: {@code WORKING} is connected; {@code STOPPED}, {@code FAILED} and
 *       {@code SCAN_QR_CODE} are disconnected; {@code STARTING} says nothing yet.
 * </ul>
 *
 * Other events are ignored. Message ids are kept exactly as WAHA writes them (for example {@code
 * true_5511999999999@c.us_3EB0…}), which is also how its send endpoint answers. Message types get
 * the Cloud API's names, worked out from what the payload holds; the payload stays in {@link
 * InboundMessage#content()}. The chat id is the contact key; in a group ({@code …@g.us}) that is
 * the group, and {@code from} is the participant's number when WAHA gives it.
 */
public final class WahaWebhookParser implements WebhookParser {
  private static final Logger log = LoggerFactory.getLogger(WahaWebhookParser.class);

  private static final Map<String, String> ACK_NAMES =
      Map.of(
          "SERVER", "sent",
          "DEVICE", "delivered",
          "READ", "read",
          "PLAYED", "played",
          "ERROR", "failed");

  private static final Map<Integer, String> ACK_NUMBERS =
      Map.of(1, "sent", 2, "delivered", 3, "read", 4, "played", -1, "failed");

  // whatsapp-web.js (WEBJS engine) message types, where _data carries them.
  private static final Map<String, String> WEBJS_TYPES =
      Map.ofEntries(
          Map.entry("chat", "text"),
          Map.entry("image", "image"),
          Map.entry("video", "video"),
          Map.entry("audio", "audio"),
          Map.entry("ptt", "audio"),
          Map.entry("document", "document"),
          Map.entry("sticker", "sticker"),
          Map.entry("location", "location"),
          Map.entry("vcard", "contacts"),
          Map.entry("multi_vcard", "contacts"));

  private final Clock clock;

  public WahaWebhookParser() {
    this(Clock.systemUTC());
  }

  /** @param clock the time given to items when neither they nor the event carry one */
  public WahaWebhookParser(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public WebhookBatch parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      return WebhookBatch.empty();
    }
    Instant eventTime =
        firstNonNull(Timestamps.epochMillis(root.get("timestamp")), clock.instant());
    JsonNode payload = root.get("payload");
    if (payload == null || !payload.isObject()) {
      return WebhookBatch.empty();
    }
    BatchBuilder batch = new BatchBuilder();
    switch (GatewayEvents.normalize(text(root, "event"))) {
      case "message", "message.any" -> {
        InboundMessage message = message(payload, eventTime);
        if (message != null) {
          batch.message(message);
        }
      }
      case "message.ack" -> {
        StatusCallback status = status(payload, eventTime);
        if (status != null) {
          batch.status(status);
        }
      }
      case "session.status" -> batch.connection(connection(JsonFields.upper(payload, "status")));
      default -> {
        // Reactions, revokes, presence, groups, calls…: nothing Courier acts on.
      }
    }
    return batch.build();
  }

  private InboundMessage message(JsonNode payload, Instant eventTime) {
    String id = text(payload, "id");
    String chat = text(payload, "from");
    if (id == null || chat == null) {
      log.debug("skipped a message without an id or a chat");
      return null;
    }
    if (JsonFields.isTrue(payload, "fromMe") || WhatsAppIds.isStatusBroadcast(chat)) {
      return null;
    }
    String sender =
        WhatsAppIds.isGroup(chat)
            ? firstNonNull(text(payload, "participant"), text(payload, "author"))
            : chat;
    JsonNode data = payload.get("_data");
    return new InboundMessage(
        id,
        WhatsAppIds.phoneOfJid(sender),
        chat,
        null,
        null,
        firstNonNull(
            text(data, "notifyName"),
            text(data, "pushName"),
            data == null ? null : text(data.get("Info"), "PushName")),
        type(payload, data),
        payload.deepCopy(),
        firstNonNull(Timestamps.epochSeconds(payload.get("timestamp")), eventTime),
        replyTo(payload.get("replyTo")));
  }

  /**
   * The Cloud API name of the message's type. WEBJS says it in {@code _data.type}; the other
   * engines only show it through what the payload holds (a location, vCards, media and its MIME
   * type).
   */
  private static String type(JsonNode payload, JsonNode data) {
    String webjs = text(data, "type");
    if (webjs != null && WEBJS_TYPES.containsKey(webjs)) {
      return WEBJS_TYPES.get(webjs);
    }
    JsonNode location = payload.get("location");
    if (location != null && location.isObject()) {
      return "location";
    }
    JsonNode vCards = payload.get("vCards");
    if (vCards != null && vCards.isArray() && !vCards.isEmpty()) {
      return "contacts";
    }
    if (JsonFields.isTrue(payload, "hasMedia")) {
      String mime = text(payload.get("media"), "mimetype");
      if (mime == null) {
        return "document";
      }
      if (mime.startsWith("image/")) {
        return "image";
      }
      if (mime.startsWith("video/")) {
        return "video";
      }
      return mime.startsWith("audio/") ? "audio" : "document";
    }
    return "text";
  }

  /** Newer WAHA versions give the quoted message as an object, older ones as its id. */
  private static String replyTo(JsonNode replyTo) {
    if (replyTo == null || replyTo.isNull()) {
      return null;
    }
    if (replyTo.isTextual()) {
      return replyTo.asText().isBlank() ? null : replyTo.asText();
    }
    return text(replyTo, "id");
  }

  private StatusCallback status(JsonNode payload, Instant eventTime) {
    String id = text(payload, "id");
    String status = ackStatus(payload);
    if (id == null || status == null) {
      log.debug("skipped ack {} of message {}", text(payload, "ackName"), id);
      return null;
    }
    if (JsonFields.isFalse(payload, "fromMe")) {
      // A receipt on a message someone else wrote: not about the session's sends.
      return null;
    }
    return new StatusCallback(
        id, status, eventTime, firstNonNull(chatOf(id), text(payload, "from")), null, List.of());
  }

  /** By {@code ackName} (it names the meaning), else by the {@code ack} number. */
  private static String ackStatus(JsonNode payload) {
    String name = JsonFields.upper(payload, "ackName");
    if (name != null && ACK_NAMES.containsKey(name)) {
      return ACK_NAMES.get(name);
    }
    String ack = text(payload, "ack");
    try {
      return ack == null ? null : ACK_NUMBERS.get(Integer.parseInt(ack.trim()));
    } catch (NumberFormatException notANumber) {
      return null;
    }
  }

  /**
   * The chat in a serialized id ({@code true_<chat>_<id>}, WAHA's spelling): for an ack on a
   * message the session sent, the recipient. Null for ids of another shape.
   */
  private static String chatOf(String serializedId) {
    String[] parts = serializedId.split("_", 3);
    if (parts.length == 3 && (parts[0].equals("true") || parts[0].equals("false"))) {
      return parts[1];
    }
    return null;
  }

  private static String connection(String status) {
    if (status == null) {
      return null;
    }
    return switch (status) {
      case "WORKING" -> GatewayEvents.CONNECTED;
      case "STOPPED", "FAILED", "SCAN_QR_CODE" -> GatewayEvents.DISCONNECTED;
      default -> null;
    };
  }
}
