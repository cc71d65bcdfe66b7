package dev.courier.whatsapp;

import dev.courier.queue.CourierQueue;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.provider.Provider;
import dev.courier.whatsapp.simulator.SimulatorProvider;
import dev.courier.whatsapp.simulator.SimulatorStore;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.function.Function;
import javax.sql.DataSource;

/** Builds the provider of an instance from its settings. */
final class ProviderFactory implements Function<Instance, Provider> {
  private final SimulatorStore simulator;
  private final CourierQueue engine;
  private final DataSource dataSource;
  private final Clock clock;
  private final HttpClient http;

  ProviderFactory(SimulatorStore simulator, CourierQueue engine, DataSource dataSource, Clock clock, HttpClient http) {
    this.simulator = simulator;
    this.engine = engine;
    this.dataSource = dataSource;
    this.clock = clock;
    this.http = http;
  }

  @Override
  public Provider apply(Instance i) {
    return switch (i.provider()) {
      case SIMULATOR -> new SimulatorProvider(i, simulator, engine, dataSource, clock);
      case CLOUD_API -> throw new UnsupportedOperationException("cloud_api provider arrives with the providers branch");
      case GATEWAY -> throw new UnsupportedOperationException("gateway provider arrives with the providers branch");
    };
  }
}
