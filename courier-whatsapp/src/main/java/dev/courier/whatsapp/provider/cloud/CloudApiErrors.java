package dev.courier.whatsapp.provider.cloud;

import static dev.courier.whatsapp.provider.ErrorClass.HOLD_RECIPIENT;
import static dev.courier.whatsapp.provider.ErrorClass.IN_DOUBT;
import static dev.courier.whatsapp.provider.ErrorClass.PAUSE_INSTANCE;
import static dev.courier.whatsapp.provider.ErrorClass.PAUSE_TEMPLATE;
import static dev.courier.whatsapp.provider.ErrorClass.PERMANENT;
import static dev.courier.whatsapp.provider.ErrorClass.RETRYABLE;
import static dev.courier.whatsapp.provider.ErrorClass.THROTTLED;

import dev.courier.whatsapp.provider.support.ErrorRule;
import dev.courier.whatsapp.provider.support.TransportFailure;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Cloud API error classification table: every Graph API / WhatsApp error code Courier knows,
 * and every condition without a code (HTTP status, timeout, refused connection), with its {@link
 * dev.courier.whatsapp.provider.ErrorClass} and the document it rests on. Meta asks clients to
 * decide on {@code error.code}, not on the HTTP status or the message text, so a known code always
 * wins; the status only decides for codes this table does not list.
 *
 * <p>docs/PROVIDERS.md shows the same rows; {@code ProviderErrorTableDocTest} fails when they
 * differ.
 */
public final class CloudApiErrors {
  /** Meta's Cloud API error code reference: the source of most rows. */
  public static final String ERROR_CODES =
      "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes";

  public static final String THROUGHPUT =
      "https://developers.facebook.com/docs/whatsapp/cloud-api/overview#throughput";
  public static final String PAIR_RATE =
      "https://developers.facebook.com/docs/whatsapp/cloud-api/overview#pair-rate-limits";
  public static final String GRAPH_ERRORS =
      "https://developers.facebook.com/docs/graph-api/guides/error-handling";
  public static final String GRAPH_RATE_LIMITS =
      "https://developers.facebook.com/docs/graph-api/overview/rate-limiting";
  public static final String RFC_9110_STATUS = "https://www.rfc-editor.org/rfc/rfc9110#section-15";
  public static final String HTTP_TIMEOUT =
      "https://docs.oracle.com/en/java/javase/21/docs/api/java.net.http/java/net/http/HttpTimeoutException.html";
  public static final String CONNECT_EXCEPTION =
      "https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/net/ConnectException.html";
  public static final String COURIER_DELIVERY = "docs/PROVIDERS.md#transport-failures";

  /** Key of a response with an HTTP status other than 2xx, 4xx or 5xx (Graph never sends one). */
  static final String UNEXPECTED_STATUS = ErrorRule.UNEXPECTED_STATUS;

  /** Key of a typing wait cut short by the worker stopping: nothing was sent. */
  static final String INTERRUPTED = "interrupted";

