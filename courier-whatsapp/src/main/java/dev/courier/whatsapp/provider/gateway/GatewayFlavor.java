package dev.courier.whatsapp.provider.gateway;

import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.SendReceipt;

/** One gateway's way of sending, showing typing and marking read. */
interface GatewayFlavor {
  SendReceipt send(OutboundMessage message) throws ProviderException;

  /**
   * @param chat the chat the message came from, or null when the caller does not know it
   */
  void markRead(String providerMessageId, String chat) throws ProviderException;
}
