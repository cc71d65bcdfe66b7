package dev.courier.whatsapp.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.validation.FieldError;
import dev.courier.whatsapp.validation.FieldReader;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a WhatsApp Cloud API send request ({@code POST /{version}/{phone-number-id}/messages}) into
 * a request in Courier's own shape ({@code POST /v1/messages}), for {@link Messages#draft} in
 * lenient mode. Pure: no I/O, thread-safe.
 *
 * <p>What it reads, as Meta does: {@code messaging_product} (required, {@code "whatsapp"}), {@code
 * recipient_type} ({@code "individual"}, the default), {@code to} (an international number; digits
 * without {@code +} get one), {@code type} (default {@code text}) and the member named after it,
 * passed on unchanged (contacts stay an array, as Courier's API takes them), {@code
 * context.message_id} (becomes {@code replyTo}) and {@code biz_opaque_callback_data} (up to 512
 * characters; kept in the message's metadata as {@value #CALLBACK_DATA_METADATA}, so Courier's own
 * events carry it). Everything else, including members of other types, is ignored as Meta ignores
 * fields it does not use. Errors name fields the way the Cloud API caller wrote them ({@link
 * #cloudErrors}).
 */
public final class CloudApiRequestMapper {
  /** The metadata key that keeps the caller's {@code biz_opaque_callback_data}. */
  public static final String CALLBACK_DATA_METADATA = "bizOpaqueCallbackData";
  /** Meta's limit for {@code biz_opaque_callback_data}. */
  public static final int MAX_CALLBACK_DATA = 512;

  /** Courier request fields whose Cloud API name differs. */
  private static final Map<String, String> CLOUD_NAMES = Map.of(
      "replyTo", "context.message_id",
      "metadata", "biz_opaque_callback_data");

  private CloudApiRequestMapper() {}

  /**
   * A mapped request and the errors of the fields only the Cloud API has. The request holds
   * whatever could be mapped, so that {@link Messages#draft} can report the other fields' errors in
   * the same answer ({@link #merged}).
   */
  public record Mapping(ObjectNode request, List<FieldError> errors) {
    /**
     * This mapping's errors and a draft's (renamed with {@link #cloudErrors}), without repeats.
     *
     * @param draftErrors what {@link Messages#draft} refused, or null when it accepted the request
     */
    public InvalidRequestException merged(InvalidRequestException draftErrors) {
      Set<FieldError> all = new LinkedHashSet<>(errors);
      if (draftErrors != null) {
        all.addAll(cloudErrors(draftErrors).errors());
      }
      return new InvalidRequestException(List.copyOf(all));
    }
  }

  /**
   * The Courier request for a Cloud API request body, sent through {@code instanceId}.
   *
   * @throws InvalidRequestException naming every invalid top-level field (content is checked later,
   *     by {@link Messages#draft})
   */
  public static ObjectNode toCourier(JsonNode cloud, String instanceId) {
    Mapping m = map(cloud, instanceId);
    if (!m.errors().isEmpty()) {
      throw new InvalidRequestException(m.errors());
    }
    return m.request();
  }

  /**
   * The Courier request for a Cloud API request body, with the errors of the Cloud API's own fields.
   *
   * @throws InvalidRequestException when the body is not a JSON object
   */
  public static Mapping map(JsonNode cloud, String instanceId) {
    FieldReader.requireObject(cloud);
    FieldReader r = new FieldReader();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("instanceId", instanceId);

    String product = r.text(cloud, "", "messaging_product", true);
    if (product != null && !"whatsapp".equals(product)) {
      r.error("messaging_product", "must be whatsapp");
    }
    String recipientType = r.text(cloud, "", "recipient_type", false);
    if (recipientType != null && !"individual".equals(recipientType)) {
      r.error("recipient_type", "must be individual");
    }
    // Meta also takes the number as a JSON number.
    JsonNode toNode = cloud.get("to");
    String to = toNode != null && toNode.isIntegralNumber() ? toNode.asText() : r.text(cloud, "", "to", true);
    if (to != null) {
      out.put("to", international(to));
    }
    String type = r.text(cloud, "", "type", false);
    if (type == null) {
      type = MessageTypes.TEXT;
    }
    out.put("type", type);
    JsonNode content = MessageTypes.isSupported(type) ? cloud.get(type) : null;
    if (content != null && !content.isNull()) {
      out.set(type, content.deepCopy());
    }
    JsonNode context = r.object(cloud, "", "context", false);
    if (context != null) {
      String replyTo = r.text(context, "context", "message_id", true);
      if (replyTo != null) {
        out.put("replyTo", replyTo);
      }
    }
    String callbackData = r.text(cloud, "", "biz_opaque_callback_data", false);
    if (callbackData != null) {
      if (callbackData.length() > MAX_CALLBACK_DATA) {
        r.error("biz_opaque_callback_data", "must be at most " + MAX_CALLBACK_DATA + " characters");
      } else {
        out.putObject("metadata").put(CALLBACK_DATA_METADATA, callbackData);
      }
    }
    return new Mapping(out, List.copyOf(r.errors()));
  }

  /**
   * A Cloud API {@code to} as a number Courier parses: the Cloud API takes international numbers
   * only, with or without the {@code +}, so one is added when missing ({@code 5511999999999} to
   * {@code +5511999999999}); punctuation is left to {@link Recipients#normalize}.
   */
  static String international(String to) {
    String text = to.strip();
    return text.isEmpty() || text.startsWith("+") ? text : "+" + text;
  }

  /** The {@code wa_id} of a recipient Courier normalised: its digits ({@code 5511999999999}). */
  public static String waId(String recipient) {
    return recipient.startsWith("+") ? recipient.substring(1) : recipient;
  }

  /** Errors of the Courier request renamed to the fields of the Cloud API request they came from. */
  public static InvalidRequestException cloudErrors(InvalidRequestException e) {
    List<FieldError> renamed = e.errors().stream()
        .map(f -> new FieldError(CLOUD_NAMES.getOrDefault(f.field(), f.field()), f.message()))
        .toList();
    return new InvalidRequestException(renamed);
  }
}
