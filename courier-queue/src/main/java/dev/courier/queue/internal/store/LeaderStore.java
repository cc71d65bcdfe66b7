package dev.courier.queue.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/** Owns {@code courier_leader}: one row per database naming the leader until it expires. */
public final class LeaderStore {
  // Take the row when it is free or expired, or renew it when it is ours; otherwise change nothing.
  private static final String ELECT =
      """
      INSERT INTO courier_leader (name, leader_id, elected_at, expires_at) VALUES ('default', ?, ?, ?)
      ON CONFLICT (name) DO UPDATE
        SET leader_id = excluded.leader_id,
            elected_at = CASE WHEN courier_leader.leader_id = excluded.leader_id
                              THEN courier_leader.elected_at ELSE excluded.elected_at END,
            expires_at = excluded.expires_at
        WHERE courier_leader.leader_id = excluded.leader_id OR courier_leader.expires_at < ?
      RETURNING leader_id
      """;

  private final DataSource dataSource;

  public LeaderStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Tries to become (or stay) leader until {@code now + ttl}; true when this node leads. */
  public boolean leaderTryElect(String node, Instant now, Duration ttl) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(ELECT)) {
      ps.setString(1, node);
      ps.setObject(2, Sql.ts(now));
      ps.setObject(3, Sql.ts(now.plus(ttl)));
      ps.setObject(4, Sql.ts(now));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && node.equals(rs.getString(1));
      }
    }
  }

  /** Gives up leadership so another node takes over at its next attempt. */
  public void leaderResign(String node) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM courier_leader WHERE leader_id = ?")) {
      ps.setString(1, node);
      ps.executeUpdate();
    }
  }
}
