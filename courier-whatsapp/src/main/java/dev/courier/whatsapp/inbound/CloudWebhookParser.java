package dev.courier.whatsapp.inbound;

import static dev.courier.whatsapp.inbound.JsonFields.elements;
import static dev.courier.whatsapp.inbound.JsonFields.firstNonNull;
import static dev.courier.whatsapp.inbound.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.inbound.StatusCallback.CallbackError;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the Cloud API's WhatsApp Business Account webhook ({@code "object":
 * "whatsapp_business_account"}): messages users sent and statuses of messages Courier sent, from
 * every change whose {@code field} is {@code messages}. Other fields (template reviews, account
 * updates, message echoes…) are ignored, as are fields this parser does not know.
 *
 * <p>Senders are keyed as Meta recommends for its business-scoped user ids (BSUIDs, 2026): {@code
 * contactKey = parent_user_id ?? user_id ?? wa_id}, taken from the {@code contacts} entry that
 * matches the message (by {@code wa_id} = {@code from}, or by user id), so a user who hides their
 * phone number behind a username keeps one key. {@code from} is E.164 only when Meta shares the
 * number.
 *
 * <p>A change, message or status that cannot be read is skipped; the others are kept. A message
 * with no sender at all (no phone, no user id) is skipped: it could not be answered nor attributed.
 * A missing or unreadable {@code timestamp} becomes the time of parsing rather than losing the
 * status.
 */
public final class CloudWebhookParser implements WebhookParser {
  private static final Logger log = LoggerFactory.getLogger(CloudWebhookParser.class);
  private static final Set<String> STATUSES =
      Set.of("sent", "delivered", "read", "played", "failed");

  private final Clock clock;

  public CloudWebhookParser() {
    this(Clock.systemUTC());
  }

