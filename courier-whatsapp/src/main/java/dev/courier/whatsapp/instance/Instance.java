package dev.courier.whatsapp.instance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * One WhatsApp number on one provider, owned by an organization.
 *
 * @param settings the provider's settings, secrets included: never return or log them as they are
 * @param ordering {@code chat} (one FIFO per recipient) or {@code instance} (one FIFO for the number)
 * @param orderRelease {@code accepted} (the next message of an order key goes once the provider
 *     accepted the previous) or {@code sent} (once the provider reports it sent, or after {@code
 *     orderReleaseTimeout})
 * @param limits the limits as the user gave them; {@link InstanceLimits#effective} adds the
 *     provider's defaults
 * @param typing the typing indicator shown before each message that does not say otherwise
 * @param inDoubtWindow how long an in-doubt send waits for a provider callback proving it went out
 * @param inDoubtPolicy what happens when none came: {@code resend} or {@code fail}
 */
public record Instance(
    String id,
    String organizationId,
    String name,
    ProviderKind provider,
    ObjectNode settings,
    String defaultRegion,
    ZoneId timeZone,
    String ordering,
    String orderRelease,
    Duration orderReleaseTimeout,
    InstanceLimits limits,
    Duration typing,
    Duration inDoubtWindow,
    String inDoubtPolicy,
    InstanceState state,
    String stateReason,
    Instant stateChangedAt,
    String phoneNumberId,
    Instant createdAt,
    Instant updatedAt) {

  /** The engine limiter key of this number. */
  public String limiterKey() {
    return "wa:" + id;
  }

  /** The engine limiter key pattern of this number's per-recipient pair rate. */
  public String pairLimiterPattern() {
    return "wa:" + id + ":pair:*";
  }

  public String pairLimiterKey(String recipient) {
    return "wa:" + id + ":pair:" + recipient;
  }

  public String templateLimiterKey(String template) {
    return "wa:" + id + ":tpl:" + template;
  }

  /** The order key of a message to {@code recipient}: per chat, or the whole number. */
  public String orderKey(String recipient) {
    return "chat".equals(ordering) ? "wa:" + id + ":chat:" + recipient : "wa:" + id;
  }

  public boolean canSend() {
    return state == InstanceState.CONNECTED;
  }
}
