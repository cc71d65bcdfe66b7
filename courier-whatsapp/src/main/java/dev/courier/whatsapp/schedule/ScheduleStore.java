package dev.courier.whatsapp.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The SQL of schedules and their occurrence guards ({@code courier_schedule}, {@code courier_schedule_occurrence}). */
public final class ScheduleStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      """
      id, organization_id, instance_id, name, status, template, recipients, run_at, cron, time_zone, end_at, next_at,
      last_occurrence_at, created_at, updated_at
      """;

  /** One occurrence's guard row. */
  public record Occurrence(Instant at, String outcome, List<String> messageIds, Instant createdAt) {}

  private final DataSource dataSource;

  public ScheduleStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void scheduleInsert(Connection c, Schedule s) throws SQLException {
    String sql =
        """
        INSERT INTO courier_schedule (id, organization_id, instance_id, name, status, template, recipients, run_at, cron,
          time_zone, end_at, next_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, s.id());
      ps.setString(2, s.organizationId());
      ps.setString(3, s.instanceId());
      ps.setString(4, s.name());
      ps.setString(5, s.status());
      ps.setString(6, s.template().toString());
      ps.setString(7, s.recipients().toString());
      ps.setTimestamp(8, ts(s.runAt()));
      ps.setString(9, s.cron());
      ps.setString(10, s.timeZone().getId());
      ps.setTimestamp(11, ts(s.endAt()));
      ps.setTimestamp(12, ts(s.nextAt()));
      ps.setTimestamp(13, ts(s.createdAt()));
      ps.setTimestamp(14, ts(s.createdAt()));
      ps.executeUpdate();
    }
  }

  public Optional<Schedule> scheduleGet(String id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM courier_schedule WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /** An organization's schedules (deleted ones left out), newest first, ids before {@code beforeId}. */
  public List<Schedule> scheduleList(String organizationId, String beforeId, int limit) throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_schedule WHERE organization_id = ? AND status <> 'deleted'"
        + " AND (?::text IS NULL OR id < ?) ORDER BY id DESC LIMIT ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, organizationId);
      ps.setString(2, beforeId);
      ps.setString(3, beforeId);
      ps.setInt(4, limit);
      List<Schedule> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    }
  }

  /** The active schedule due earliest by {@code now}, locked; schedules another node holds are skipped. */
  public Optional<Schedule> scheduleLockDue(Connection c, Instant now) throws SQLException {
    String sql = "SELECT " + COLUMNS + " FROM courier_schedule WHERE status = 'active' AND next_at <= ?"
        + " ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, ts(now));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /** Sets the status when it is one of {@code from}; false otherwise. */
  public boolean scheduleSetStatus(Connection c, String id, List<String> from, String to, Instant now)
      throws SQLException {
    String sql = "UPDATE courier_schedule SET status = ?, updated_at = ? WHERE id = ? AND status = ANY(?)";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, to);
      ps.setTimestamp(2, ts(now));
      ps.setString(3, id);
      ps.setArray(4, c.createArrayOf("text", from.toArray()));
      return ps.executeUpdate() == 1;
    }
  }

  /** Moves the schedule past an occurrence: its next one (null: none, and the status given). */
  public void scheduleAdvance(Connection c, String id, Instant occurrence, Instant next, String status, Instant now)
      throws SQLException {
    String sql = "UPDATE courier_schedule SET next_at = ?, last_occurrence_at = ?, status = ?, updated_at = ? WHERE id = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, ts(next));
      ps.setTimestamp(2, ts(occurrence));
      ps.setString(3, status);
      ps.setTimestamp(4, ts(now));
      ps.setString(5, id);
      ps.executeUpdate();
    }
  }

  /** Claims an occurrence; false when it was claimed before (it must not be sent again). */
  public boolean occurrenceInsert(Connection c, String scheduleId, Instant at, String outcome, Instant now)
      throws SQLException {
    String sql =
        """
        INSERT INTO courier_schedule_occurrence (schedule_id, occurrence_at, outcome, message_ids, created_at)
        VALUES (?, ?, ?, '{}', ?) ON CONFLICT DO NOTHING
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, scheduleId);
      ps.setTimestamp(2, ts(at));
      ps.setString(3, outcome);
      ps.setTimestamp(4, ts(now));
      return ps.executeUpdate() == 1;
    }
  }

  public void occurrenceSetMessages(Connection c, String scheduleId, Instant at, List<String> messageIds)
      throws SQLException {
    String sql = "UPDATE courier_schedule_occurrence SET message_ids = ? WHERE schedule_id = ? AND occurrence_at = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("text", messageIds.toArray()));
      ps.setString(2, scheduleId);
      ps.setTimestamp(3, ts(at));
      ps.executeUpdate();
    }
  }

  /** The latest occurrences of a schedule, newest first. */
  public List<Occurrence> occurrenceList(String scheduleId, int limit) throws SQLException {
    String sql = "SELECT occurrence_at, outcome, message_ids, created_at FROM courier_schedule_occurrence"
        + " WHERE schedule_id = ? ORDER BY occurrence_at DESC LIMIT ?";
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, scheduleId);
      ps.setInt(2, limit);
      List<Occurrence> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Occurrence(rs.getTimestamp(1).toInstant(), rs.getString(2),
              List.of((String[]) rs.getArray(3).getArray()), rs.getTimestamp(4).toInstant()));
        }
      }
      return out;
    }
  }

  private static Schedule read(ResultSet rs) throws SQLException {
    try {
      return new Schedule(rs.getString("id"), rs.getString("organization_id"), rs.getString("instance_id"),
          rs.getString("name"), rs.getString("status"), (ObjectNode) JSON.readTree(rs.getString("template")),
          (ArrayNode) JSON.readTree(rs.getString("recipients")), instant(rs.getTimestamp("run_at")), rs.getString("cron"),
          ZoneId.of(rs.getString("time_zone")), instant(rs.getTimestamp("end_at")), instant(rs.getTimestamp("next_at")),
          instant(rs.getTimestamp("last_occurrence_at")), instant(rs.getTimestamp("created_at")),
          instant(rs.getTimestamp("updated_at")));
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
