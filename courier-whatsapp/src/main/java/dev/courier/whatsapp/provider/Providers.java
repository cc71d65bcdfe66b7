package dev.courier.whatsapp.provider;

import dev.courier.whatsapp.instance.Instance;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The provider of each instance, built once per version of the instance's settings (an edited
 * instance gets a new one at its next send).
 */
public final class Providers {
  private record Entry(Instant version, Provider provider) {}

  private final Function<Instance, Provider> factory;
  private final Map<String, Entry> byInstance = new ConcurrentHashMap<>();

  public Providers(Function<Instance, Provider> factory) {
    this.factory = factory;
  }

  public Provider of(Instance instance) {
    Entry e = byInstance.compute(instance.id(), (id, old) ->
        old != null && old.version().equals(instance.updatedAt()) ? old : new Entry(instance.updatedAt(), factory.apply(instance)));
    return e.provider();
  }
}
