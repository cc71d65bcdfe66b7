package dev.courier.whatsapp.inbound;

import java.util.Locale;

/** What gateway parsers share: event names and the two connection words. */
final class GatewayEvents {
  static final String CONNECTED = "connected";
  static final String DISCONNECTED = "disconnected";

  private GatewayEvents() {}

  /**
   * An event name in one spelling: {@code MESSAGES_UPSERT}, {@code messages-upsert} and {@code
   * messages.upsert} are all {@code messages.upsert} (the Evolution API uses the first in its
   * settings, the second in per-event webhook URLs and the third in bodies).
   */
  static String normalize(String event) {
    if (event == null) {
      return "";
    }
    return event.trim().toLowerCase(Locale.ROOT).replace('_', '.').replace('-', '.');
  }
}
