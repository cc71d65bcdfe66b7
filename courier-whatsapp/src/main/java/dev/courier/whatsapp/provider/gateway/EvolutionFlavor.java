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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evolution API v2 (Baileys): header {@code apikey}, one request per message. Typing is the
 * request's {@code delay}: Evolution shows "composing…" for that long, then sends, so the request
 * takes the delay longer to answer. The answer's {@code key.id} is the message id.
 */
final class EvolutionFlavor implements GatewayFlavor {
  private static final Logger log = LoggerFactory.getLogger(EvolutionFlavor.class);

  private final GatewayHttp http;

  EvolutionFlavor(HttpClient client, GatewaySettings settings, Clock clock) {
    this.http = new GatewayHttp(client, settings, "apikey", EvolutionFlavor::notConnected, clock);
  }

  @Override
  public SendReceipt send(OutboundMessage m) throws ProviderException {
    // A reaction has no delay field: Evolution shows no typing before it.
    boolean typed = Typing.requested(m.typing()) && !m.type().equals("reaction");
    Duration typing = typed ? m.typing() : Duration.ZERO;
    GatewayCall call = EvolutionRequests.send(m, http.sessionSegment(), typing);
    JsonNode answer = http.call(call, typing);
    String id = ProviderJson.text(answer.path("key"), "id");
    if (id == null) {
      log.warn(
          "gateway evolution session {} accepted message {} without returning its id",
          http.settings().session(),
          m.messageId());
    }
    return new SendReceipt(id);
  }

  @Override
  public void markRead(String providerMessageId, String chat) throws ProviderException {
    if (chat == null) {
      throw new ProviderException(
          GatewayErrors.condition(GatewayErrors.CHAT_REQUIRED).errorClass(),
          GatewayErrors.CHAT_REQUIRED,
          "gateway evolution needs the chat to mark message " + providerMessageId + " read");
    }
    http.call(
        EvolutionRequests.markRead(providerMessageId, chat, http.sessionSegment()), Duration.ZERO);
  }

  /**
   * Evolution's instance guard answers 404 "The … instance does not exist"; Baileys raises
   * "Connection Closed" (as a 500) when its socket is down, before anything is written to
   * WhatsApp, so that 500 is not in doubt.
   */
  static boolean notConnected(GatewayAnswer answer) {
    return (answer.status() == 404 && answer.mentions("instance does not exist"))
        || answer.mentions("connection closed");
  }
}
