package dev.courier.whatsapp.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.whatsapp.validation.Durations;
import java.time.Duration;

/**
 * How the simulator behaves for one instance (settings already validated by ProviderSettings).
 *
 * @param latency how long each send takes
 * @param failureRate share of sends failing before reaching the "provider" (retried, an attempt spent)
 * @param permanentFailureRate share failing for good (Cloud API 131026, message undeliverable)
 * @param throttleRate share of sends that start a burst of {@code throttleBurst} throttled answers (130429)
 * @param disconnectRate share of sends that start a disconnected period of {@code disconnectFor}
 * @param seed call n's outcome is drawn from (seed, n): a seeded run is reproducible
 * @param sentAfter delay of the {@code sent} callback, or null for none; likewise delivered, read
 * @param echoCallbackData whether callbacks carry Courier's message id ({@code biz_opaque_callback_data})
 */
public record SimulatorSettings(
    Duration latency,
    double failureRate,
    double permanentFailureRate,
    double throttleRate,
    int throttleBurst,
    double disconnectRate,
    Duration disconnectFor,
    long seed,
    Duration sentAfter,
    Duration deliveredAfter,
    Duration readAfter,
    boolean echoCallbackData) {

  /** True when every call is accepted whatever its number: no failure, throttle or disconnect rate. */
  public boolean drawsNothing() {
    return failureRate == 0 && permanentFailureRate == 0 && throttleRate == 0 && disconnectRate == 0;
  }

  public static SimulatorSettings from(JsonNode s) {
    JsonNode statuses = s.path("statuses");
    return new SimulatorSettings(
        duration(s, "latency", Duration.ZERO),
        s.path("failureRate").asDouble(0),
        s.path("permanentFailureRate").asDouble(0),
        s.path("throttleRate").asDouble(0),
        s.path("throttleBurst").asInt(3),
        s.path("disconnectRate").asDouble(0),
        duration(s, "disconnectFor", Duration.ofSeconds(5)),
        s.path("seed").asLong(0),
        statuses.isObject() ? duration(statuses, "sent", null) : Duration.ZERO,
        statuses.isObject() ? duration(statuses, "delivered", null) : Duration.ofSeconds(1),
        statuses.isObject() ? duration(statuses, "read", null) : null,
        s.path("echoCallbackData").asBoolean(true));
  }

  private static Duration duration(JsonNode n, String name, Duration fallback) {
    JsonNode v = n.get(name);
    return v == null || v.isNull() ? fallback : Durations.parse(v.asText());
  }
}
