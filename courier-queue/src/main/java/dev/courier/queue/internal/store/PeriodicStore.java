package dev.courier.queue.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Owns {@code courier_periodic}: the last enqueued tick of each periodic job. */
public final class PeriodicStore {
  private static final String ADVANCE =
      """
      INSERT INTO courier_periodic (name, last_tick) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick
        WHERE courier_periodic.last_tick < excluded.last_tick
      RETURNING name
      """;

  /**
   * Moves a periodic job's last tick forward to {@code tick} on the caller's connection; true only
   * for the one transaction that moved it, which then enqueues the tick's job.
   */
  public boolean periodicAdvance(Connection c, String name, Instant tick) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(ADVANCE)) {
      ps.setString(1, name);
      ps.setObject(2, Sql.ts(tick));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Records a periodic job's first known tick without enqueuing it; no-op when already known. */
  public void periodicInit(Connection c, String name, Instant tick) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO courier_periodic (name, last_tick) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
      ps.setString(1, name);
      ps.setObject(2, Sql.ts(tick));
      ps.executeUpdate();
    }
  }

  public Optional<Instant> periodicLastTick(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT last_tick FROM courier_periodic WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Sql.instant(rs, "last_tick")) : Optional.empty();
      }
    }
  }
}
