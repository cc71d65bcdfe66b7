package dev.courier.whatsapp.provider.gateway;

import static dev.courier.whatsapp.provider.ErrorClass.IN_DOUBT;
import static dev.courier.whatsapp.provider.ErrorClass.PAUSE_INSTANCE;
import static dev.courier.whatsapp.provider.ErrorClass.PERMANENT;
import static dev.courier.whatsapp.provider.ErrorClass.RETRYABLE;
import static dev.courier.whatsapp.provider.ErrorClass.THROTTLED;
import static dev.courier.whatsapp.provider.ErrorClass.UNAVAILABLE;

import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.support.ErrorRule;
import dev.courier.whatsapp.provider.support.TransportFailure;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway error classification table. Gateways have no error codes of their own, so the rows
 * are conditions: HTTP statuses, a session that is not connected (each flavor recognises its own
 * answer for that), transport failures, and messages a flavor cannot send.
 *
 * <p>docs/PROVIDERS.md shows the same rows; {@code ProviderErrorTableDocTest} fails when they
 * differ.
 */
public final class GatewayErrors {
  public static final String EVOLUTION_SEND_TEXT =
      "https://doc.evolution-api.com/v2/api-reference/message-controller/send-text";
  public static final String EVOLUTION_INSTANCE_GUARD =
      "https://github.com/EvolutionAPI/evolution-api/blob/main/src/api/guards/instance.guard.ts";
  public static final String EVOLUTION_CONNECTION_CLOSED =
      "https://github.com/EvolutionAPI/evolution-api/issues/1286";
  public static final String WAHA_SEND_MESSAGES = "https://waha.devlike.pro/docs/how-to/send-messages/";
  public static final String WAHA_SESSIONS = "https://waha.devlike.pro/docs/how-to/sessions/";
  public static final String WAHA_SESSION_STATUS = "https://github.com/devlikeapro/waha/issues/1838";
  public static final String RFC_9110_STATUS = "https://www.rfc-editor.org/rfc/rfc9110#section-15";
  public static final String COURIER_DELIVERY = "docs/PROVIDERS.md#transport-failures";
  public static final String COURIER_GATEWAYS = "docs/PROVIDERS.md#gateway";

  static final String NOT_CONNECTED = "not_connected";
  static final String UNSUPPORTED_TYPE = "unsupported_type";
  static final String UNSUPPORTED_CONTENT = "unsupported_content";
  static final String CHAT_REQUIRED = "chat_required";
  static final String INTERRUPTED = "interrupted";
  static final String UNEXPECTED_STATUS = ErrorRule.UNEXPECTED_STATUS;