  private static final List<ErrorRule> RULES =
      List.of(
          // Throttling: the request was refused as too fast; it did not send anything.
          ErrorRule.of(
              "130429",
              THROTTLED,
              "Rate limit hit: the number's Cloud API throughput (80 messages/s by default) is"
                  + " reached.",
              ERROR_CODES,
              THROUGHPUT),
          ErrorRule.of(
              "131056",
              THROTTLED,
              "(Business account, consumer account) pair rate limit hit: too many messages to the"
                  + " same recipient in a short time. Meta asks to wait 4^n seconds (1, 4, 16, 64"
                  + " s) before retrying.",
              ERROR_CODES,
              PAIR_RATE),
          ErrorRule.of(
              "4",
              THROTTLED,
              "API Too Many Calls: the app reached its API call rate limit.",
              ERROR_CODES,
              GRAPH_RATE_LIMITS),
          ErrorRule.of(
              "17",
              THROTTLED,
              "User request limit reached (Graph API throttling).",
              GRAPH_ERRORS,
              GRAPH_RATE_LIMITS),
          ErrorRule.of(
              "613",
              THROTTLED,
              "Calls to this API have exceeded the rate limit (Graph API throttling).",
              GRAPH_ERRORS,
              GRAPH_RATE_LIMITS),
          ErrorRule.of(
              "80007",
              THROTTLED,
              "Rate limit issues: the WhatsApp Business Account reached its rate limit.",
              ERROR_CODES,
              GRAPH_RATE_LIMITS),
          ErrorRule.of(
              "2",
              THROTTLED,
              "API Service: temporary, due to downtime or overload (HTTP 503). Meta refused the"
                  + " request; retry later.",
              ERROR_CODES),
          ErrorRule.of(
              "131016",
              THROTTLED,
              "Service unavailable: a service is temporarily unavailable. A named refusal, not an"
                  + " unexplained server error, so the message was not accepted; retry later"
                  + " without spending an attempt.",
              ERROR_CODES),
          ErrorRule.of(
              "131057",
              THROTTLED,
              "Account in maintenance mode (for example during a throughput upgrade): temporary,"
                  + " nothing was sent.",
              ERROR_CODES),
          ErrorRule.of(
              "http_429",
              THROTTLED,
              "HTTP 429 without a code Courier knows: too many requests. Retry-After is honoured.",
              RFC_9110_STATUS),

          // In doubt: Meta may have accepted the message.
          ErrorRule.of(
              "131000",
              IN_DOUBT,
              "Something went wrong: the message failed for an unknown reason (HTTP 500). Meta may"
                  + " or may not have accepted it.",
              ERROR_CODES),
          ErrorRule.of(
              "1",
              IN_DOUBT,
              "API Unknown: invalid request or possible server error. Meta cannot say which, so the"
                  + " send may have happened.",
              ERROR_CODES),
          ErrorRule.of(
              "http_5xx",
              IN_DOUBT,
              "Any HTTP 5xx without a code Courier knows: the server failed while handling the"
                  + " request, which it may have acted on.",
              RFC_9110_STATUS),
          ErrorRule.of(
              UNEXPECTED_STATUS,
              IN_DOUBT,
              "An HTTP status the Graph API never documents (1xx, 3xx): nothing says whether the"
                  + " request was acted on.",
              RFC_9110_STATUS),
          ErrorRule.of(
              TransportFailure.TIMEOUT.key(),
              IN_DOUBT,
              "No answer within the timeout after the request was written.",
              HTTP_TIMEOUT,
              COURIER_DELIVERY),
          ErrorRule.of(
              TransportFailure.IO.key(),
              IN_DOUBT,
              "The connection broke (reset, closed) after the request may have been written.",
              COURIER_DELIVERY),

          // Nothing reached Meta.
          ErrorRule.of(
              TransportFailure.CONNECT.key(),
              RETRYABLE,
              "The connection was refused or could not be made: nothing was written.",
              CONNECT_EXCEPTION,
              COURIER_DELIVERY),
          ErrorRule.of(
              INTERRUPTED,
              RETRYABLE,
              "The worker stopped during the typing wait, before the message was sent.",
              COURIER_DELIVERY),

          // The number cannot send: pause the instance.
          ErrorRule.of(
              "0",
              PAUSE_INSTANCE,
              "AuthException: Meta could not authenticate the app user (token expired, invalidated"
                  + " or access removed).",
              ERROR_CODES),
          ErrorRule.of(
              "3",
              PAUSE_INSTANCE,
              "API Method: capability or permissions issue.",
              ERROR_CODES),
          ErrorRule.of(
              "10",
              PAUSE_INSTANCE,
              "Permission denied: the permission is not granted or was removed.",
              ERROR_CODES),
          ErrorRule.of(
              "190",
              PAUSE_INSTANCE,
              "Access token has expired (or is invalid).",
              ERROR_CODES),
          ErrorRule.of(
              "200-299",
              PAUSE_INSTANCE,
              "API Permission: the permission is not granted or was removed.",
              ERROR_CODES),
          ErrorRule.of(
              "33",
              PAUSE_INSTANCE,
              "Parameter value is not valid: the business phone number has been deleted.",
              ERROR_CODES),
          ErrorRule.of(
              "368",
              PAUSE_INSTANCE,
              "Temporarily blocked for policies violations: the WhatsApp Business Account is"
                  + " restricted or disabled.",
              ERROR_CODES),
          ErrorRule.of(
              "131031",
              PAUSE_INSTANCE,
              "Account has been locked (policy violation, or the two-step verification PIN could"
                  + " not be verified).",
              ERROR_CODES),
          ErrorRule.of(
              "131005",
              PAUSE_INSTANCE,
              "Access denied: permission is not granted or was removed.",
              ERROR_CODES),
          ErrorRule.of(
              "131037",
              PAUSE_INSTANCE,
              "The WhatsApp-provided number needs display name approval before it can send.",
              ERROR_CODES),
          ErrorRule.of(
              "131042",
              PAUSE_INSTANCE,
              "Business eligibility payment issue: no valid payment method or credit line on the"
                  + " account. Every paid send fails until billing is fixed, so the whole number"
                  + " waits rather than failing message after message.",
              ERROR_CODES),
          ErrorRule.of(
              "131045",
              PAUSE_INSTANCE,
              "Incorrect certificate: a phone number registration error.",
              ERROR_CODES),
          ErrorRule.of(
              "131048",
              PAUSE_INSTANCE,
              "Spam rate limit hit: too many earlier messages were blocked or flagged as spam."
                  + " Sending on lowers the number's quality further, so it stops.",
              ERROR_CODES),
          ErrorRule.of(
              "133010",
              PAUSE_INSTANCE,
              "Phone number not registered on the Cloud API.",
              ERROR_CODES),
          ErrorRule.of(
              "http_401",
              PAUSE_INSTANCE,
              "HTTP 401 without a code Courier knows: the access token is not accepted.",
              RFC_9110_STATUS,
              ERROR_CODES),
          ErrorRule.of(
              "http_403",
              PAUSE_INSTANCE,
              "HTTP 403 without a code Courier knows: the app or account lacks a permission.",
              RFC_9110_STATUS,
              ERROR_CODES),

          // The template is unusable.
          ErrorRule.of(
              "132015",
              PAUSE_TEMPLATE,
              "Template is paused because of low quality.",
              ERROR_CODES),
          ErrorRule.of(
              "132016",
              PAUSE_TEMPLATE,
              "Template was paused too many times and is now permanently disabled.",
              ERROR_CODES),

          // This message will never go as it is.
          ErrorRule.of(
              "100",
              PERMANENT,
              "Invalid parameter: unsupported or misspelled parameters.",
              ERROR_CODES),
          ErrorRule.of(
              "130472",
              PERMANENT,
              "The user's number is part of a marketing message experiment.",
              ERROR_CODES),
          ErrorRule.of(
              "130497",
              PERMANENT,
              "The business account is restricted from messaging users in this country.",
              ERROR_CODES),
          ErrorRule.of(
              "131008",
              PERMANENT,
              "Required parameter is missing.",
              ERROR_CODES),
          ErrorRule.of(
              "131009",
              PERMANENT,
              "Parameter value is not valid.",
              ERROR_CODES),
          ErrorRule.of(
              "131021",
              PERMANENT,
              "Recipient cannot be sender: the message was addressed to the sending number.",
              ERROR_CODES),
          ErrorRule.of(
              "131026",
              PERMANENT,
              "Message undeliverable: not a WhatsApp number, terms not accepted, or an old client.",
              ERROR_CODES),
          ErrorRule.of(
              "131047",
              PERMANENT,
              "Re-engagement message: more than 24 hours since the user last replied; only a"
                  + " template can reach them now.",
              ERROR_CODES),
          ErrorRule.of(
              "131050",
              PERMANENT,
              "The user has stopped receiving marketing messages from this business.",
              ERROR_CODES),
          ErrorRule.of(
              "131051",
              PERMANENT,
              "Unsupported message type.",
              ERROR_CODES),
          ErrorRule.of(
              "131052",
              PERMANENT,
              "Media download error: the media sent by the user could not be downloaded.",
              ERROR_CODES),
          ErrorRule.of(
              "131053",
              PERMANENT,
              "Media upload error: the media in the message could not be uploaded (bad link, type"
                  + " or size).",
              ERROR_CODES),
          ErrorRule.of(
              "132000",
              PERMANENT,
              "Template parameter count mismatch.",
              ERROR_CODES),
          ErrorRule.of(
              "132001",
              PERMANENT,
              "Template does not exist in that language, or is not approved.",
              ERROR_CODES),
          ErrorRule.of(
              "132005",
              PERMANENT,
              "Template hydrated text too long.",
              ERROR_CODES),
          ErrorRule.of(
              "132007",
              PERMANENT,
              "Template format character policy violated.",
              ERROR_CODES),
          ErrorRule.of(
              "132012",
              PERMANENT,
              "Template parameter format mismatch.",
              ERROR_CODES),
          ErrorRule.of(
              "132068",
              PERMANENT,
              "Flow is in blocked state.",
              ERROR_CODES),
          ErrorRule.of(
              "132069",
              PERMANENT,
              "Flow is in throttled state and has used its messages for the hour; it stays"
                  + " throttled until the flow is fixed, so a retry would not help.",
              ERROR_CODES),
          ErrorRule.of(
              "135000",
              PERMANENT,
              "Generic user error.",
              ERROR_CODES),
          ErrorRule.of(
              "http_4xx",
              PERMANENT,
              "Any other HTTP 4xx, without a code or with one Courier does not know: the request"
                  + " is wrong as it is.",
              RFC_9110_STATUS,
              ERROR_CODES),

          // The recipient has had enough marketing for now.
          ErrorRule.of(
              "131049",
              HOLD_RECIPIENT,
              "Meta chose not to deliver this marketing message, to maintain healthy ecosystem"
                  + " engagement (per-user marketing limit).",
              ERROR_CODES));

