package dev.courier.whatsapp.instance;

import java.util.Arrays;
import java.util.Optional;

/** Which way an instance's messages go out. */
public enum ProviderKind {
  CLOUD_API("cloud_api"),
  GATEWAY("gateway"),
  SIMULATOR("simulator");

  private final String text;

  ProviderKind(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public static Optional<ProviderKind> of(String text) {
    return Arrays.stream(values()).filter(k -> k.text.equals(text)).findFirst();
  }
}
