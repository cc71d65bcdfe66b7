package dev.courier.server.http;

import dev.courier.server.auth.ApiKeyStore.After;
import dev.courier.server.auth.ApiKeyStore.KeyRecord;
import dev.courier.server.auth.ApiKeyStore.Organization;
import dev.courier.server.auth.Organizations;
import dev.courier.whatsapp.validation.FieldError;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/organizations} and {@code /v1/keys}: organizations, and API keys of an organization.
 * Who may do what is decided by {@link Organizations}.
 */
final class OrganizationRoutes {
  private final Organizations organizations;

  OrganizationRoutes(Organizations organizations) {
    this.organizations = organizations;
  }

  /** 201 with the organization; a repeated Idempotency-Key answers the same again. */
  void create(Context ctx) throws Exception {
    String idempotencyKey = MessageRoutes.idempotencyKey(ctx);
    var created = organizations.create(Requests.key(ctx), JsonBody.read(ctx), idempotencyKey);
    if (created.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    Requests.json(ctx, 201, view(created.value()));
  }

  void get(Context ctx) throws Exception {
    Requests.json(ctx, 200, view(organizations.get(Requests.key(ctx), ctx.pathParam("id"))));
  }

  void list(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    List<Organization> page = organizations.list(Requests.key(ctx), after(ctx), limit + 1);
    List<Map<String, Object>> data = page.stream().limit(limit).map(OrganizationRoutes::view).toList();
    String next = page.size() > limit ? cursor(page.get(limit - 1).createdAt(), page.get(limit - 1).id()) : null;
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  /**
   * 201 with the key and its secret, shown this once. A repeated Idempotency-Key cannot show the
   * secret again (only its hash is stored): 409 naming the key, to revoke it if the secret was lost.
   */
  void createKey(Context ctx) throws Exception {
    String idempotencyKey = MessageRoutes.idempotencyKey(ctx);
    var created = organizations.createKey(Requests.key(ctx), ctx.pathParam("id"), JsonBody.read(ctx), idempotencyKey);
    KeyRecord k = created.key();
    if (created.secret().isEmpty()) {
      ctx.header("Idempotent-Replayed", "true");
      throw new ProblemException(Problem.keyNotShownAgain(
          "Idempotency-Key " + idempotencyKey + " already created key " + k.id() + "; a key's secret is shown only"
              + " in the answer that created it. If that answer was lost, revoke " + k.id() + " and create a new key.",
          k.id(), k.prefix()));
    }
    Map<String, Object> body = view(k);
    body.put("key", created.secret().get());
    Requests.json(ctx, 201, body);
  }

  void listKeys(Context ctx) throws Exception {
    int limit = Requests.limit(ctx);
    List<KeyRecord> page = organizations.keys(Requests.key(ctx), ctx.pathParam("id"), after(ctx), limit + 1);
    List<Map<String, Object>> data = page.stream().limit(limit).map(OrganizationRoutes::view).toList();
    String next = page.size() > limit ? cursor(page.get(limit - 1).createdAt(), page.get(limit - 1).id()) : null;
    Requests.json(ctx, 200, Requests.page(data, next));
  }

  /** 200 with the key's listing, {@code revokedAt} set; again for a key already revoked. */
  void revokeKey(Context ctx) throws Exception {
    Requests.json(ctx, 200, view(organizations.revoke(Requests.key(ctx), ctx.pathParam("id"))));
  }

  static Map<String, Object> view(Organization o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", o.id());
    m.put("name", o.name());
    m.put("plan", o.plan());
    m.put("createdAt", o.createdAt().toString());
    return m;
  }

  /** A key as listings show it: never its secret or hash. */
  static Map<String, Object> view(KeyRecord k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", k.id());
    m.put("organizationId", k.organizationId());
    m.put("name", k.name());
    m.put("prefix", k.prefix());
    m.put("admin", k.admin());
    m.put("createdAt", k.createdAt().toString());
    m.put("lastUsedAt", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
    m.put("revokedAt", k.revokedAt() == null ? null : k.revokedAt().toString());
    return m;
  }

  private static String cursor(Instant createdAt, String id) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(("c:" + createdAt + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  private static After after(Context ctx) {
    String c = ctx.queryParam("cursor");
    if (c == null || c.isEmpty()) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8);
      int bar = text.indexOf('|');
      if (text.startsWith("c:") && bar > 2 && text.chars().noneMatch(Character::isISOControl)) {
        return new After(Instant.parse(text.substring(2, bar)), text.substring(bar + 1));
      }
    } catch (IllegalArgumentException | DateTimeParseException e) {
      // answered below
    }
    throw new ProblemException(Problem.validation(List.of(new FieldError("cursor", "is not a cursor this API returned"))));
  }
}
