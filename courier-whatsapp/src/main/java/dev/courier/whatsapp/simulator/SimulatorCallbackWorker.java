package dev.courier.whatsapp.simulator;

import dev.courier.queue.JobContext;
import dev.courier.queue.Worker;
import dev.courier.whatsapp.inbound.StatusCallback;
import dev.courier.whatsapp.inbound.StatusUpdates;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.instance.Instances;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Delivers one simulated status callback, through the same path as a provider's webhook. */
public final class SimulatorCallbackWorker implements Worker<SimulatorProvider.CallbackArgs> {
  private final Instances instances;
  private final StatusUpdates statusUpdates;
  private final Clock clock;

  public SimulatorCallbackWorker(Instances instances, StatusUpdates statusUpdates, Clock clock) {
    this.instances = instances;
    this.statusUpdates = statusUpdates;
    this.clock = clock;
  }

  @Override
  public void work(JobContext<SimulatorProvider.CallbackArgs> ctx) throws Exception {
    SimulatorProvider.CallbackArgs a = ctx.args();
    Optional<Instance> i = instances.find(a.instanceId());
    if (i.isEmpty()) {
      return;
    }
    StatusCallback cb = new StatusCallback(a.providerMessageId(), a.status(), clock.instant(), null, a.callbackData(), List.of());
    statusUpdates.apply(i.get(), List.of(cb));
  }
}