  private static final List<ErrorRule> RULES =
      List.of(
          ErrorRule.of(
              "http_429",
              THROTTLED,
              "Too many requests (a rate limit in front of the gateway). Retry-After is honoured.",
              RFC_9110_STATUS),
          ErrorRule.of(
              "http_5xx",
              IN_DOUBT,
              "Any other HTTP 5xx: the gateway failed while handling a request it may have passed"
                  + " to WhatsApp.",
              RFC_9110_STATUS),
          ErrorRule.of(
              UNEXPECTED_STATUS,
              IN_DOUBT,
              "An HTTP status outside 2xx, 4xx and 5xx: nothing says whether the request was"
                  + " acted on.",
              RFC_9110_STATUS),
          ErrorRule.of(
              TransportFailure.TIMEOUT.key(),
              IN_DOUBT,
              "No answer within the timeout (plus the typing delay the gateway was asked to show)"
                  + " after the request was written.",
              COURIER_DELIVERY),
          ErrorRule.of(
              TransportFailure.IO.key(),
              IN_DOUBT,
              "The connection broke after the request may have been written.",
              COURIER_DELIVERY),
          ErrorRule.of(
              TransportFailure.CONNECT.key(),
              RETRYABLE,
              "The gateway refused the connection or could not be reached: nothing was written.",
              COURIER_DELIVERY),
          ErrorRule.of(
              INTERRUPTED,
              RETRYABLE,
              "The worker stopped during the typing wait, before the message was sent.",
              COURIER_DELIVERY),
          ErrorRule.of(
              "http_401",
              PAUSE_INSTANCE,
              "The API key is missing or wrong.",
              EVOLUTION_SEND_TEXT,
              WAHA_SEND_MESSAGES),
          ErrorRule.of(
              "http_403",
              PAUSE_INSTANCE,
              "The API key may not use this instance or session.",
              EVOLUTION_SEND_TEXT,
              WAHA_SEND_MESSAGES),
          ErrorRule.of(
              NOT_CONNECTED,
              UNAVAILABLE,
              "The WhatsApp session behind the gateway is not connected, so nothing was sent."
                  + " Evolution: HTTP 404 \"The … instance does not exist\", or \"Connection"
                  + " Closed\" (HTTP 500, raised before the message is written to WhatsApp)."
                  + " WAHA: HTTP 422 \"Session status is not as expected\" (STARTING, SCAN_QR_CODE,"
                  + " STOPPED, FAILED), or HTTP 404 for an unknown session.",
              EVOLUTION_INSTANCE_GUARD,
              EVOLUTION_CONNECTION_CLOSED,
              WAHA_SESSIONS,
              WAHA_SESSION_STATUS),
          ErrorRule.of(
              "http_4xx",
              PERMANENT,
              "Any other HTTP 4xx: the request is wrong as it is (e.g. Evolution's 400 {\"exists\":"
                  + " false} for a number that is not on WhatsApp).",
              RFC_9110_STATUS,
              EVOLUTION_SEND_TEXT),
          ErrorRule.of(
              UNSUPPORTED_TYPE,
              PERMANENT,
              "The flavor has no endpoint for the message type (templates and interactive"
                  + " messages on both, stickers on WAHA). Refused before any HTTP call.",
              COURIER_GATEWAYS),
          ErrorRule.of(
              UNSUPPORTED_CONTENT,
              PERMANENT,
              "The content cannot be expressed on a gateway: media given by Cloud API media id"
                  + " instead of a link, a contact without a phone number. Refused before any HTTP"
                  + " call.",
              COURIER_GATEWAYS),
          ErrorRule.of(
              CHAT_REQUIRED,
              PERMANENT,
              "A read receipt without the chat it belongs to: gateways address receipts to a chat."
                  + " Refused before any HTTP call.",
              COURIER_GATEWAYS));

  private static final Map<String, ErrorRule> BY_KEY = index(RULES);

  private GatewayErrors() {}

  /** Every row, in the order docs/PROVIDERS.md shows them. */
  public static List<ErrorRule> rules() {
    return RULES;
  }

  /**
   * Classifies an error answer.
   *
   * @param notConnected whether the flavor recognised the answer as "session not connected"; that
   *     decides before the status, because Evolution says it with a 500
   */
  static ErrorRule classify(int status, boolean notConnected) {
    if (notConnected) {
      return BY_KEY.get(NOT_CONNECTED);
    }
    return BY_KEY.get(ErrorRule.statusKey(status));
  }

  static ErrorRule condition(String key) {
    ErrorRule rule = BY_KEY.get(key);
    if (rule == null) {
      throw new IllegalArgumentException("no gateway error rule " + key);
    }
    return rule;
  }

  /** A message type the flavor cannot send, refused before any HTTP call. */
  static ProviderException unsupportedType(String flavor, String type) {
    return new ProviderException(
        condition(UNSUPPORTED_TYPE).errorClass(),
        UNSUPPORTED_TYPE,
        "gateway " + flavor + " cannot send " + type + " messages");
  }

  /** Content the flavor cannot express, refused before any HTTP call. */
  static ProviderException unsupportedContent(String flavor, String why) {
    return new ProviderException(
        condition(UNSUPPORTED_CONTENT).errorClass(), UNSUPPORTED_CONTENT, "gateway " + flavor + " " + why);
  }

  private static Map<String, ErrorRule> index(List<ErrorRule> rules) {
    Map<String, ErrorRule> byKey = new LinkedHashMap<>();
    for (ErrorRule rule : rules) {
      if (byKey.put(rule.key(), rule) != null) {
        throw new IllegalStateException("gateway error rule " + rule.key() + " is listed twice");
      }
    }
    return Map.copyOf(byKey);
  }
}
