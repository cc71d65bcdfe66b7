package dev.courier.whatsapp.provider;

/**
 * One WhatsApp number's way out: the Cloud API, a self-hosted gateway, or the built-in simulator.
 * A provider is built for one instance from that instance's settings. Implementations are called
 * from many virtual threads at once and must be thread-safe.
 */
public interface Provider {
  /**
   * Shows the typing indicator when the message asks for it and the provider can, then sends the
   * message. Returns once the provider accepted it.
   *
   * @throws ProviderException classified: what the caller must do next
   */
  SendReceipt send(OutboundMessage message) throws ProviderException;

  /** Marks an inbound message (by the provider's id) as read, where the provider supports it. */
  void markRead(String providerMessageId) throws ProviderException;

  /**
   * Marks an inbound message as read, naming the chat it came from. Gateways need the chat (their
   * read receipts are addressed to a chat, not to a message id alone); the Cloud API does not, so by
   * default the chat is ignored.
   *
   * @param chat the chat the message came from: the sender's E.164 number or a group chat id
   */
  default void markRead(String providerMessageId, String chat) throws ProviderException {
    markRead(providerMessageId);
  }
}
