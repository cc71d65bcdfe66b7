package dev.courier.server.auth;

import dev.courier.server.config.ConfigException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** All SQL for organizations and API keys. */
public final class ApiKeyStore {
  public static final String DEFAULT_ORGANIZATION = "org_default";

  /** Serializes admin key bootstrap between nodes that start at once, and admin key revocations. */
  private static final long ADMIN_KEYS_LOCK = 0x636f7572_6b657973L;

  private static final String KEY_COLUMNS =
      "id, organization_id, name, prefix, is_admin, created_at, last_used_at, revoked_at";
  private static final String ORGANIZATION_COLUMNS = "id, name, plan, created_at";

  private final DataSource dataSource;

  public ApiKeyStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A key that authenticated a request. */
  public record ApiKey(String id, String organizationId, String name, String prefix, boolean admin) {}

  /** A key as listings show it: never its text or hash. */
  public record KeyRecord(
      String id,
      String organizationId,
      String name,
      String prefix,
      boolean admin,
      Instant createdAt,
      Instant lastUsedAt,
      Instant revokedAt) {}

  /** An organization. */
  public record Organization(String id, String name, String plan, Instant createdAt) {}

  /** A row created with an idempotency key, and the hash of the request that created it. */
  public record Stamped<T>(T value, String requestHash) {}

  /** A position in a listing ordered by (created_at, id). */
  public record After(Instant createdAt, String id) {}

  /** What {@link #bootstrapAdminKey} did. */
  public record Bootstrap(Optional<String> generatedKey, String keyId) {}

  /**
   * Makes sure an admin key exists. With {@code configuredKey}, its hash is stored (once) as the
   * admin key named {@code COURIER_API_KEY}. Without it, an admin key is generated only if the
   * organization has no live admin key, and returned so the caller can show it once.
   *
   * @throws ConfigException when the configured key was revoked: it is not brought back to life
   */
  public Bootstrap bootstrapAdminKey(Optional<String> configuredKey) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        lockAdminKeys(c);
        Bootstrap result;
        if (configuredKey.isPresent()) {
          String key = configuredKey.get();
          Optional<KeyRecord> existing = findAnyByHash(c, ApiKeys.hash(key));
          if (existing.isPresent() && existing.get().revokedAt() != null) {
            throw new ConfigException(
                "COURIER_API_KEY=****: this key was revoked (" + existing.get().id()
                    + "); set a new key, or leave it unset to use the other admin keys");
          }
          String id =
              existing.isPresent()
                  ? existing.get().id()
                  : insertKey(c, DEFAULT_ORGANIZATION, "COURIER_API_KEY", key, true, null, null).id();
          result = new Bootstrap(Optional.empty(), id);
        } else {
          Optional<String> existingAdmin = liveAdminKeyId(c);
          if (existingAdmin.isPresent()) {
            result = new Bootstrap(Optional.empty(), existingAdmin.get());
          } else {
            String key = ApiKeys.generate();
            result = new Bootstrap(
                Optional.of(key), insertKey(c, DEFAULT_ORGANIZATION, "admin", key, true, null, null).id());
          }
        }
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** The live (not revoked) key with this text, if any. */
  public Optional<ApiKey> authenticate(String key) throws SQLException {
    return authenticateHash(ApiKeys.hash(key));
  }

