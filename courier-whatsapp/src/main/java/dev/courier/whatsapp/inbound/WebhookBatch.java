package dev.courier.whatsapp.inbound;

import java.util.List;

/**
 * What one provider callback request carried.
 *
 * @param statuses statuses of messages Courier sent
 * @param messages messages users sent
 * @param connection for gateway callbacks about the session: {@code connected} or {@code
 *     disconnected}; null when the request said nothing about it
 */
public record WebhookBatch(
    List<StatusCallback> statuses, List<InboundMessage> messages, String connection) {
  public static WebhookBatch empty() {
    return new WebhookBatch(List.of(), List.of(), null);
  }
}
