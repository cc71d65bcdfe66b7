package dev.courier.whatsapp.simulator;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Owns the simulator's tables: its call counter per instance and its outbox. */
public final class SimulatorStore {
  /** One message the simulator accepted. */
  public record OutboxEntry(long seq, String messageId, String to, String type, Instant acceptedAt, String providerMessageId) {}

  /** The simulator's state after counting one more call. */
  public record Call(long n, Instant disconnectedUntil, int throttledCalls) {}

  private final DataSource dataSource;

  public SimulatorStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Counts a call and locks the instance's simulator state for the rest of the transaction. */
  public Call callNext(Connection c, String instanceId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        """
        INSERT INTO courier_simulator_state AS s (instance_id, calls) VALUES (?, 1)
        ON CONFLICT (instance_id) DO UPDATE SET calls = s.calls + 1
        RETURNING calls, disconnected_until, throttled_calls
        """)) {
      ps.setString(1, instanceId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Timestamp until = rs.getTimestamp(2);
        return new Call(rs.getLong(1), until == null ? null : until.toInstant(), rs.getInt(3));
      }
    }
  }

  public void stateSet(Connection c, String instanceId, Instant disconnectedUntil, int throttledCalls) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE courier_simulator_state SET disconnected_until = ?, throttled_calls = ? WHERE instance_id = ?")) {
      ps.setTimestamp(1, disconnectedUntil == null ? null : Timestamp.from(disconnectedUntil));
      ps.setInt(2, throttledCalls);
      ps.setString(3, instanceId);
      ps.executeUpdate();
    }
  }

  public void outboxInsert(Connection c, String instanceId, String messageId, String to, String type, Instant at,
      String providerMessageId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO courier_simulator_outbox (instance_id, message_id, recipient, type, accepted_at, provider_message_id)"
            + " VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, instanceId);
      ps.setString(2, messageId);
      ps.setString(3, to);
      ps.setString(4, type);
      ps.setTimestamp(5, Timestamp.from(at));
      ps.setString(6, providerMessageId);
      ps.executeUpdate();
    }
  }

  /** Outbox entries of an instance after {@code afterSeq}, in the order they were accepted. */
  public List<OutboxEntry> outboxList(String instanceId, long afterSeq, int limit) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT seq, message_id, recipient, type, accepted_at, provider_message_id FROM courier_simulator_outbox"
                + " WHERE instance_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
      ps.setString(1, instanceId);
      ps.setLong(2, afterSeq);
      ps.setInt(3, limit);
      List<OutboxEntry> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getTimestamp(5).toInstant(), rs.getString(6)));
        }
      }
      return out;
    }
  }
}
