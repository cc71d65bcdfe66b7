package dev.courier.queue.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;

/** Owns {@code courier_queue}: the cluster-wide pause flag of each queue. */
public final class QueueStore {
  private static final String SET_PAUSED =
      """
      INSERT INTO courier_queue (name, paused_at, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET paused_at = excluded.paused_at, updated_at = excluded.updated_at
      """;

  private final DataSource dataSource;

  public QueueStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Pauses or resumes a queue and tells every node at commit. */
  public void queueSetPaused(String queue, boolean paused, Instant now) throws SQLException {
    Sql.inTransaction(dataSource, c -> {
      try (PreparedStatement ps = c.prepareStatement(SET_PAUSED)) {
        ps.setString(1, queue);
        ps.setObject(2, paused ? Sql.ts(now) : null);
        ps.setObject(3, Sql.ts(now));
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('courier_control', ?)")) {
        ps.setString(1, (paused ? "pause:" : "resume:") + queue);
        ps.execute();
      }
      return null;
    });
  }

  public Set<String> queuePausedNames() throws SQLException {
    Set<String> paused = new HashSet<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT name FROM courier_queue WHERE paused_at IS NOT NULL");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        paused.add(rs.getString(1));
      }
    }
    return paused;
  }

  public Set<String> queueKnownNames() throws SQLException {
    Set<String> names = new HashSet<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT name FROM courier_queue");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
