package dev.courier.whatsapp.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.whatsapp.message.ConflictException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Owns {@code courier_idempotency}: the Idempotency-Keys of creating requests whose resource has
 * no key column of its own (campaigns, schedules, recipient imports). A key is honoured for
 * {@link #WINDOW}; the same key with another body within it is refused.
 */
public final class IdempotencyKeys {
  public static final Duration WINDOW = Duration.ofHours(24);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What an earlier request with the same key created, and the answer it got (may be null). */
  public record Earlier(String resourceId, JsonNode response) {}

  /** The claim lost to a concurrent request with the same key: roll back and replay that one. */
  public static final class Taken extends RuntimeException {
    public Taken(String key) {
      super("Idempotency-Key " + key + " was taken by a concurrent request", null, false, false);
    }
  }

  /**
   * The earlier request of this key within the window, if any.
   *
   * @throws ConflictException (idempotency mismatch) when it had another body
   */
  public Optional<Earlier> find(Connection c, String organizationId, String scope, String key, String requestHash,
      Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT request_hash, resource_id, response::text FROM courier_idempotency"
            + " WHERE organization_id = ? AND scope = ? AND key = ? AND created_at > ?")) {
      ps.setString(1, organizationId);
      ps.setString(2, scope);
      ps.setString(3, key);
      ps.setTimestamp(4, Timestamp.from(now.minus(WINDOW)));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        if (!rs.getString(1).equals(requestHash)) {
          throw new ConflictException(ConflictException.Kind.IDEMPOTENCY_MISMATCH,
              "Idempotency-Key " + key + " was used for a different request (" + rs.getString(2) + ")", null);
        }
        String response = rs.getString(3);
        return Optional.of(new Earlier(rs.getString(2), response == null ? null : JSON.readTree(response)));
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("stored idempotent response of key " + key + " is not JSON", e);
    }
  }

  /**
   * Records the key for a resource created in the caller's transaction; a row older than the
   * window is replaced.
   *
   * @throws Taken when a concurrent request holds the key (after its commit): the caller rolls
   *     back and answers with that request's resource
   */
  public void claim(Connection c, String organizationId, String scope, String key, String requestHash,
      String resourceId, JsonNode response, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        """
        INSERT INTO courier_idempotency AS i
          (organization_id, scope, key, request_hash, resource_id, response, created_at)
        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)
        ON CONFLICT (organization_id, scope, key) DO UPDATE
          SET request_hash = excluded.request_hash, resource_id = excluded.resource_id,
              response = excluded.response, created_at = excluded.created_at
          WHERE i.created_at <= ?
        """)) {
      ps.setString(1, organizationId);
      ps.setString(2, scope);
      ps.setString(3, key);
      ps.setString(4, requestHash);
      ps.setString(5, resourceId);
      ps.setString(6, response == null ? null : response.toString());
      ps.setTimestamp(7, Timestamp.from(now));
      ps.setTimestamp(8, Timestamp.from(now.minus(WINDOW)));
      if (ps.executeUpdate() == 0) {
        throw new Taken(key);
      }
    }
  }
}
