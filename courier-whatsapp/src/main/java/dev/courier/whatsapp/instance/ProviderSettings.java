package dev.courier.whatsapp.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.validation.FieldReader;
import java.net.URI;
import java.util.Set;

/**
 * Validates each provider's settings (field paths {@code settings.…}) and knows which of them are
 * secrets: those are stored but never returned or logged.
 */
public final class ProviderSettings {
  /** Settings that are secrets, for every provider. */
  public static final Set<String> SECRETS = Set.of("accessToken", "appSecret", "verifyToken", "apiKey", "webhookSecret");

  static final Set<String> SIMULATOR = Set.of(
      "latency", "failureRate", "permanentFailureRate", "throttleRate", "throttleBurst", "disconnectRate",
      "disconnectFor", "seed", "statuses", "echoCallbackData", "appSecret", "verifyToken", "phoneNumberId");
  static final Set<String> CLOUD_API = Set.of(
      "baseUrl", "apiVersion", "phoneNumberId", "accessToken", "appSecret", "verifyToken", "portfolioId", "timeout");
  static final Set<String> GATEWAY = Set.of("flavor", "baseUrl", "apiKey", "session", "webhookSecret", "timeout");

  private ProviderSettings() {}

  /** Checks {@code settings} for {@code provider}; problems go to {@code r}. */
  public static void validate(ProviderKind provider, JsonNode settings, FieldReader r) {
    String p = "settings";
    switch (provider) {
      case SIMULATOR -> {
        r.onlyKnown(settings, p, SIMULATOR);
        r.duration(settings, p, "latency", false);
        for (String rate : new String[] {"failureRate", "permanentFailureRate", "throttleRate", "disconnectRate"}) {
          r.number(settings, p, rate, 0.0, 1.0);
        }
        r.integer(settings, p, "throttleBurst", false, 1, 1000);
        r.duration(settings, p, "disconnectFor", false);
        r.integer(settings, p, "seed", false, Long.MIN_VALUE, Long.MAX_VALUE);
        r.bool(settings, p, "echoCallbackData");
        r.text(settings, p, "appSecret", false);
        r.text(settings, p, "verifyToken", false);
        // Optional: lets the Cloud API compatible endpoint address the simulator as a Meta number.
        phoneNumberId(settings, p, false, r);
        JsonNode statuses = r.object(settings, p, "statuses", false);
        if (statuses != null) {
          String sp = p + ".statuses";
          r.onlyKnown(statuses, sp, Set.of("sent", "delivered", "read"));
          r.duration(statuses, sp, "sent", false);
          r.duration(statuses, sp, "delivered", false);
          r.duration(statuses, sp, "read", false);
        }
      }
      case CLOUD_API -> {
        r.onlyKnown(settings, p, CLOUD_API);
        url(settings, p, "baseUrl", false, r);
        String version = r.text(settings, p, "apiVersion", false);
        if (version != null && !version.matches("v\\d{1,3}\\.\\d{1,2}")) {
          r.error(p + ".apiVersion", "must look like v23.0");
        }
        phoneNumberId(settings, p, true, r);
        r.text(settings, p, "accessToken", true);
        r.text(settings, p, "appSecret", false);
        r.text(settings, p, "verifyToken", false);
        r.text(settings, p, "portfolioId", false);
        r.duration(settings, p, "timeout", false);
      }
      case GATEWAY -> {
        r.onlyKnown(settings, p, GATEWAY);
        r.choice(settings, p, "flavor", Set.of("evolution", "waha"), null);
        url(settings, p, "baseUrl", true, r);
        r.text(settings, p, "apiKey", false);
        r.text(settings, p, "session", true);
        r.text(settings, p, "webhookSecret", false);
        r.duration(settings, p, "timeout", false);
      }
    }
  }

  private static void phoneNumberId(JsonNode settings, String p, boolean required, FieldReader r) {
    String id = r.text(settings, p, "phoneNumberId", required);
    if (id != null && !id.matches("[0-9]{1,32}")) {
      r.error(p + ".phoneNumberId", "must be a numeric phone number id like Meta's");
    }
  }

  private static void url(JsonNode settings, String p, String name, boolean required, FieldReader r) {
    String v = r.text(settings, p, name, required);
    if (v == null) {
      return;
    }
    try {
      URI u = URI.create(v);
      if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null) {
        r.error(p + "." + name, "must be an http or https URL");
      }
    } catch (IllegalArgumentException e) {
      r.error(p + "." + name, "must be an http or https URL");
    }
  }

  /** The settings without their secrets, for answers and logs. */
  public static ObjectNode redacted(ObjectNode settings) {
    ObjectNode copy = settings.deepCopy();
    copy.remove(SECRETS);
    return copy;
  }
}
