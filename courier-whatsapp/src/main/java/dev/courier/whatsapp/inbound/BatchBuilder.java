package dev.courier.whatsapp.inbound;

import java.util.ArrayList;
import java.util.List;

/** Collects what the parsers find in one request, in the order the provider listed it. */
final class BatchBuilder {
  private final List<StatusCallback> statuses = new ArrayList<>();
  private final List<InboundMessage> messages = new ArrayList<>();
  private String connection;

  BatchBuilder status(StatusCallback status) {
    statuses.add(status);
    return this;
  }

  BatchBuilder message(InboundMessage message) {
    messages.add(message);
    return this;
  }

  BatchBuilder connection(String connection) {
    this.connection = connection;
    return this;
  }

  BatchBuilder addAll(WebhookBatch batch) {
    statuses.addAll(batch.statuses());
    messages.addAll(batch.messages());
    if (batch.connection() != null) {
      connection = batch.connection();
    }
    return this;
  }

  WebhookBatch build() {
    return new WebhookBatch(List.copyOf(statuses), List.copyOf(messages), connection);
  }
}
