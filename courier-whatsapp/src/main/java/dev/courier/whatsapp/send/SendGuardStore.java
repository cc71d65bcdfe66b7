package dev.courier.whatsapp.send;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Owns {@code courier_recipient_hold} and {@code courier_portfolio_recipient}: the two checks the
 * send worker makes itself because they are about recipients across numbers, not one number's pace.
 */
public final class SendGuardStore {
  static final Duration MESSAGING_LIMIT_PERIOD = Duration.ofHours(24);

  /** Until when template messages to {@code recipient} are held, if they are. */
  public Optional<Instant> holdUntil(Connection c, String instanceId, String recipient, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT until FROM courier_recipient_hold WHERE instance_id = ? AND recipient = ? AND until > ?")) {
      ps.setString(1, instanceId);
      ps.setString(2, recipient);
      ps.setTimestamp(3, Timestamp.from(now));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getTimestamp(1).toInstant()) : Optional.empty();
      }
    }
  }

  public void holdPut(Connection c, String instanceId, String recipient, Instant until, String reason) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO courier_recipient_hold (instance_id, recipient, until, reason) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT (instance_id, recipient) DO UPDATE SET until = excluded.until, reason = excluded.reason")) {
      ps.setString(1, instanceId);
      ps.setString(2, recipient);
      ps.setTimestamp(3, Timestamp.from(until));
      ps.setString(4, reason);
      ps.executeUpdate();
    }
  }

  /**
   * Counts {@code recipient} against a portfolio's messaging limit (unique recipients per rolling
   * 24 h). Returns empty when the message may go (the recipient is counted), or the time a slot
   * frees. Serialized per portfolio with a transaction-level advisory lock, so numbers of one
   * portfolio on several nodes never overshoot together.
   */
  public Optional<Instant> portfolioAdmit(Connection c, String portfolio, String recipient, int limit, Instant now)
      throws SQLException {
    Timestamp since = Timestamp.from(now.minus(MESSAGING_LIMIT_PERIOD));
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 7))")) {
      ps.setString(1, "portfolio:" + portfolio);
      ps.execute();
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM courier_portfolio_recipient WHERE portfolio = ? AND at <= ?")) {
      ps.setString(1, portfolio);
      ps.setTimestamp(2, since);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT count(*) FILTER (WHERE recipient = ?), count(*), min(at) FROM courier_portfolio_recipient WHERE portfolio = ?")) {
      ps.setString(1, recipient);
      ps.setString(2, portfolio);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(1) > 0) {
          return Optional.empty();
        }
        if (rs.getLong(2) >= limit) {
          return Optional.of(rs.getTimestamp(3).toInstant().plus(MESSAGING_LIMIT_PERIOD));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO courier_portfolio_recipient (portfolio, recipient, at) VALUES (?, ?, ?)")) {
      ps.setString(1, portfolio);
      ps.setString(2, recipient);
      ps.setTimestamp(3, Timestamp.from(now));
      ps.executeUpdate();
    }
    return Optional.empty();
  }
}
