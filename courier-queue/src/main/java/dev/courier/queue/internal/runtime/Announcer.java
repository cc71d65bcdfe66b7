package dev.courier.queue.internal.runtime;

import dev.courier.queue.internal.store.Wake;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces committed wake-ups (see V6__wake_after_commit.sql): this node's fetchers are woken at
 * once, in process; the other nodes by a NOTIFY that one background thread sends from its own
 * transaction, which writes nothing and does not wait for its commit to be flushed. Wake-ups that
 * arrive while a NOTIFY is in flight go out together in the next one, so a busy node sends a few
 * notifications per commit cycle, not one per job. A NOTIFY that cannot be sent is dropped: the
 * other nodes poll (every poll interval) and find the jobs anyway.
 */
final class Announcer {
  private static final Logger log = LoggerFactory.getLogger(Announcer.class);

  /** The channel of announcements; the triggers' own notifications keep their channels (V6). */
  static final String CHANNEL = "courier_job_announced";

  // Payload: the announcing engine's token, then 'r' and a queue that has available jobs, or 's'
  // when a job now waits for a time. The token lets the announcing node skip its own
  // announcements: it woke its fetchers in process before sending, and a second claim would find
  // nothing.
  private static final String NOTIFY =
      """
      WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
      SELECT pg_notify('courier_job_announced', ? || n.p)
      FROM relaxed,
           (SELECT 'r' || q AS p FROM unnest(?::text[]) q
            UNION ALL
            SELECT 's' WHERE ?) n
      """;

  private static final int TOKEN_LENGTH = 12;

  /**
   * The least time between two NOTIFYs of one node. Short enough that a steady trickle of commits
   * (a few hundred a second) is announced at once, long enough to bound the NOTIFY transactions of
   * a busy node to well under one per commit.
   */
  static final long COALESCE_MILLIS = 1;

  /** What another engine's announcement asks for. */
  record Announcement(boolean own, String readyQueue, boolean scheduled) {}

  private final String token =
      String.format("%0" + TOKEN_LENGTH + "x", ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFF_FFFFL);

  private final DataSource dataSource;
  private final Consumer<String> wakeQueue;
  private final Runnable wakePromoter;
  private final Object lock = new Object();
  private final Set<String> ready = new LinkedHashSet<>();
  private boolean scheduled;
  private boolean stopped;
  private Thread thread;

  Announcer(DataSource dataSource, Consumer<String> wakeQueue, Runnable wakePromoter) {
    this.dataSource = dataSource;
    this.wakeQueue = wakeQueue;
    this.wakePromoter = wakePromoter;
  }

  /** Call after the transaction that owes {@code wake} committed. */
  void announce(Wake wake) {
    if (wake == null || wake.isEmpty()) {
      return;
    }
    wake.ready().forEach(wakeQueue);
    if (wake.scheduled()) {
      wakePromoter.run();
    }
    synchronized (lock) {
      if (!stopped) {
        ready.addAll(wake.ready());
        scheduled |= wake.scheduled();
        if (thread == null) {
          // Started on first use: a process that only enqueues never calls start().
          thread = Thread.ofPlatform().daemon().name("courier-announcer").start(this::run);
        }
        lock.notifyAll();
        return;
      }
    }
    send(wake.ready(), wake.scheduled()); // stopped: the caller's own thread tells the others
  }

  /** Reads an announcement; empty when the payload is not one. */
  Optional<Announcement> read(String payload) {
    if (payload == null || payload.length() <= TOKEN_LENGTH) {
      return Optional.empty();
    }
    boolean own = payload.startsWith(token);
    char what = payload.charAt(TOKEN_LENGTH);
    String rest = payload.substring(TOKEN_LENGTH + 1);
    return switch (what) {
      case 'r' -> rest.isEmpty() ? Optional.empty() : Optional.of(new Announcement(own, rest, false));
      case 's' -> Optional.of(new Announcement(own, null, true));
      default -> Optional.empty();
    };
  }

  /** Sends what is pending, then stops; later wake-ups are sent by their callers. */
  void stop() {
    Thread t;
    synchronized (lock) {
      stopped = true;
      lock.notifyAll();
      t = thread;
    }
    if (t != null) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    while (true) {
      Set<String> queues;
      boolean promote;
      synchronized (lock) {
        while (ready.isEmpty() && !scheduled && !stopped) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (ready.isEmpty() && !scheduled) {
          return; // stopped with nothing pending
        }
        queues = Set.copyOf(ready);
        promote = scheduled;
        ready.clear();
        scheduled = false;
      }
      send(queues, promote);
      try {
        // Each NOTIFY is a transaction of its own (with a commit record) that every listening
        // node wakes for: on a busy node the wake-ups of many commits share one. This node's
        // fetchers were woken in process already; other nodes wait at most this long more.
        Thread.sleep(COALESCE_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void send(Set<String> queues, boolean promote) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(NOTIFY)) {
      ps.setString(1, token);
      ps.setArray(2, c.createArrayOf("text", queues.toArray()));
      ps.setBoolean(3, promote);
      ps.execute();
      if (!c.getAutoCommit()) {
        c.commit();
      }
    } catch (SQLException e) {
      log.debug("cannot notify other nodes queues={} scheduled={}; they find the jobs when they poll: {}",
          queues, promote, e.toString());
    }
  }
}
