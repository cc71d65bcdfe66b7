package dev.courier.whatsapp.simulator;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/** Owns the simulator's tables: its call counter per instance and its outbox. */
public final class SimulatorStore {
  /** One message the simulator accepted. */
  public record OutboxEntry(long seq, String messageId, String to, String type, Instant acceptedAt, String providerMessageId) {}

  /**
   * The simulator's state after counting one more call.
   *
   * @param throttled true when this call took one of the throttled calls left by a burst
   */
  public record Call(long n, Instant disconnectedUntil, boolean throttled) {}

  /** Call numbers taken from the counter at once for instances whose outcomes do not depend on them. */
  static final int CALL_BLOCK = 100;

  /** Numbers reserved by this node and not handed out yet, [next, end). */
  private static final class CallBlock {
    final ReentrantLock lock = new ReentrantLock(); // not synchronized: held across a database call
    long next;
    long end;
  }

  private final DataSource dataSource;
  private final ConcurrentHashMap<String, CallBlock> callBlocks = new ConcurrentHashMap<>();

  public SimulatorStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * A call number for an instance that draws no outcome and keeps no throttle or disconnect state
   * (all rates zero): the number only names the provider message id, so this node reserves them
   * {@value #CALL_BLOCK} at a time with one counter update instead of one per call (at 1,000
   * chats that update was a sixth of the database's time per message). Numbers stay unique across
   * nodes and restarts; a block left unused when the node stops is skipped. The counter's stored
   * disconnected period and throttle tokens are not read: an instance switched to zero rates in the
   * middle of a simulated disconnect or throttled burst ends it at once (and a seeded sequence is
   * reproducible for one configuration, not across such a switch).
   */
  public long reservedCall(String instanceId) throws SQLException {
    CallBlock b = callBlocks.computeIfAbsent(instanceId, k -> new CallBlock());
    b.lock.lock();
    try {
      if (b.next >= b.end) {
        long last = bump(instanceId, CALL_BLOCK);
        b.next = last - CALL_BLOCK + 1;
        b.end = last + 1;
      }
      return b.next++;
    } finally {
      b.lock.unlock();
    }
  }

  /**
   * Adds {@code by} calls to the counter and returns the new count. Committed durably whatever the
   * connection's default, unlike {@link #callNext}: this node keeps handing out the block after the
   * commit, also across a restart of the database server, so the reservation must not be lost in
   * one.
   */
  private long bump(String instanceId, int by) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            """
            WITH durable AS (SELECT set_config('synchronous_commit', 'on', true))
            INSERT INTO courier_simulator_state AS s (instance_id, calls) SELECT ?, ? FROM durable
            ON CONFLICT (instance_id) DO UPDATE SET calls = s.calls + excluded.calls
            RETURNING calls
            """)) {
      ps.setString(1, instanceId);
      ps.setInt(2, by);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * Counts a call in a transaction of its own, committed without waiting for its flush: the
   * counter row is then locked for microseconds, not through every send's durable commit (which
   * made one number's sends run one fsync at a time). A crash can lose only increments that no
   * durable send used yet: the send's own commit, later in the log, flushes the increment with it.
   * A call at a time the instance is disconnected takes no throttle token.
   */
  public Call callNext(String instanceId, Instant now) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      long n;
      Instant until;
      int tokens;
      try (PreparedStatement ps = c.prepareStatement(
          """
          WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
          INSERT INTO courier_simulator_state AS s (instance_id, calls) SELECT ?, 1 FROM relaxed
          ON CONFLICT (instance_id) DO UPDATE SET calls = s.calls + 1
          RETURNING calls, disconnected_until, throttled_calls
          """)) {
        ps.setString(1, instanceId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          Timestamp t = rs.getTimestamp(2);
          n = rs.getLong(1);
          until = t == null ? null : t.toInstant();
          tokens = rs.getInt(3);
        }
      }
      boolean disconnected = until != null && until.isAfter(now);
      if (tokens <= 0 || disconnected) {
        return new Call(n, until, false);
      }
      try (PreparedStatement ps = c.prepareStatement(
          """
          WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
          UPDATE courier_simulator_state SET throttled_calls = throttled_calls - 1
          FROM relaxed WHERE instance_id = ? AND throttled_calls > 0
          """)) {
        ps.setString(1, instanceId);
        return new Call(n, until, ps.executeUpdate() == 1);
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
