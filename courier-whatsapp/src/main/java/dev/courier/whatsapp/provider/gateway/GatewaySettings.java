package dev.courier.whatsapp.provider.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * How to reach one self-hosted WhatsApp gateway session.
 *
 * @param flavor which gateway it is: {@value #EVOLUTION} (Evolution API v2) or {@value #WAHA}
 * @param baseUrl the gateway's root URL, e.g. {@code http://evolution:8080}
 * @param apiKey the gateway's API key ({@code apikey} header on Evolution, {@code X-Api-Key} on
 *     WAHA); null or blank when the gateway runs without one
 * @param session the Evolution instance name or the WAHA session name
 * @param timeout how long to wait for each answer, not counting a typing delay the gateway is asked
 *     to show first; null means {@link #DEFAULT_TIMEOUT}
 */
public record GatewaySettings(
    String flavor, URI baseUrl, String apiKey, String session, Duration timeout) {

  public static final String EVOLUTION = "evolution";
  public static final String WAHA = "waha";
  public static final Set<String> FLAVORS = Set.of(EVOLUTION, WAHA);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public GatewaySettings {
    if (flavor == null || !FLAVORS.contains(flavor.trim().toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          "gateway flavor must be one of " + FLAVORS + ", got " + flavor);
    }
    flavor = flavor.trim().toLowerCase(Locale.ROOT);
    if (baseUrl == null || baseUrl.getScheme() == null || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("gateway " + flavor + " needs an absolute baseUrl");
    }
    if (session == null || session.isBlank()) {
      throw new IllegalArgumentException(
          "gateway " + flavor + " at " + baseUrl + " needs a session (instance) name");
    }
    apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (!timeout.isPositive()) {
      throw new IllegalArgumentException("gateway timeout must be positive, got " + timeout);
    }
  }

  /** Never prints the API key: settings end up in logs and exception messages. */
  @Override
  public String toString() {
    return "GatewaySettings[flavor="
        + flavor
        + ", baseUrl="
        + baseUrl
        + ", apiKey="
        + (apiKey == null ? "none" : "***")
        + ", session="
        + session
        + ", timeout="
        + timeout
        + "]";
  }
}