  /** The live (not revoked) key with this SHA-256 hash, if any. */
  public Optional<ApiKey> authenticateHash(byte[] hash) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return findAnyByHash(c, hash)
          .filter(k -> k.revokedAt() == null)
          .map(k -> new ApiKey(k.id(), k.organizationId(), k.name(), k.prefix(), k.admin()));
    }
  }

  /**
   * Records that a key was used, unless it was recorded less than {@code resolution} ago (by any
   * node), so that a busy key does not write its row on every request.
   */
  public void touch(String keyId, Duration resolution) throws SQLException {
    String sql =
        """
        UPDATE courier_api_key
           SET last_used_at = now()
         WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => ?))
        """;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, keyId);
      ps.setDouble(2, resolution.toMillis() / 1000.0);
      ps.executeUpdate();
    }
  }

  // Organizations.

  public Optional<Organization> organization(String id) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return organization(c, id);
    }
  }

  /** Organizations in creation order, after {@code after} (null: from the first). */
  public List<Organization> organizations(After after, int limit) throws SQLException {
    String sql =
        "SELECT " + ORGANIZATION_COLUMNS + " FROM courier_organization"
            + (after == null ? "" : " WHERE (created_at, id) > (?, ?)")
            + " ORDER BY created_at, id LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      if (after != null) {
        ps.setObject(i++, OffsetDateTime.ofInstant(after.createdAt(), ZoneOffset.UTC));
        ps.setString(i++, after.id());
      }
      ps.setInt(i, limit);
      List<Organization> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(organization(rs));
        }
      }
      return out;
    }
  }

  /** The organization {@code creatorOrganizationId} created with this idempotency key, if any. */
  public Optional<Stamped<Organization>> organizationByIdempotencyKey(
      String creatorOrganizationId, String idempotencyKey) throws SQLException {
    String sql =
        "SELECT " + ORGANIZATION_COLUMNS + ", request_hash FROM courier_organization"
            + " WHERE creator_organization_id = ? AND idempotency_key = ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, creatorOrganizationId);
      ps.setString(2, idempotencyKey);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new Stamped<>(organization(rs), rs.getString("request_hash"))) : Optional.empty();
      }
    }
  }

  /**
   * Inserts an organization.
   *
   * @throws SQLException with state 23505 when {@code idempotencyKey} was used already
   */
  public Organization insertOrganization(
      String creatorOrganizationId, String name, String plan, String idempotencyKey, String requestHash)
      throws SQLException {
    String sql =
        """
        INSERT INTO courier_organization (id, name, plan, creator_organization_id, idempotency_key, request_hash)
        VALUES (?, ?, ?, ?, ?, ?)
        RETURNING id, name, plan, created_at
        """;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, ApiKeys.newId("org"));
      ps.setString(2, name);
      ps.setString(3, plan);
      ps.setString(4, creatorOrganizationId);
      ps.setString(5, idempotencyKey);
      ps.setString(6, requestHash);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return organization(rs);
      }
    }
  }

  // Keys.

  public Optional<KeyRecord> key(String id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + KEY_COLUMNS + " FROM courier_api_key WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(keyRecord(rs)) : Optional.empty();
      }
    }
  }

  /** An organization's keys, revoked ones included, in creation order after {@code after}. */
  public List<KeyRecord> keys(String organizationId, After after, int limit) throws SQLException {
    String sql =
        "SELECT " + KEY_COLUMNS + " FROM courier_api_key WHERE organization_id = ?"
            + (after == null ? "" : " AND (created_at, id) > (?, ?)")
            + " ORDER BY created_at, id LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setString(i++, organizationId);
      if (after != null) {
        ps.setObject(i++, OffsetDateTime.ofInstant(after.createdAt(), ZoneOffset.UTC));
        ps.setString(i++, after.id());
      }
      ps.setInt(i, limit);
      List<KeyRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(keyRecord(rs));
        }
      }
      return out;
    }
  }

  /** The key created in {@code organizationId} with this idempotency key, if any. */
  public Optional<Stamped<KeyRecord>> keyByIdempotencyKey(String organizationId, String idempotencyKey)
      throws SQLException {
    String sql =
        "SELECT " + KEY_COLUMNS + ", request_hash FROM courier_api_key WHERE organization_id = ? AND idempotency_key = ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, organizationId);
      ps.setString(2, idempotencyKey);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new Stamped<>(keyRecord(rs), rs.getString("request_hash"))) : Optional.empty();
      }
    }
  }

  /**
   * Stores a new key's hash (never its text).
   *
   * @throws SQLException with state 23505 when {@code idempotencyKey} was used already in the organization
   */
  public KeyRecord insertKey(
      String organizationId, String name, String key, boolean admin, String idempotencyKey, String requestHash)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return insertKey(c, organizationId, name, key, admin, idempotencyKey, requestHash);
    }
  }

  /** What {@link #revoke} found. */
  public enum Revocation {
    REVOKED,
    ALREADY_REVOKED,
    LAST_ADMIN_KEY,
    NOT_FOUND
  }

  /**
   * Revokes a key. The last live admin key is never revoked (admin key changes are serialized
   * with bootstrap), so the admin always keeps a way in.
   */
  public Revocation revoke(String keyId) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Revocation r = revoke(c, keyId);
        c.commit();
        return r;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static Revocation revoke(Connection c, String keyId) throws SQLException {
    boolean admin;
    try (PreparedStatement ps = c.prepareStatement("SELECT is_admin, revoked_at FROM courier_api_key WHERE id = ?")) {
      ps.setString(1, keyId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Revocation.NOT_FOUND;
        }
        if (rs.getObject(2) != null) {
          return Revocation.ALREADY_REVOKED;
        }
        admin = rs.getBoolean(1);
      }
    }
    if (admin) {
      lockAdminKeys(c);
      String others =
          """
          SELECT count(*) FROM courier_api_key
           WHERE organization_id = ? AND is_admin AND revoked_at IS NULL AND id <> ?
          """;
      try (PreparedStatement ps = c.prepareStatement(others)) {
        ps.setString(1, DEFAULT_ORGANIZATION);
        ps.setString(2, keyId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return Revocation.LAST_ADMIN_KEY;
          }
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE courier_api_key SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL")) {
      ps.setString(1, keyId);
      return ps.executeUpdate() == 1 ? Revocation.REVOKED : Revocation.ALREADY_REVOKED;
    }
  }

  private static void lockAdminKeys(Connection c) throws SQLException {
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, ADMIN_KEYS_LOCK);
      lock.execute();
    }
  }

  private static Optional<String> liveAdminKeyId(Connection c) throws SQLException {
    String sql =
        """
        SELECT id
          FROM courier_api_key
         WHERE organization_id = ? AND is_admin AND revoked_at IS NULL
         ORDER BY created_at
         LIMIT 1
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, DEFAULT_ORGANIZATION);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  private static KeyRecord insertKey(
      Connection c, String organizationId, String name, String key, boolean admin, String idempotencyKey,
      String requestHash) throws SQLException {
    String sql =
        "INSERT INTO courier_api_key (id, organization_id, name, prefix, key_hash, is_admin, idempotency_key, request_hash)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + KEY_COLUMNS;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, ApiKeys.newId("key"));
      ps.setString(2, organizationId);
      ps.setString(3, name);
      ps.setString(4, ApiKeys.shownPrefix(key));
      ps.setBytes(5, ApiKeys.hash(key));
      ps.setBoolean(6, admin);
      ps.setString(7, idempotencyKey);
      ps.setString(8, requestHash);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return keyRecord(rs);
      }
    }
  }

  private static Optional<KeyRecord> findAnyByHash(Connection c, byte[] hash) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + KEY_COLUMNS + " FROM courier_api_key WHERE key_hash = ?")) {
      ps.setBytes(1, hash);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(keyRecord(rs)) : Optional.empty();
      }
    }
  }

  private static Optional<Organization> organization(Connection c, String id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + ORGANIZATION_COLUMNS + " FROM courier_organization WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(organization(rs)) : Optional.empty();
      }
    }
  }

  private static Organization organization(ResultSet rs) throws SQLException {
    return new Organization(
        rs.getString("id"), rs.getString("name"), rs.getString("plan"), instant(rs, "created_at"));
  }

  private static KeyRecord keyRecord(ResultSet rs) throws SQLException {
    return new KeyRecord(
        rs.getString("id"),
        rs.getString("organization_id"),
        rs.getString("name"),
        rs.getString("prefix"),
        rs.getBoolean("is_admin"),
        instant(rs, "created_at"),
        instant(rs, "last_used_at"),
        instant(rs, "revoked_at"));
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
