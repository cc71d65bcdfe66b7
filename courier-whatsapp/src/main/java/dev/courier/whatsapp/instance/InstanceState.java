package dev.courier.whatsapp.instance;

import java.util.Arrays;

/**
 * Whether an instance sends. {@code paused}: by a user or because the provider flagged the number
 * (its messages wait, nothing fails); {@code disconnected}: a gateway session is down (its messages
 * wait and are retried every 30 s without spending attempts).
 */
public enum InstanceState {
  CONNECTED("connected"),
  DISCONNECTED("disconnected"),
  PAUSED("paused");

  private final String text;

  InstanceState(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public static InstanceState of(String text) {
    return Arrays.stream(values()).filter(s -> s.text.equals(text)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown instance state " + text));
  }
}
