package dev.courier.whatsapp.instance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.whatsapp.validation.FieldReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/** Owns {@code courier_instance}. */
public final class InstanceStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      """
      id, organization_id, name, provider, settings, default_region, time_zone, ordering, order_release,
      extract(epoch FROM order_release_timeout) * 1000 AS release_ms, limits,
      extract(epoch FROM typing) * 1000 AS typing_ms, extract(epoch FROM in_doubt_window) * 1000 AS in_doubt_ms,
      in_doubt_policy, state, state_reason, state_changed_at, phone_number_id, created_at, updated_at
      """;
  private static final String INSERT =
      """
      INSERT INTO courier_instance (id, organization_id, name, provider, settings, default_region, time_zone,
          ordering, order_release, order_release_timeout, limits, typing, in_doubt_window, in_doubt_policy,
          state, state_changed_at, phone_number_id, created_at, updated_at, idempotency_key, request_hash)
      VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ? * interval '1 millisecond', ?::jsonb, ? * interval '1 millisecond',
          ? * interval '1 millisecond', ?, ?, ?, ?, ?, ?, ?, ?)
      """;
  private static final String BY_ID = "SELECT " + COLUMNS + " FROM courier_instance WHERE id = ? AND deleted_at IS NULL";
  private static final String BY_ORG_ID =
      "SELECT " + COLUMNS + " FROM courier_instance WHERE id = ? AND organization_id = ? AND deleted_at IS NULL";
  private static final String BY_PHONE_NUMBER_ID =
      "SELECT " + COLUMNS + " FROM courier_instance WHERE organization_id = ? AND phone_number_id = ? AND deleted_at IS NULL";
  private static final String LIST =
      "SELECT " + COLUMNS + " FROM courier_instance WHERE organization_id = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?";
  private static final String BY_ORG_ID_ANY =
      "SELECT " + COLUMNS + " FROM courier_instance WHERE id = ? AND organization_id = ?";
  private static final String LOCK =
      "SELECT " + COLUMNS + " FROM courier_instance WHERE id = ? AND organization_id = ? AND deleted_at IS NULL FOR UPDATE";
  private static final String UPDATE =
      """
      UPDATE courier_instance SET name = ?, settings = ?::jsonb, default_region = ?, time_zone = ?, ordering = ?,
          order_release = ?, order_release_timeout = ? * interval '1 millisecond', limits = ?::jsonb,
          typing = ? * interval '1 millisecond', in_doubt_window = ? * interval '1 millisecond', in_doubt_policy = ?,
          phone_number_id = ?, updated_at = ?
      WHERE id = ? AND deleted_at IS NULL
      """;
  private static final String SET_STATE =
      """
      UPDATE courier_instance SET state = ?, state_reason = ?, state_changed_at = ?, updated_at = ?
      WHERE id = ? AND state IS DISTINCT FROM ? AND deleted_at IS NULL
      """;

  private final DataSource dataSource;

  /** An instance with its limits as the user gave them (the stored {@code limits} column). */
  public record Stored(Instance instance, ObjectNode userLimits) {}

  public InstanceStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** An instance created with an Idempotency-Key, and the hash of the request that created it. */
  public record Keyed(Instance instance, String requestHash) {}

  public Optional<Keyed> instanceByIdempotencyKey(String organizationId, String key) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", request_hash FROM courier_instance"
            + " WHERE organization_id = ? AND idempotency_key = ?")) {
      ps.setString(1, organizationId);
      ps.setString(2, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new Keyed(read(rs), rs.getString("request_hash"))) : Optional.empty();
      }
    }
  }

  public void instanceInsert(Connection conn, Instance i, ObjectNode userLimits, String idempotencyKey,
      String requestHash) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(INSERT)) {
      ps.setString(1, i.id());
      ps.setString(2, i.organizationId());
      ps.setString(3, i.name());
      ps.setString(4, i.provider().text());
      ps.setString(5, i.settings().toString());
      ps.setString(6, i.defaultRegion());
      ps.setString(7, i.timeZone().getId());
      ps.setString(8, i.ordering());
      ps.setString(9, i.orderRelease());
      ps.setLong(10, i.orderReleaseTimeout().toMillis());
      ps.setString(11, userLimits.toString());
      ps.setObject(12, i.typing() == null ? null : i.typing().toMillis());
      ps.setLong(13, i.inDoubtWindow().toMillis());
      ps.setString(14, i.inDoubtPolicy());
      ps.setString(15, i.state().text());
      ps.setTimestamp(16, Timestamp.from(i.stateChangedAt()));
      ps.setString(17, i.phoneNumberId());
      ps.setTimestamp(18, Timestamp.from(i.createdAt()));
      ps.setTimestamp(19, Timestamp.from(i.updatedAt()));
      ps.setString(20, idempotencyKey);
      ps.setString(21, requestHash);
      ps.executeUpdate();
    }
  }

  /** An instance of any organization (workers and provider callbacks). */
  public Optional<Instance> instanceGet(String id) throws SQLException {
    return one(BY_ID, id);
  }

  /** An instance, only when it belongs to {@code organizationId}. */
  public Optional<Instance> instanceGet(String organizationId, String id) throws SQLException {
    return one(BY_ORG_ID, id, organizationId);
  }

  /** The live instances of {@code organizationId} among {@code ids}, by id (one statement). */
  public Map<String, Instance> instancesGet(String organizationId, Collection<String> ids) throws SQLException {
    Map<String, Instance> out = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
            + " FROM courier_instance WHERE id = ANY (?) AND organization_id = ? AND deleted_at IS NULL")) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      ps.setString(2, organizationId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Instance i = read(rs);
          out.put(i.id(), i);
        }
      }
    }
    return out;
  }

  /** An instance of {@code organizationId}, deleted or not (for filters over old messages). */
  public Optional<Instance> instanceGetIncludingDeleted(String organizationId, String id) throws SQLException {
    return one(BY_ORG_ID_ANY, id, organizationId);
  }

  /**
   * Locks a live instance of {@code organizationId} for an update or a delete, inside the caller's
   * transaction. The row lock also waits for, and then blocks, transactions accepting messages for it
   * ({@link #instancesLockLive}).
   */
  public Optional<Stored> instanceLock(Connection c, String organizationId, String id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(LOCK)) {
      ps.setString(1, id);
      ps.setString(2, organizationId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        try {
          return Optional.of(new Stored(read(rs), (ObjectNode) JSON.readTree(rs.getString("limits"))));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException("stored limits of instance " + id + " are not JSON", e);
        }
      }
    }
  }

  /**
   * Of {@code ids}, those still live, with the {@code updatedAt} of each, share-locked until the
   * caller's transaction ends: a message accepted in that transaction cannot race a delete or an
   * update of its instance (both lock the row {@code FOR UPDATE} and wait; or they committed first,
   * and the instance is not returned, or with its new {@code updatedAt}).
   */
  public Map<String, Instant> instancesLockLive(Connection c, Collection<String> ids) throws SQLException {
    Map<String, Instant> live = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT id, updated_at FROM courier_instance WHERE id = ANY (?) AND deleted_at IS NULL ORDER BY id FOR KEY SHARE")) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          live.put(rs.getString(1), rs.getTimestamp(2).toInstant());
        }
      }
    }
    return live;
  }

  /** Writes every editable column of a live instance (the caller locked it). */
  public void instanceUpdate(Connection c, Instance i, ObjectNode userLimits) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
      ps.setString(1, i.name());
      ps.setString(2, i.settings().toString());
      ps.setString(3, i.defaultRegion());
      ps.setString(4, i.timeZone().getId());
      ps.setString(5, i.ordering());
      ps.setString(6, i.orderRelease());
      ps.setLong(7, i.orderReleaseTimeout().toMillis());
      ps.setString(8, userLimits.toString());
      ps.setObject(9, i.typing() == null ? null : i.typing().toMillis(), Types.BIGINT);
      ps.setLong(10, i.inDoubtWindow().toMillis());
      ps.setString(11, i.inDoubtPolicy());
      ps.setString(12, i.phoneNumberId());
      ps.setTimestamp(13, Timestamp.from(i.updatedAt()));
      ps.setString(14, i.id());
      ps.executeUpdate();
    }
  }

  /** Soft-deletes a live instance: it disappears from every read but its messages keep their history. */
  public boolean instanceMarkDeleted(Connection c, String id, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE courier_instance SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL")) {
      ps.setTimestamp(1, Timestamp.from(now));
      ps.setTimestamp(2, Timestamp.from(now));
      ps.setString(3, id);
      return ps.executeUpdate() == 1;
    }
  }

  public Optional<Instance> instanceByPhoneNumberId(String organizationId, String phoneNumberId) throws SQLException {
    return one(BY_PHONE_NUMBER_ID, organizationId, phoneNumberId);
  }

  public List<Instance> instanceList(String organizationId, String afterId, int limit) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(LIST)) {
      ps.setString(1, organizationId);
      ps.setString(2, afterId == null ? "" : afterId);
      ps.setInt(3, limit);
      List<Instance> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    }
  }

  /** Organizations that have at least one instance. */
  public List<String> organizationsWithInstances() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT DISTINCT organization_id FROM courier_instance WHERE deleted_at IS NULL ORDER BY 1");
        ResultSet rs = ps.executeQuery()) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  /** Sets the state; false when it already was that (nothing changed). */
  public boolean instanceSetState(Connection conn, String id, InstanceState state, String reason, Instant now)
      throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(SET_STATE)) {
      ps.setString(1, state.text());
      ps.setString(2, reason);
      ps.setTimestamp(3, Timestamp.from(now));
      ps.setTimestamp(4, Timestamp.from(now));
      ps.setString(5, id);
      ps.setString(6, state.text());
      return ps.executeUpdate() == 1;
    }
  }

  private Optional<Instance> one(String sql, String... params) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  private static Instance read(ResultSet rs) throws SQLException {
    try {
      ProviderKind provider = ProviderKind.of(rs.getString("provider")).orElseThrow();
      ZoneId zone = ZoneId.of(rs.getString("time_zone"));
      ObjectNode userLimits = (ObjectNode) JSON.readTree(rs.getString("limits"));
      FieldReader r = new FieldReader();
      InstanceLimits limits = InstanceLimits.parse(InstanceLimits.merge(provider, zone, userLimits), "limits", r);
      if (!r.ok()) {
        throw new IllegalStateException("stored limits of instance " + rs.getString("id") + " are invalid: " + r.errors());
      }
      double typingMs = rs.getDouble("typing_ms");
      Duration typing = rs.wasNull() ? null : Duration.ofMillis(Math.round(typingMs));
      return new Instance(
          rs.getString("id"),
          rs.getString("organization_id"),
          rs.getString("name"),
          provider,
          (ObjectNode) JSON.readTree(rs.getString("settings")),
          rs.getString("default_region"),
          zone,
          rs.getString("ordering"),
          rs.getString("order_release"),
          Duration.ofMillis(Math.round(rs.getDouble("release_ms"))),
          limits,
          typing,
          Duration.ofMillis(Math.round(rs.getDouble("in_doubt_ms"))),
          rs.getString("in_doubt_policy"),
          InstanceState.of(rs.getString("state")),
          rs.getString("state_reason"),
          rs.getTimestamp("state_changed_at").toInstant(),
          rs.getString("phone_number_id"),
          rs.getTimestamp("created_at").toInstant(),
          rs.getTimestamp("updated_at").toInstant());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored JSON of instance " + rs.getString("id") + " is not JSON", e);
    }
  }
}
