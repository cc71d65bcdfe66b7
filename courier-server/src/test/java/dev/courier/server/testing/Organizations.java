package dev.courier.server.testing;

import dev.courier.server.auth.ApiKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Organizations and API keys written straight to the database, for tests that need a second
 * organization (or a non-admin key) before the API can create them.
 */
public final class Organizations {
  private Organizations() {}

  /** Creates the organization if needed and a key for it; returns the key's text. */
  public static String key(DataSource ds, String organizationId, boolean admin) throws SQLException {
    String key = ApiKeys.generate();
    try (Connection c = ds.getConnection()) {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO courier_organization (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
        ps.setString(1, organizationId);
        ps.setString(2, organizationId);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO courier_api_key (id, organization_id, name, prefix, key_hash, is_admin) VALUES (?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, ApiKeys.newId("key_"));
        ps.setString(2, organizationId);
        ps.setString(3, "test");
        ps.setString(4, ApiKeys.shownPrefix(key));
        ps.setBytes(5, ApiKeys.hash(key));
        ps.setBoolean(6, admin);
        ps.executeUpdate();
      }
    }
    return key;
  }
}
