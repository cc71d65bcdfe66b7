package dev.courier.whatsapp.campaign;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** The SQL of campaigns and their recipients ({@code courier_campaign}, {@code courier_campaign_recipient}). */
public final class CampaignStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      """
      id, organization_id, instance_id, name, status, template, variables, priority, rate_count, rate_per_ms,
      start_at, cursor_seq, expanded_at, job_id, created_at, updated_at, started_at, finished_at
      """;

  /** A recipient not yet expanded. */
  public record PendingRecipient(long seq, String recipient, ObjectNode variables) {}

  /** A recipient with its message's status and times (status {@code pending} or {@code invalid} without one). */
  public record RecipientRow(long seq, String recipient, ObjectNode variables, String messageId, String status,
      String error, Instant createdAt, Instant sentAt, Instant deliveredAt, Instant readAt, Instant failedAt) {}

  /** A queued message of a campaign and its send job. */
  public record QueuedMessage(String messageId, Long jobId) {}

  private final DataSource dataSource;

  public CampaignStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void campaignInsert(Connection c, Campaign k) throws SQLException {
    String sql =
        """
        INSERT INTO courier_campaign (id, organization_id, instance_id, name, status, template, variables, priority,
          rate_count, rate_per_ms, start_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, k.id());
      ps.setString(2, k.organizationId());
      ps.setString(3, k.instanceId());
      ps.setString(4, k.name());
      ps.setString(5, k.status().text());
      ps.setString(6, k.template().toString());
      ps.setArray(7, c.createArrayOf("text", k.variables().toArray()));
      ps.setInt(8, k.priority());
      ps.setObject(9, k.rateCount(), Types.INTEGER);
      ps.setObject(10, k.ratePer() == null ? null : k.ratePer().toMillis(), Types.BIGINT);
      ps.setTimestamp(11, ts(k.startAt()));
      ps.setTimestamp(12, ts(k.createdAt()));
      ps.setTimestamp(13, ts(k.createdAt()));
      ps.executeUpdate();
    }
  }

  public Optional<Campaign> campaignGet(String id) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return campaignGet(c, id, false);
    }
  }

  /** The campaign, locked for the caller's transaction when {@code lock}. */
  public Optional<Campaign> campaignGet(Connection c, String id, boolean lock) throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_campaign WHERE id = ?" + (lock ? " FOR UPDATE" : "");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /** An organization's campaigns, newest first, with ids before {@code beforeId} (null: from the newest). */
  public List<Campaign> campaignList(String organizationId, String beforeId, int limit) throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_campaign WHERE organization_id = ?"
        + " AND (?::text IS NULL OR id < ?) ORDER BY id DESC LIMIT ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, organizationId);
      ps.setString(2, beforeId);
      ps.setString(3, beforeId);
      ps.setInt(4, limit);
      List<Campaign> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    }
  }

  /** Campaigns that are neither draft nor final (their limiters must exist). */
  public List<Campaign> campaignListActive() throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_campaign WHERE status IN ('scheduled', 'running', 'paused')";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      List<Campaign> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    }
  }

  /** Moves the campaign from one of {@code from} to {@code to}; false when it was in none of them. */
  public boolean campaignTransition(Connection c, String id, Collection<CampaignStatus> from, CampaignStatus to,
      Instant now) throws SQLException {
    String sql =
        """
        UPDATE courier_campaign SET status = ?, updated_at = ?,
          started_at = CASE WHEN ? IN ('scheduled', 'running') THEN coalesce(started_at, ?) ELSE started_at END,
          finished_at = CASE WHEN ? IN ('completed', 'cancelled') THEN ? ELSE finished_at END
        WHERE id = ? AND status = ANY(?)
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      String s = to.text();
      ps.setString(1, s);
      ps.setTimestamp(2, ts(now));
      ps.setString(3, s);
      ps.setTimestamp(4, ts(now));
      ps.setString(5, s);
      ps.setTimestamp(6, ts(now));
      ps.setString(7, id);
      ps.setArray(8, c.createArrayOf("text", from.stream().map(CampaignStatus::text).toArray()));
      return ps.executeUpdate() == 1;
    }
  }

  public void campaignSetJob(Connection c, String id, long jobId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE courier_campaign SET job_id = ? WHERE id = ?")) {
      ps.setLong(1, jobId);
      ps.setString(2, id);
      ps.executeUpdate();
    }
  }

  /** Records how far the expansion went (in the transaction of the batch's messages). */
  public void campaignAdvance(Connection c, String id, long cursorSeq, Instant expandedAt, Instant now)
      throws SQLException {
    String sql = "UPDATE courier_campaign SET cursor_seq = ?, expanded_at = ?, updated_at = ? WHERE id = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, cursorSeq);
      ps.setTimestamp(2, ts(expandedAt));
      ps.setTimestamp(3, ts(now));
      ps.setString(4, id);
      ps.executeUpdate();
    }
  }

  /**
   * Adds recipients in list order; a number the campaign already has is skipped. Returns how many
   * were added.
   */
  public int recipientInsertMany(Connection c, String campaignId, List<String> recipients, List<String> variablesJson)
      throws SQLException {
    if (recipients.isEmpty()) {
      return 0;
    }
    String sql =
        """
        INSERT INTO courier_campaign_recipient (campaign_id, recipient, variables)
        SELECT ?, t.r, t.v::jsonb FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(r, v, o) ORDER BY t.o
        ON CONFLICT (campaign_id, recipient) DO NOTHING
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      ps.setArray(2, c.createArrayOf("text", recipients.toArray()));
      ps.setArray(3, c.createArrayOf("text", variablesJson.toArray()));
      return ps.executeUpdate();
    }
  }

  /** The next recipients to expand, after {@code afterSeq}, in the order they were added. */
  public List<PendingRecipient> recipientNextBatch(Connection c, String campaignId, long afterSeq, int limit)
      throws SQLException {
    String sql =
        """
        SELECT seq, recipient, variables FROM courier_campaign_recipient
        WHERE campaign_id = ? AND seq > ? ORDER BY seq LIMIT ?
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      ps.setLong(2, afterSeq);
      ps.setInt(3, limit);
      List<PendingRecipient> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new PendingRecipient(rs.getLong(1), rs.getString(2), json(rs.getString(3))));
        }
      }
      return out;
    }
  }

  /**
   * Of the campaign's last {@code window} expanded recipients (up to {@code cursorSeq}), how many
   * messages are still queued: the part of the campaign waiting in the send queue.
   */
  public int campaignQueuedAhead(Connection c, String campaignId, long cursorSeq, int window) throws SQLException {
    String sql =
        """
        SELECT count(*) FROM (
          SELECT r.message_id FROM courier_campaign_recipient r
          WHERE r.campaign_id = ? AND r.seq <= ? AND r.message_id IS NOT NULL
          ORDER BY r.seq DESC LIMIT ?) x
        JOIN courier_message m ON m.id = x.message_id
        WHERE m.status = 'queued'
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      ps.setLong(2, cursorSeq);
      ps.setInt(3, window);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Records each expanded recipient's message id or error, in one statement. */
  public void recipientSetResults(Connection c, long[] seqs, String[] messageIds, String[] errors) throws SQLException {
    if (seqs.length == 0) {
      return;
    }
    String sql =
        """
        UPDATE courier_campaign_recipient r SET message_id = t.m, error = t.e
        FROM unnest(?::bigint[], ?::text[], ?::text[]) AS t(s, m, e) WHERE r.seq = t.s
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("bigint", Arrays.stream(seqs).boxed().toArray()));
      ps.setArray(2, c.createArrayOf("text", messageIds));
      ps.setArray(3, c.createArrayOf("text", errors));
      ps.executeUpdate();
    }
  }

  /**
   * Counts of a campaign: {@code total}, {@code pending} (not expanded), {@code invalid} (expanded
   * without a message), and one per message status.
   */
  public Map<String, Long> campaignCounts(String campaignId) throws SQLException {
    String sql =
        """
        SELECT CASE WHEN r.message_id IS NOT NULL THEN m.status WHEN r.error IS NOT NULL THEN 'invalid' ELSE 'pending' END,
               count(*)
        FROM courier_campaign_recipient r LEFT JOIN courier_message m ON m.id = r.message_id
        WHERE r.campaign_id = ? GROUP BY 1
        """;
    Map<String, Long> out = new LinkedHashMap<>();
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    return out;
  }

  /** How many of the campaign's messages the provider accepted since {@code since}. */
  public long campaignSentSince(String campaignId, Instant since) throws SQLException {
    String sql =
        """
        SELECT count(*) FROM courier_campaign_recipient r JOIN courier_message m ON m.id = r.message_id
        WHERE r.campaign_id = ? AND m.sent_at >= ?
        """;
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      ps.setTimestamp(2, ts(since));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Whether any message of the campaign is not final yet (queued, sending or in doubt). */
  public boolean campaignHasUnfinished(Connection c, String campaignId) throws SQLException {
    String sql =
        """
        SELECT EXISTS (SELECT 1 FROM courier_campaign_recipient r JOIN courier_message m ON m.id = r.message_id
                       WHERE r.campaign_id = ? AND m.status IN ('queued', 'sending', 'in_doubt'))
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Queued messages of the campaign, locked (skipping locked ones), for cancelling. */
  public List<QueuedMessage> campaignQueuedForCancel(Connection c, String campaignId, int limit) throws SQLException {
    String sql =
        """
        SELECT m.id, m.job_id FROM courier_campaign_recipient r JOIN courier_message m ON m.id = r.message_id
        WHERE r.campaign_id = ? AND m.status = 'queued' ORDER BY m.seq LIMIT ? FOR UPDATE OF m SKIP LOCKED
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      ps.setInt(2, limit);
      List<QueuedMessage> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long job = rs.getLong(2);
          out.add(new QueuedMessage(rs.getString(1), rs.wasNull() ? null : job));
        }
      }
      return out;
    }
  }

  /** The send jobs of the campaign's queued messages due by {@code now}, in the campaign's order. */
  public List<Long> campaignDueJobs(String campaignId, Instant now) throws SQLException {
    String sql =
        """
        SELECT m.job_id FROM courier_campaign_recipient r JOIN courier_message m ON m.id = r.message_id
        WHERE r.campaign_id = ? AND m.status = 'queued' AND m.scheduled_at <= ? AND m.job_id IS NOT NULL
        ORDER BY m.seq
        """;
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      ps.setTimestamp(2, ts(now));
      List<Long> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getLong(1));
        }
      }
      return out;
    }
  }

  /**
   * Recipients after {@code afterSeq} in the order they were added, with their message's status
   * ({@code status}: a message status, {@code pending} or {@code invalid}; null for all).
   */
  public List<RecipientRow> recipientList(String campaignId, String status, long afterSeq, int limit)
      throws SQLException {
    String sql =
        """
        SELECT r.seq, r.recipient, r.variables, r.message_id,
               CASE WHEN r.message_id IS NOT NULL THEN m.status WHEN r.error IS NOT NULL THEN 'invalid' ELSE 'pending' END,
               r.error, m.created_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at
        FROM courier_campaign_recipient r LEFT JOIN courier_message m ON m.id = r.message_id
        WHERE r.campaign_id = ? AND r.seq > ?
          AND (?::text IS NULL
               OR CASE WHEN r.message_id IS NOT NULL THEN m.status WHEN r.error IS NOT NULL THEN 'invalid' ELSE 'pending' END = ?)
        ORDER BY r.seq LIMIT ?
        """;
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, campaignId);
      ps.setLong(2, afterSeq);
      ps.setString(3, status);
      ps.setString(4, status);
      ps.setInt(5, limit);
      List<RecipientRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new RecipientRow(rs.getLong(1), rs.getString(2), json(rs.getString(3)), rs.getString(4),
              rs.getString(5), rs.getString(6), instant(rs.getTimestamp(7)), instant(rs.getTimestamp(8)),
              instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)), instant(rs.getTimestamp(11))));
        }
      }
      return out;
    }
  }

  private static Campaign read(ResultSet rs) throws SQLException {
    Array vars = rs.getArray("variables");
    int rateCount = rs.getInt("rate_count");
    Integer rate = rs.wasNull() ? null : rateCount;
    long perMs = rs.getLong("rate_per_ms");
    Duration per = rs.wasNull() ? null : Duration.ofMillis(perMs);
    long job = rs.getLong("job_id");
    Long jobId = rs.wasNull() ? null : job;
    return new Campaign(rs.getString("id"), rs.getString("organization_id"), rs.getString("instance_id"),
        rs.getString("name"), CampaignStatus.of(rs.getString("status")).orElseThrow(), json(rs.getString("template")),
        List.of((String[]) vars.getArray()), rs.getInt("priority"), rate, per, instant(rs.getTimestamp("start_at")),
        rs.getLong("cursor_seq"), instant(rs.getTimestamp("expanded_at")), jobId, instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("updated_at")), instant(rs.getTimestamp("started_at")),
        instant(rs.getTimestamp("finished_at")));
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON is invalid", e);
    }
  }

  private static Timestamp ts(Instant i) {
    return i == null ? null : Timestamp.from(i);
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
