package dev.courier.whatsapp.provider.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.provider.support.ProviderJson;
import dev.courier.whatsapp.provider.support.Typing;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WAHA (WhatsApp HTTP API): header {@code X-Api-Key}, session and chat id in every body. Typing
 * follows WAHA's own advice: {@code startTyping}, wait, {@code stopTyping}, then send. The answer's
 * id is a string or an object with {@code _serialized}, depending on the engine; NOWEB answers with
 * the raw message, whose {@code key.id} Courier serializes the way WAHA's webhooks name it.
 */
final class WahaFlavor implements GatewayFlavor {
  private static final Logger log = LoggerFactory.getLogger(WahaFlavor.class);

  /** Session states in which WAHA cannot send. */
  private static final Set<String> DOWN_STATES = Set.of("STOPPED", "STARTING", "SCAN_QR_CODE", "FAILED");

  private final GatewayHttp http;

  WahaFlavor(HttpClient client, GatewaySettings settings, Clock clock) {
    this.http = new GatewayHttp(client, settings, "X-Api-Key", WahaFlavor::notConnected, clock);
  }

  @Override
  public SendReceipt send(OutboundMessage m) throws ProviderException {
    String session = http.settings().session();
    GatewayCall call = WahaRequests.send(m, session); // refuses unsupported types before any call
    if (Typing.requested(m.typing()) && !m.type().equals("reaction")) {
      showTyping(session, m);
    }
    JsonNode answer = http.call(call, Duration.ZERO);
    String id = messageId(answer, ChatIds.wahaChatId(m.to()));
    if (id == null && !m.type().equals("reaction")) {
      log.warn(
          "gateway waha session {} accepted message {} without returning its id",
          session,
          m.messageId());
    }
    return new SendReceipt(id);
  }

  @Override
  public void markRead(String providerMessageId, String chat) throws ProviderException {
    String chatId =
        chat != null ? ChatIds.wahaChatId(chat) : WahaRequests.chatOf(providerMessageId);
    if (chatId == null) {
      throw new ProviderException(
          GatewayErrors.condition(GatewayErrors.CHAT_REQUIRED).errorClass(),
          GatewayErrors.CHAT_REQUIRED,
          "gateway waha needs the chat to mark message " + providerMessageId + " read");
    }
    http.call(
        WahaRequests.sendSeen(
            http.settings().session(), chatId, WahaRequests.serializedId(chatId, providerMessageId)),
        Duration.ZERO);
  }

  private void showTyping(String session, OutboundMessage m) throws ProviderException {
    try {
      http.call(WahaRequests.startTyping(session, m.to()), Duration.ZERO);
    } catch (ProviderException e) {
      Typing.afterFailure(e, log, "gateway waha session " + session);
      return; // refused: no indicator shows, so there is nothing to wait for
    }
    try {
      Typing.pause(m.typing());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(
          GatewayErrors.condition(GatewayErrors.INTERRUPTED).errorClass(),
          GatewayErrors.INTERRUPTED,
          "interrupted while showing typing on gateway waha session "
              + session
              + "; the message was not sent");
    }
    try {
      http.call(WahaRequests.stopTyping(session, m.to()), Duration.ZERO);
    } catch (ProviderException e) {
      // Sending clears the indicator anyway; a session that dropped meanwhile fails the send next.
      log.debug("gateway waha session {}: stopTyping failed ({}), sending", session, e.code());
    }
  }

  static String messageId(JsonNode answer, String chatId) {
    JsonNode id = answer.path("id");
    if (id.isTextual()) {
      return id.textValue();
    }
    String serialized = ProviderJson.text(id, "_serialized");
    if (serialized != null) {
      return serialized;
    }
    String keyId = ProviderJson.text(answer.path("key"), "id");
    return keyId == null ? null : "true_" + chatId + "_" + keyId;
  }

  /**
   * WAHA answers 422 "Session status is not as expected" with the session's status while it is
   * not WORKING, and 404 for a session it does not know.
   */
  static boolean notConnected(GatewayAnswer answer) {
    if (answer.status() == 422) {
      String status = ProviderJson.text(answer.json(), "status");
      return answer.mentions("session status is not as expected")
          || (status != null && DOWN_STATES.contains(status));
    }
    return answer.status() == 404 && answer.mentions("session");
  }
}
