package dev.courier.whatsapp.inbound;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** Owns {@code courier_contact} and {@code courier_inbound_message}. */
public final class ContactStore {
  /** Stores an inbound message once (a replayed callback changes nothing); true when it was new. */
  public boolean inboundInsert(Connection c, String id, String instanceId, InboundMessage m, Instant receivedAt)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        """
        INSERT INTO courier_inbound_message (id, instance_id, provider_message_id, contact_key, sender, type, content,
            reply_to, sent_at, received_at)
        VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)
        ON CONFLICT (instance_id, provider_message_id) DO NOTHING
        """)) {
      ps.setString(1, id);
      ps.setString(2, instanceId);
      ps.setString(3, m.providerMessageId());
      ps.setString(4, m.contactKey());
      ps.setString(5, m.from());
      ps.setString(6, m.type() == null ? "unknown" : m.type());
      ps.setString(7, m.content() == null ? "{}" : m.content().toString());
      ps.setString(8, m.replyTo());
      ps.setTimestamp(9, Timestamp.from(m.at() == null ? receivedAt : m.at()));
      ps.setTimestamp(10, Timestamp.from(receivedAt));
      return ps.executeUpdate() == 1;
    }
  }

  /** Creates or refreshes the sender's contact, remembering its latest inbound message. */
  public void contactUpsert(Connection c, String instanceId, InboundMessage m) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        """
        INSERT INTO courier_contact AS k (instance_id, contact_key, phone, user_id, parent_user_id, profile_name,
            last_inbound_id, last_inbound_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (instance_id, contact_key) DO UPDATE SET
          phone = coalesce(excluded.phone, k.phone),
          user_id = coalesce(excluded.user_id, k.user_id),
          parent_user_id = coalesce(excluded.parent_user_id, k.parent_user_id),
          profile_name = coalesce(excluded.profile_name, k.profile_name),
          last_inbound_id = CASE WHEN k.last_inbound_at IS NULL OR excluded.last_inbound_at >= k.last_inbound_at
                                 THEN excluded.last_inbound_id ELSE k.last_inbound_id END,
          last_inbound_at = greatest(k.last_inbound_at, excluded.last_inbound_at)
        """)) {
      ps.setString(1, instanceId);
      ps.setString(2, m.contactKey());
      ps.setString(3, m.from());
      ps.setString(4, m.userId());
      ps.setString(5, m.parentUserId());
      ps.setString(6, m.profileName());
      ps.setString(7, m.providerMessageId());
      ps.setTimestamp(8, m.at() == null ? null : Timestamp.from(m.at()));
      ps.executeUpdate();
    }
  }

  /** The provider id of the latest message {@code phone} sent this number since {@code since}. */
  public Optional<String> latestInboundId(Connection c, String instanceId, String phone, Instant since) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT last_inbound_id FROM courier_contact WHERE instance_id = ? AND phone = ? AND last_inbound_at > ?"
            + " ORDER BY last_inbound_at DESC LIMIT 1")) {
      ps.setString(1, instanceId);
      ps.setString(2, phone);
      ps.setTimestamp(3, Timestamp.from(since));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
      }
    }
  }
}
