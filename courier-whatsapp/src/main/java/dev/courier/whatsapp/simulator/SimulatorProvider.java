package dev.courier.whatsapp.simulator;

import dev.courier.queue.AfterCommit;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobRequest;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.provider.ErrorClass;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.Provider;
import dev.courier.whatsapp.provider.ProviderException;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.store.SharedTransactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * A WhatsApp stand-in for demos, tests and benchmarks. Each send is a numbered call; call n's
 * outcome is drawn from (seed, n). Accepting a message writes it to the outbox and schedules its
 * status callbacks (engine jobs) in the simulator's own transaction, the way a remote provider
 * commits on its side whatever happens to the sender afterwards.
 */
public final class SimulatorProvider implements Provider {
  public static final String CALLBACK_KIND = "simulator.status";
  public static final String CALLBACK_QUEUE = "callbacks";

  /** What a callback job carries. */
  public record CallbackArgs(String instanceId, String providerMessageId, String status, String callbackData) {}

  private sealed interface Outcome {}

  private record Accepted(String providerMessageId) implements Outcome {}

  private record Refused(ProviderException error) implements Outcome {}

  /** A call's outcome and the wake-ups its transaction owes once committed. */
  private record Called(Outcome outcome, AfterCommit afterCommit) {}

  private final Instance instance;
  private final SimulatorSettings settings;
  private final SimulatorStore store;
  private final CourierQueue engine;
  private final SharedTransactions commits;
  private final Clock clock;

  /** @param commits where the simulator's transactions are grouped with those of concurrent calls */
  public SimulatorProvider(Instance instance, SimulatorStore store, CourierQueue engine, SharedTransactions commits,
      Clock clock) {
    this.instance = instance;
    this.settings = SimulatorSettings.from(instance.settings());
    this.store = store;
    this.engine = engine;
    this.commits = commits;
    this.clock = clock;
  }

  @Override
  public SendReceipt send(OutboundMessage m) throws ProviderException {
    pause(settings.latency().plus(m.typing()));
    Outcome outcome;
    try {
      // Counted before the transaction, on a connection of its own that is back in the pool before
      // the transaction takes one (holding two at once can starve a small pool).
      SimulatorStore.Call call = settings.drawsNothing()
          ? new SimulatorStore.Call(store.reservedCall(instance.id()), null, false)
          : store.callNext(instance.id(), clock.instant());
      Called called = commits.run(conn -> {
        // Made here, per run: a shared transaction that failed runs this again alone.
        AfterCommit afterCommit = engine.afterCommit();
        return new Called(call(conn, m, call, afterCommit), afterCommit);
      });
      called.afterCommit().run();
      outcome = called.outcome();
    } catch (SQLException e) {
      // The simulator's own database write failed: like a provider answering 500, the send may or
      // may not have happened.
      throw new ProviderException(ErrorClass.IN_DOUBT, "simulator_storage", "simulator could not record the call: " + e.getMessage());
    }
    if (outcome instanceof Refused r) {
      throw r.error();
    }
    return new SendReceipt(((Accepted) outcome).providerMessageId());
  }

  private Outcome call(Connection conn, OutboundMessage m, SimulatorStore.Call call, AfterCommit afterCommit)
      throws SQLException {
    Instant now = clock.instant();
    if (call.disconnectedUntil() != null && call.disconnectedUntil().isAfter(now)) {
      return refused(ErrorClass.UNAVAILABLE, "simulated_disconnected", "simulated session disconnected until " + call.disconnectedUntil());
    }
    if (call.throttled()) {
      return refused(ErrorClass.THROTTLED, "130429", "simulated rate limit hit");
    }
    double u = new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + call.n()).nextDouble();
    double edge = settings.disconnectRate();
    if (u < edge) {
      store.stateSet(conn, instance.id(), now.plus(settings.disconnectFor()), 0);
      return refused(ErrorClass.UNAVAILABLE, "simulated_disconnected", "simulated session disconnected for " + settings.disconnectFor());
    }
    edge += settings.throttleRate();
    if (u < edge) {
      store.stateSet(conn, instance.id(), null, settings.throttleBurst() - 1);
      return refused(ErrorClass.THROTTLED, "130429", "simulated rate limit hit");
    }
    edge += settings.failureRate();
    if (u < edge) {
      return refused(ErrorClass.RETRYABLE, "simulated_unreachable", "simulated failure before the request reached the provider");
    }
    edge += settings.permanentFailureRate();
    if (u < edge) {
      return refused(ErrorClass.PERMANENT, "131026", "simulated: message undeliverable");
    }
    String providerId = "wamid.SIM." + instance.id().substring(instance.id().indexOf('_') + 1) + "." + call.n();
    store.outboxInsert(conn, instance.id(), m.messageId(), m.to(), m.type(), now, providerId);
    String echo = settings.echoCallbackData() ? m.messageId() : null;
    callback(conn, providerId, "sent", settings.sentAfter(), echo, now, afterCommit);
    callback(conn, providerId, "delivered", settings.deliveredAfter(), echo, now, afterCommit);
    callback(conn, providerId, "read", settings.readAfter(), echo, now, afterCommit);
    return new Accepted(providerId);
  }

  private void callback(Connection conn, String providerId, String status, Duration after, String echo, Instant now,
      AfterCommit afterCommit) throws SQLException {
    if (after == null) {
      return;
    }
    JobRequest job = JobRequest.of(CALLBACK_KIND, new CallbackArgs(instance.id(), providerId, status, echo))
        .withQueue(CALLBACK_QUEUE)
        .withRunAt(after.isZero() ? null : now.plus(after));
    engine.enqueue(conn, job, afterCommit);
  }

  private static Outcome refused(ErrorClass c, String code, String text) {
    return new Refused(new ProviderException(c, code, text));
  }

  private static void pause(Duration d) {
    if (d.isZero() || d.isNegative()) {
      return;
    }
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void markRead(String providerMessageId) {
    // Nothing to tell: the simulator has no users who would see the blue ticks.
  }
}
