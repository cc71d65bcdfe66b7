package dev.courier.whatsapp.message;

import java.util.Arrays;
import java.util.Optional;

/**
 * Where a message is. {@code queued → sending → sent → delivered → read}, or {@code failed} /
 * {@code cancelled}; {@code in_doubt} when a send may or may not have reached the provider (the
 * process died mid-send, a timeout after the request was written, a 5xx) until a callback proves
 * it or the instance's in-doubt window passes.
 */
public enum MessageStatus {
  QUEUED("queued"),
  SENDING("sending"),
  IN_DOUBT("in_doubt"),
  SENT("sent"),
  DELIVERED("delivered"),
  READ("read"),
  FAILED("failed"),
  CANCELLED("cancelled");

  private final String text;

  MessageStatus(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public static Optional<MessageStatus> of(String text) {
    return Arrays.stream(values()).filter(s -> s.text.equals(text)).findFirst();
  }

  /** True once the provider has the message (sent, delivered or read). */
  public boolean reachedProvider() {
    return this == SENT || this == DELIVERED || this == READ;
  }

  /** True when nothing more will be sent for the message. */
  public boolean isFinal() {
    return reachedProvider() || this == FAILED || this == CANCELLED;
  }
}
