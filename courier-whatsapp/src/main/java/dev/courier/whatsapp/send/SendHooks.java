package dev.courier.whatsapp.send;

import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.provider.SendReceipt;

/**
 * Points in a send where tests inject faults: a crash right after the provider accepted a message
 * and before Courier committed that, the instant the in-doubt path exists for.
 */
public interface SendHooks {
  SendHooks NONE = new SendHooks() {};

  /** The provider accepted {@code message}; nothing about it is committed yet. */
  default void afterProviderAccepted(Message message, SendReceipt receipt) {}
}
