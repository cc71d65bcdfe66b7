package dev.courier.whatsapp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.queue.CourierQueue;
import dev.courier.whatsapp.provider.cloud.CloudApiProvider;
import dev.courier.whatsapp.provider.cloud.CloudApiSettings;
import dev.courier.whatsapp.provider.gateway.GatewayProvider;
import dev.courier.whatsapp.provider.gateway.GatewaySettings;
import dev.courier.whatsapp.validation.Durations;
import java.net.URI;
import java.time.Duration;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.provider.Provider;
import dev.courier.whatsapp.simulator.SimulatorProvider;
import dev.courier.whatsapp.simulator.SimulatorStore;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.function.Function;
import dev.courier.whatsapp.store.SharedTransactions;

/** Builds the provider of an instance from its settings. */
final class ProviderFactory implements Function<Instance, Provider> {
  private final SimulatorStore simulator;
  private final CourierQueue engine;
  private final SharedTransactions simulatorCommits;
  private final Clock clock;
  private final HttpClient http;

  ProviderFactory(SimulatorStore simulator, CourierQueue engine, SharedTransactions simulatorCommits, Clock clock,
      HttpClient http) {
    this.simulator = simulator;
    this.engine = engine;
    this.simulatorCommits = simulatorCommits;
    this.clock = clock;
    this.http = http;
  }

  @Override
  public Provider apply(Instance i) {
    return switch (i.provider()) {
      case SIMULATOR -> new SimulatorProvider(i, simulator, engine, simulatorCommits, clock);
      case CLOUD_API -> new CloudApiProvider(cloudSettings(i.settings()), http);
      case GATEWAY -> new GatewayProvider(gatewaySettings(i.settings()), http);
    };
  }

  static CloudApiSettings cloudSettings(JsonNode s) {
    return new CloudApiSettings(uri(s, "baseUrl"), s.path("apiVersion").asText(null), s.path("phoneNumberId").asText(),
        s.path("accessToken").asText(), duration(s, "timeout"));
  }

  static GatewaySettings gatewaySettings(JsonNode s) {
    return new GatewaySettings(s.path("flavor").asText(), uri(s, "baseUrl"), s.path("apiKey").asText(null),
        s.path("session").asText(), duration(s, "timeout"));
  }

  private static URI uri(JsonNode s, String name) {
    return s.hasNonNull(name) ? URI.create(s.get(name).asText()) : null;
  }

  private static Duration duration(JsonNode s, String name) {
    return s.hasNonNull(name) ? Durations.parse(s.get(name).asText()) : null;
  }
}