  private static final Map<String, ErrorRule> BY_KEY = index(RULES);

  private CloudApiErrors() {}

  /** Every row, in the order docs/PROVIDERS.md shows them. */
  public static List<ErrorRule> rules() {
    return RULES;
  }

  /**
   * Classifies an error answer.
   *
   * @param httpStatus the HTTP status of the answer
   * @param code {@code error.code} from Meta's envelope, or null when the answer had none
   */
  public static ErrorRule classify(int httpStatus, Integer code) {
    if (code != null) {
      ErrorRule byCode = BY_KEY.get(code.toString());
      if (byCode != null) {
        return byCode;
      }
      if (code >= 200 && code <= 299) {
        return BY_KEY.get("200-299");
      }
    }
    return byStatus(httpStatus);
  }

  /** The row of a condition without an HTTP answer, such as {@code timeout} or {@code connect}. */
  public static ErrorRule condition(String key) {
    ErrorRule rule = BY_KEY.get(key);
    if (rule == null) {
      throw new IllegalArgumentException("no cloud_api error rule " + key);
    }
    return rule;
  }

  private static ErrorRule byStatus(int status) {
    return BY_KEY.get(ErrorRule.statusKey(status));
  }

  private static Map<String, ErrorRule> index(List<ErrorRule> rules) {
    Map<String, ErrorRule> byKey = new LinkedHashMap<>();
    for (ErrorRule rule : rules) {
      if (byKey.put(rule.key(), rule) != null) {
        throw new IllegalStateException("cloud_api error rule " + rule.key() + " is listed twice");
      }
    }
    return Map.copyOf(byKey);
  }
}
