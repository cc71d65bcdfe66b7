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
}