  /** @param clock the time given to items whose own timestamp is missing or unreadable */
  public CloudWebhookParser(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Everything the request carries, for every phone number it names, in the order given. */
  @Override
  public WebhookBatch parse(JsonNode root) {
    BatchBuilder all = new BatchBuilder();
    parseByPhoneNumberId(root).values().forEach(all::addAll);
    return all.build();
  }

  /**
   * What the request carries, grouped by the business phone number it concerns ({@code
   * metadata.phone_number_id}), in the order the numbers first appear. One Meta app has one
   * callback URL for all its numbers, so a request may concern numbers of several instances; the
   * caller routes each group to the instance that owns the number. Changes without a phone number
   * id are grouped under the empty string.
   */
  public Map<String, WebhookBatch> parseByPhoneNumberId(JsonNode root) {
    if (root == null || !root.isObject()) {
      return Map.of();
    }
    String object = text(root, "object");
    if (object != null && !object.equals("whatsapp_business_account")) {
      // The same app may be subscribed to pages or Instagram; none of that is ours.
      return Map.of();
    }
    Map<String, BatchBuilder> byNumber = new LinkedHashMap<>();
    for (JsonNode entry : elements(root, "entry")) {
      for (JsonNode change : elements(entry, "changes")) {
        if (!"messages".equals(text(change, "field"))) {
          continue;
        }
        JsonNode value = change.get("value");
        if (value == null || !value.isObject()) {
          log.debug("skipped a messages change without a value object");
          continue;
        }
        String phoneNumberId = firstNonNull(text(value.get("metadata"), "phone_number_id"), "");
        readValue(value, byNumber.computeIfAbsent(phoneNumberId, id -> new BatchBuilder()));
      }
    }
    Map<String, WebhookBatch> batches = new LinkedHashMap<>();
    byNumber.forEach((number, builder) -> batches.put(number, builder.build()));
    return Collections.unmodifiableMap(batches);
  }

  private void readValue(JsonNode value, BatchBuilder batch) {
    List<Contact> contacts = new ArrayList<>();
    for (JsonNode contact : elements(value, "contacts")) {
      contacts.add(Contact.of(contact));
    }
    for (JsonNode message : elements(value, "messages")) {
      InboundMessage inbound = message(message, contacts);
      if (inbound != null) {
        batch.message(inbound);
      }
    }
    for (JsonNode status : elements(value, "statuses")) {
      StatusCallback callback = status(status);
      if (callback != null) {
        batch.status(callback);
      }
    }
    for (JsonNode error : elements(value, "errors")) {
      // Errors beside messages and statuses concern the number or the app, not one message:
      // there is no message to attach them to, so they are only logged for the operator.
      log.warn(
          "Cloud API webhook reported error {} {}: {}",
          text(error, "code"),
          text(error, "title"),
          firstNonNull(text(error.get("error_data"), "details"), text(error, "message")));
    }
  }

  private InboundMessage message(JsonNode message, List<Contact> contacts) {
    String id = text(message, "id");
    if (id == null) {
      log.debug("skipped a message without an id");
      return null;
    }
    String from = text(message, "from");
    String fromUserId = text(message, "from_user_id");
    String fromParentUserId = text(message, "from_parent_user_id");
    String fromPhone = WhatsAppIds.isPhoneDigits(from) ? from : null;
    if (fromPhone == null && from != null && fromUserId == null) {
      // Not a phone number: a user who hides theirs can only be named by a user id.
      fromUserId = from;
    }
    Contact contact = Contact.matching(contacts, fromPhone, fromUserId, fromParentUserId);
    String waId = firstNonNull(fromPhone, contact == null ? null : contact.waId());
    String userId = firstNonNull(contact == null ? null : contact.userId(), fromUserId);
    String parentUserId =
        firstNonNull(contact == null ? null : contact.parentUserId(), fromParentUserId);
    String contactKey = firstNonNull(parentUserId, userId, waId);
    if (contactKey == null) {
      log.debug("skipped message {}: no sender", id);
      return null;
    }
    return new InboundMessage(
        id,
        WhatsAppIds.e164(waId),
        contactKey,
        userId,
        parentUserId,
        contact == null ? null : contact.profileName(),
        firstNonNull(text(message, "type"), "unknown"),
        message.deepCopy(),
        timeOf(message),
        text(message.get("context"), "id"));
  }

  private StatusCallback status(JsonNode status) {
    String id = text(status, "id");
    String name = text(status, "status");
    name = name == null ? null : name.toLowerCase(Locale.ROOT);
    if (id == null || !STATUSES.contains(name)) {
      log.debug("skipped status {} of message {}", name, id);
      return null;
    }
    List<CallbackError> errors = new ArrayList<>();
    for (JsonNode error : elements(status, "errors")) {
      errors.add(
          new CallbackError(
              text(error, "code"),
              text(error, "title"),
              firstNonNull(text(error.get("error_data"), "details"), text(error, "message"))));
    }
    return new StatusCallback(
        id,
        name,
        timeOf(status),
        firstNonNull(
            text(status, "recipient_id"),
            text(status, "recipient_parent_user_id"),
            text(status, "recipient_user_id")),
        text(status, "biz_opaque_callback_data"),
        List.copyOf(errors));
  }

  private Instant timeOf(JsonNode item) {
    return firstNonNull(Timestamps.epochSeconds(item.get("timestamp")), clock.instant());
  }

  /** One {@code contacts} entry: who sent the messages of the same change. */
  private record Contact(String waId, String userId, String parentUserId, String profileName) {
    static Contact of(JsonNode contact) {
      return new Contact(
          text(contact, "wa_id"),
          text(contact, "user_id"),
          text(contact, "parent_user_id"),
          text(contact.get("profile"), "name"));
    }

    /**
     * The contact naming the same user as the message. When none names it but the change holds a
     * single contact that contradicts nothing the message says, that one: Meta lists the sender
     * once per change and BSUID-only messages may carry no sender field of their own.
     */
    static Contact matching(
        List<Contact> contacts, String fromPhone, String fromUserId, String fromParentUserId) {
      for (Contact contact : contacts) {
        if (same(contact.waId, fromPhone)
            || same(contact.userId, fromUserId)
            || same(contact.parentUserId, fromParentUserId)) {
          return contact;
        }
      }
      if (contacts.size() == 1) {
        Contact only = contacts.getFirst();
        boolean contradicts =
            differ(only.waId, fromPhone)
                || differ(only.userId, fromUserId)
                || differ(only.parentUserId, fromParentUserId);
        return contradicts ? null : only;
      }
      return null;
    }

    private static boolean same(String a, String b) {
      return a != null && a.equals(b);
    }

    private static boolean differ(String a, String b) {
      return a != null && b != null && !a.equals(b);
    }
  }
}
