package dev.courier.queue.internal.runtime;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one connection that LISTENs on the engine's channels and hands each notification to a
 * callback. Reconnects with backoff; after every (re)connect it calls {@code onConnected} so that
 * callers can catch up on what they may have missed while disconnected.
 */
public final class Notifier {
  private static final Logger log = LoggerFactory.getLogger(Notifier.class);

  private final DataSource dataSource;
  private final List<String> channels;
  private final BiConsumer<String, String> onNotification;
  private final Runnable onConnected;
  private final Runnable onIdle;
  private final Duration idleInterval;
  private volatile boolean stopped;
  private volatile Thread thread;

  /**
   * @param onIdle called at least every {@code idleInterval} (used to re-read pause flags)
   */
  public Notifier(
      DataSource dataSource,
      List<String> channels,
      BiConsumer<String, String> onNotification,
      Runnable onConnected,
      Runnable onIdle,
      Duration idleInterval) {
    this.dataSource = dataSource;
    this.channels = channels;
    this.onNotification = onNotification;
    this.onConnected = onConnected;
    this.onIdle = onIdle;
    this.idleInterval = idleInterval;
  }

  public void start() {
    thread = Thread.ofPlatform().daemon().name("courier-notifier").start(this::run);
  }

  public void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    long backoffMs = 100;
    while (!stopped) {
      try (Connection c = dataSource.getConnection()) {
        PGConnection pg = c.unwrap(PGConnection.class);
        try (Statement st = c.createStatement()) {
          for (String channel : channels) {
            st.execute("LISTEN " + channel);
          }
        }
        backoffMs = 100;
        onConnected.run();
        long lastIdle = System.nanoTime();
        int timeoutMs = (int) Math.max(10, Math.min(idleInterval.toMillis(), 1_000));
        while (!stopped) {
          PGNotification[] ns = pg.getNotifications(timeoutMs);
          if (ns != null) {
            for (PGNotification n : ns) {
              onNotification.accept(n.getName(), n.getParameter());
            }
          }
          if (System.nanoTime() - lastIdle >= idleInterval.toNanos()) {
            lastIdle = System.nanoTime();
            onIdle.run();
          }
        }
      } catch (Exception e) {
        if (stopped) {
          return;
        }
        log.warn("notifier lost its connection, reconnecting in {} ms: {}", backoffMs, e.toString());
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException ie) {
          return;
        }
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }
}
