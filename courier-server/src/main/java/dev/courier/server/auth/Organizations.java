package dev.courier.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.server.auth.ApiKeyStore.After;
import dev.courier.server.auth.ApiKeyStore.ApiKey;
import dev.courier.server.auth.ApiKeyStore.KeyRecord;
import dev.courier.server.auth.ApiKeyStore.Organization;
import dev.courier.server.auth.ApiKeyStore.Stamped;
import dev.courier.whatsapp.NotFoundException;
import dev.courier.whatsapp.message.ConflictException;
import dev.courier.whatsapp.validation.FieldReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Organizations and their API keys, as the caller's key may see and change them: an admin key
 * manages every organization; any other key only its own (its keys: create, list, revoke), and
 * other organizations' objects do not exist for it ({@link NotFoundException}, never a refusal that
 * would reveal them).
 *
 * <p>Creating requests may carry an idempotency key, stored on the created row with a hash of the
 * request: the same key and request find the first result again; the same key with another request
 * is a {@link ConflictException.Kind#IDEMPOTENCY_MISMATCH}. A key's secret is never stored, so a
 * repeated key creation finds the key without its secret ({@link CreatedKey#secret()} empty).
 */
public final class Organizations {
  public static final String DEFAULT_PLAN = "basic";
  public static final int MAX_NAME_LENGTH = 200;
  public static final int MAX_PLAN_LENGTH = 40;
  private static final Pattern PLAN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ApiKeyStore store;
  private final Authenticator authenticator;

  public Organizations(Authenticator authenticator) {
    this.store = authenticator.store();
    this.authenticator = authenticator;
  }

  /** Something created, or found again for a repeated idempotency key. */
  public record Created<T>(T value, boolean replayed) {}

  /** A created key with its secret, or (a repeated idempotency key) the earlier key without it. */
  public record CreatedKey(KeyRecord key, Optional<String> secret) {
    public boolean replayed() {
      return secret.isEmpty();
    }
  }

  /** Creates an organization (admin keys only). */
  public Created<Organization> create(ApiKey caller, JsonNode body, String idempotencyKey) throws SQLException {
    if (!caller.admin()) {
      throw new AccessDeniedException("only an admin key can create organizations");
    }
    FieldReader r = new FieldReader();
    requireObject(body);
    r.onlyKnown(body, "", Set.of("name", "plan"));
    String name = name(r, body);
    String plan = r.text(body, "", "plan", false);
    if (plan == null) {
      plan = DEFAULT_PLAN;
    } else if (plan.length() > MAX_PLAN_LENGTH || !PLAN.matcher(plan).matches()) {
      r.error("plan", "must be 1-" + MAX_PLAN_LENGTH + " letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    r.throwIfInvalid();
    ObjectNode canonical = JSON.createObjectNode().put("name", name).put("plan", plan);
    String hash = requestHash("POST /v1/organizations", canonical);
    String scope = caller.organizationId();
    if (idempotencyKey != null) {
      Optional<Stamped<Organization>> earlier = store.organizationByIdempotencyKey(scope, idempotencyKey);
      if (earlier.isPresent()) {
        return replayOrganization(earlier.get(), hash, idempotencyKey);
      }
    }
    try {
      return new Created<>(store.insertOrganization(scope, name, plan, idempotencyKey, hash), false);
    } catch (SQLException e) {
      if (idempotencyKey != null && "23505".equals(e.getSQLState())) {
        // A concurrent request with the same key won: answer as it did.
        Stamped<Organization> earlier = store.organizationByIdempotencyKey(scope, idempotencyKey).orElseThrow(() -> e);
        return replayOrganization(earlier, hash, idempotencyKey);
      }
      throw e;
    }
  }

  /** An organization the caller may see. */
  public Organization get(ApiKey caller, String id) throws SQLException {
    if (!visible(caller, id)) {
      throw new NotFoundException("organization", id);
    }
    return store.organization(id).orElseThrow(() -> new NotFoundException("organization", id));
  }

  /** Organizations in creation order: every one for an admin key, else only the caller's. */
  public List<Organization> list(ApiKey caller, After after, int limit) throws SQLException {
    if (caller.admin()) {
      return store.organizations(after, limit);
    }
    Organization own = get(caller, caller.organizationId());
    boolean past = after != null
        && (own.createdAt().isBefore(after.createdAt())
            || (own.createdAt().equals(after.createdAt()) && own.id().compareTo(after.id()) <= 0));
    return past || limit < 1 ? List.of() : List.of(own);
  }

  /** Creates a key in an organization the caller may see. The secret is in the answer only. */
  public CreatedKey createKey(ApiKey caller, String organizationId, JsonNode body, String idempotencyKey)
      throws SQLException {
    get(caller, organizationId);
    FieldReader r = new FieldReader();
    requireObject(body);
    r.onlyKnown(body, "", Set.of("name", "admin"));
    String name = name(r, body);
    boolean admin = Boolean.TRUE.equals(r.bool(body, "", "admin"));
    if (admin && !(caller.admin() && ApiKeyStore.DEFAULT_ORGANIZATION.equals(organizationId))) {
      r.error("admin", "only an admin key may create admin keys, and only in " + ApiKeyStore.DEFAULT_ORGANIZATION);
    }
    r.throwIfInvalid();
    ObjectNode canonical = JSON.createObjectNode().put("name", name).put("admin", admin);
    String hash = requestHash("POST /v1/organizations/" + organizationId + "/keys", canonical);
    if (idempotencyKey != null) {
      Optional<Stamped<KeyRecord>> earlier = store.keyByIdempotencyKey(organizationId, idempotencyKey);
      if (earlier.isPresent()) {
        return replayKey(earlier.get(), hash, idempotencyKey);
      }
    }
    String secret = ApiKeys.generate();
    try {
      KeyRecord k = store.insertKey(organizationId, name, secret, admin, idempotencyKey, hash);
      return new CreatedKey(k, Optional.of(secret));
    } catch (SQLException e) {
      if (idempotencyKey != null && "23505".equals(e.getSQLState())) {
        Stamped<KeyRecord> earlier = store.keyByIdempotencyKey(organizationId, idempotencyKey).orElseThrow(() -> e);
        return replayKey(earlier, hash, idempotencyKey);
      }
      throw e;
    }
  }

  /** An organization's keys, revoked ones included. */
  public List<KeyRecord> keys(ApiKey caller, String organizationId, After after, int limit) throws SQLException {
    get(caller, organizationId);
    return store.keys(organizationId, after, limit);
  }

  /**
   * Revokes a key: it is refused at once on this node, and within {@link Authenticator#CACHE_TTL}
   * on every other. Revoking a revoked key changes nothing and answers the same.
   */
  public KeyRecord revoke(ApiKey caller, String keyId) throws SQLException {
    KeyRecord k = store.key(keyId)
        .filter(found -> visible(caller, found.organizationId()))
        .orElseThrow(() -> new NotFoundException("key", keyId));
    if (k.admin() && !caller.admin()) {
      throw new AccessDeniedException("only an admin key can revoke an admin key");
    }
    switch (store.revoke(keyId)) {
      case LAST_ADMIN_KEY -> throw new ConflictException(ConflictException.Kind.STATE,
          "the last admin key cannot be revoked: create another admin key first", "active");
      case NOT_FOUND -> throw new NotFoundException("key", keyId);
      case REVOKED, ALREADY_REVOKED -> authenticator.evict(keyId);
    }
    return store.key(keyId).orElseThrow(() -> new NotFoundException("key", keyId));
  }

  private static boolean visible(ApiKey caller, String organizationId) {
    return caller.admin() || caller.organizationId().equals(organizationId);
  }

  private static void requireObject(JsonNode body) {
    FieldReader.requireObject(body);
  }

  private static String name(FieldReader r, JsonNode body) {
    String name = r.text(body, "", "name", true);
    if (name != null) {
      if (name.length() > MAX_NAME_LENGTH) {
        r.error("name", "must be at most " + MAX_NAME_LENGTH + " characters");
      } else if (name.chars().anyMatch(Character::isISOControl)) {
        r.error("name", "must not contain control characters");
      }
    }
    return name;
  }

  private static Created<Organization> replayOrganization(Stamped<Organization> earlier, String hash, String key) {
    if (!hash.equals(earlier.requestHash())) {
      throw new ConflictException(ConflictException.Kind.IDEMPOTENCY_MISMATCH,
          "Idempotency-Key " + key + " was used for a different request (organization " + earlier.value().id() + ")",
          null);
    }
    return new Created<>(earlier.value(), true);
  }

  private static CreatedKey replayKey(Stamped<KeyRecord> earlier, String hash, String key) {
    if (!hash.equals(earlier.requestHash())) {
      throw new ConflictException(ConflictException.Kind.IDEMPOTENCY_MISMATCH,
          "Idempotency-Key " + key + " was used for a different request (key " + earlier.value().id() + ")", null);
    }
    return new CreatedKey(earlier.value(), Optional.empty());
  }

  private static String requestHash(String route, ObjectNode canonical) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((route + "\n" + canonical).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The caller's key may not do this, whatever the object (the HTTP layer answers 403). */
  public static final class AccessDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AccessDeniedException(String message) {
      super(message);
    }
  }
}
