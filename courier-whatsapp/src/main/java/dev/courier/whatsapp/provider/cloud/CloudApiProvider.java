package dev.courier.whatsapp.provider.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.Provider;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.provider.support.ProviderJson;
import dev.courier.whatsapp.provider.support.Typing;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends through Meta's WhatsApp Cloud API: {@code POST {baseUrl}/{apiVersion}/{phoneNumberId}/
 * messages} with the access token as a bearer token.
 *
 * <p>Every message carries Courier's message id as {@code biz_opaque_callback_data}, which Meta
 * echoes in the message's status webhooks: that is how a send left in doubt (timeout, 5xx) is
 * reconciled before any resend.
 *
 * <p>The Cloud API ties its typing indicator to an inbound message, so typing is shown only when
 * the message names one ({@link OutboundMessage#typingContext()}); Meta dismisses the indicator
 * after 25 seconds or when the message arrives, so Courier waits at most 25 seconds. Errors are
 * classified by {@link CloudApiErrors}. Thread-safe: it holds no per-send state.
 */
public final class CloudApiProvider implements Provider {
  /** Meta dismisses a typing indicator after 25 s: waiting longer shows nothing. */
  static final Duration MAX_TYPING = Duration.ofSeconds(25);

  private static final Logger log = LoggerFactory.getLogger(CloudApiProvider.class);

  private final CloudApiSettings settings;
  private final GraphClient graph;

  /**
   * @param http the shared client; its connect timeout, proxy and TLS settings apply
   */
  public CloudApiProvider(CloudApiSettings settings, HttpClient http) {
    this(settings, http, Clock.systemUTC());
  }

  CloudApiProvider(CloudApiSettings settings, HttpClient http, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.graph = new GraphClient(settings, Objects.requireNonNull(http, "http"), clock);
  }

  @Override
  public SendReceipt send(OutboundMessage message) throws ProviderException {
    Objects.requireNonNull(message, "message");
    if (Typing.requested(message.typing()) && message.typingContext() != null) {
      showTyping(message);
    }
    JsonNode answer = graph.post(CloudApiBodies.message(message), templateName(message));
    String id = ProviderJson.text(answer.path("messages").path(0), "id");
    if (id == null) {
      // Meta answered 2xx, so it took the message; its statuses still find it through
      // biz_opaque_callback_data.
      log.warn(
          "cloud_api phone number id {} accepted message {} without returning its id",
          settings.phoneNumberId(),
          message.messageId());
    }
    return new SendReceipt(id);
  }

  @Override
  public void markRead(String providerMessageId) throws ProviderException {
    graph.post(CloudApiBodies.read(Objects.requireNonNull(providerMessageId)), null);
  }

  /** How long to wait with the indicator showing before the message goes. */
  static Duration typingWait(Duration typing) {
    return typing.compareTo(MAX_TYPING) > 0 ? MAX_TYPING : typing;
  }

  private void showTyping(OutboundMessage message) throws ProviderException {
    try {
      graph.post(CloudApiBodies.typingIndicator(message.typingContext()), null);
    } catch (ProviderException e) {
      Typing.afterFailure(e, log, "cloud_api phone number id " + settings.phoneNumberId());
      return; // refused: no indicator shows, so there is nothing to wait for
    }
    try {
      Typing.pause(typingWait(message.typing()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(
          CloudApiErrors.condition(CloudApiErrors.INTERRUPTED).errorClass(),
          CloudApiErrors.INTERRUPTED,
          "interrupted while showing the typing indicator for phone number id "
              + settings.phoneNumberId()
              + "; the message was not sent");
    }
  }

  // A paused or disabled template holds every message using it, so the error must name it.
  private static String templateName(OutboundMessage message) {
    if (!"template".equals(message.type()) || message.content() == null) {
      return null;
    }
    return ProviderJson.text(message.content(), "name");
  }

  @Override
  public String toString() {
    return "CloudApiProvider[phoneNumberId=" + settings.phoneNumberId() + "]";
  }
}
