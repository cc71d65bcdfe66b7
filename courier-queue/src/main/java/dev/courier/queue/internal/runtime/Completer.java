package dev.courier.queue.internal.runtime;

import dev.courier.queue.internal.store.Completion;
import dev.courier.queue.internal.store.JobStore;
import dev.courier.queue.internal.store.Wake;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes successful completions in batches: whatever finished while the previous batch was being
 * written goes in the next statement, so one commit covers many jobs under load and a lone job is
 * written at once when idle.
 */
final class Completer {
  private static final Logger log = LoggerFactory.getLogger(Completer.class);

  private final JobStore store;
  private final Clock clock;
  private final String node;
  private final int maxBatch;
  private final EventBus events;
  private final Consumer<List<Completion>> afterFlush;
  private final Consumer<Wake> announce;
  private final LinkedBlockingQueue<Completion> pending = new LinkedBlockingQueue<>();
  private volatile boolean stopped;
  private Thread thread;

  Completer(
      JobStore store, Clock clock, String node, int maxBatch, EventBus events,
      Consumer<List<Completion>> afterFlush, Consumer<Wake> announce) {
    this.store = store;
    this.clock = clock;
    this.node = node;
    this.maxBatch = maxBatch;
    this.events = events;
    this.afterFlush = afterFlush;
    this.announce = announce;
  }

  void start() {
    thread = Thread.ofPlatform().daemon().name("courier-completer").start(this::run);
  }

  void add(Completion c) {
    pending.add(c);
  }

  int pendingCount() {
    return pending.size();
  }

  /** Writes what is pending, then stops; waits at most until the deadline. */
  void stop(long deadlineNanos) {
    stopped = true;
    try {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      thread.interrupt();
    }
  }

  private void run() {
    List<Completion> batch = new ArrayList<>(maxBatch);
    while (true) {
      try {
        Completion first = pending.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (stopped) {
            return;
          }
          continue;
        }
        batch.add(first);
        pending.drainTo(batch, maxBatch - 1);
        flush(batch);
        batch.clear();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void flush(List<Completion> batch) throws InterruptedException {
    long backoff = 50;
    for (int tries = 1; ; tries++) {
      try {
        Instant now = clock.instant();
        JobStore.Changed done = store.jobCompleteMany(batch, now, node);
        if (done.changes().size() < batch.size()) {
          log.info("completions ignored because the node no longer held the job count={}", batch.size() - done.changes().size());
        }
        announce.accept(done.wake());
        afterFlush.accept(batch);
        events.emitAll(done.changes(), now);
        return;
      } catch (SQLException e) {
        // Keep the batch: its jobs stay leased by this node while the database is unreachable, and
        // if it never comes back in time the rescuer runs them again (at-least-once).
        log.warn("cannot write {} completions (try {}), retrying in {} ms: {}", batch.size(), tries, backoff, e.toString());
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
  }
}
