package dev.courier.server.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/** All SQL for organizations and API keys. */
public final class ApiKeyStore {
  public static final String DEFAULT_ORGANIZATION = "org_default";

  /** Serializes admin key bootstrap between nodes that start at once. */
  private static final long BOOTSTRAP_LOCK = 0x636f7572_6b657973L;

  private final DataSource dataSource;

  public ApiKeyStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A key that authenticated a request. */
  public record ApiKey(String id, String organizationId, String name, String prefix, boolean admin) {}

  /** What {@link #bootstrapAdminKey} did. */
  public record Bootstrap(Optional<String> generatedKey, String keyId) {}

  /**
   * Makes sure an admin key exists. With {@code configuredKey}, its hash is stored (once) as the
   * admin key named {@code COURIER_API_KEY}. Without it, an admin key is generated only if the
   * organization has no live admin key, and returned so the caller can show it once.
   */
  public Bootstrap bootstrapAdminKey(Optional<String> configuredKey) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
          lock.setLong(1, BOOTSTRAP_LOCK);
          lock.execute();
        }
        Bootstrap result;
        if (configuredKey.isPresent()) {
          String key = configuredKey.get();
          Optional<ApiKey> existing = findByHash(c, ApiKeys.hash(key));
          String id =
              existing.isPresent()
                  ? existing.get().id()
                  : insert(c, "COURIER_API_KEY", key, true);
          result = new Bootstrap(Optional.empty(), id);
        } else {
          Optional<String> existingAdmin = liveAdminKeyId(c);
          if (existingAdmin.isPresent()) {
            result = new Bootstrap(Optional.empty(), existingAdmin.get());
          } else {
            String key = ApiKeys.generate();
            result = new Bootstrap(Optional.of(key), insert(c, "admin", key, true));
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
    try (Connection c = dataSource.getConnection()) {
      return findByHash(c, ApiKeys.hash(key));
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

  private static String insert(Connection c, String name, String key, boolean admin)
      throws SQLException {
    String sql =
        """
        INSERT INTO courier_api_key (id, organization_id, name, prefix, key_hash, is_admin)
        VALUES (?, ?, ?, ?, ?, ?)
        """;
    String id = ApiKeys.newId("key_");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, id);
      ps.setString(2, DEFAULT_ORGANIZATION);
      ps.setString(3, name);
      ps.setString(4, ApiKeys.shownPrefix(key));
      ps.setBytes(5, ApiKeys.hash(key));
      ps.setBoolean(6, admin);
      ps.executeUpdate();
    }
    return id;
  }

  private static Optional<ApiKey> findByHash(Connection c, byte[] hash) throws SQLException {
    String sql =
        """
        SELECT id, organization_id, name, prefix, is_admin
          FROM courier_api_key
         WHERE key_hash = ? AND revoked_at IS NULL
        """;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setBytes(1, hash);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new ApiKey(
                rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5)));
      }
    }
  }
}
