package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.auth.ApiKeyStore;
import dev.courier.server.auth.ApiKeys;
import dev.courier.server.testing.Configs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Organizations, API keys and who may see what, through a real server on a test database. */
@DatabaseTest
class OrganizationsApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final String ADMIN = "ck_test_admin_key_for_organizations_api";

  @TempDir static Path dataDir;
  static CourierServer server;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> env = Configs.externalEnv(dataDir, TestDatabase.createDatabase());
    env.put("COURIER_API_KEY", ADMIN);
    server = CourierServer.start(Configs.load(env));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void adminCreatesAnOrganizationAndAKeyThatWorksAndSeesOnlyItsOwnOrganization() throws Exception {
    HttpResponse<String> org = send("POST", "/v1/organizations", "{\"name\": \"Acme Clinics\", \"plan\": \"pro\"}", ADMIN);
    assertThat(org.statusCode()).isEqualTo(201);
    JsonNode o = body(org);
    String orgId = o.get("id").asText();
    assertThat(orgId).startsWith("org_");
    assertThat(o.get("name").asText()).isEqualTo("Acme Clinics");
    assertThat(o.get("plan").asText()).isEqualTo("pro");
    assertThat(o.get("createdAt").asText()).endsWith("Z");
    assertThat(body(send("GET", "/v1/organizations/" + orgId, null, ADMIN))).isEqualTo(o);
    assertThat(body(send("POST", "/v1/organizations", "{\"name\": \"No plan\"}", ADMIN)).get("plan").asText())
        .isEqualTo("basic");

    HttpResponse<String> created = send("POST", "/v1/organizations/" + orgId + "/keys", "{\"name\": \"backend\"}", ADMIN);
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode k = body(created);
    String key = k.get("key").asText();
    assertThat(k.get("id").asText()).startsWith("key_");
    assertThat(key).matches("ck_[A-Za-z0-9_-]{43}");
    assertThat(k.get("prefix").asText()).isEqualTo(key.substring(0, 11));
    assertThat(k.get("name").asText()).isEqualTo("backend");
    assertThat(k.get("admin").asBoolean()).isFalse();
    assertThat(k.has("createdAt")).isTrue();

    JsonNode me = body(send("GET", "/v1/whoami", null, key));
    assertThat(me.get("organizationId").asText()).isEqualTo(orgId);
    assertThat(me.get("keyId").asText()).isEqualTo(k.get("id").asText());
    assertThat(me.get("admin").asBoolean()).isFalse();

    // Its own organization only: not the default one's demo instance, not other organizations.
    assertThat(body(send("GET", "/v1/instances", null, key)).get("data")).isEmpty();
    assertThat(body(send("GET", "/v1/organizations", null, key)).get("data").findValuesAsText("id")).containsExactly(orgId);
    assertThat(send("GET", "/v1/organizations/" + ApiKeyStore.DEFAULT_ORGANIZATION, null, key).statusCode()).isEqualTo(404);
    assertThat(body(send("GET", "/v1/organizations", null, ADMIN)).get("data").findValuesAsText("id"))
        .contains(ApiKeyStore.DEFAULT_ORGANIZATION, orgId);

    // It manages its own organization's keys.
    HttpResponse<String> second = send("POST", "/v1/organizations/" + orgId + "/keys", "{\"name\": \"worker\"}", key);
    assertThat(second.statusCode()).isEqualTo(201);
    JsonNode listing = body(send("GET", "/v1/organizations/" + orgId + "/keys", null, key));
    assertThat(listing.get("data").findValuesAsText("name")).containsExactly("backend", "worker");
    for (JsonNode entry : listing.get("data")) {
      assertThat(entry.has("key")).as("a listing never shows a key").isFalse();
      assertThat(entry.has("revokedAt")).isTrue();
      assertThat(entry.has("lastUsedAt")).isTrue();
    }
    assertThat(listing.toString()).doesNotContain(key).doesNotContain(body(second).get("key").asText());
    JsonNode first = listing.get("data").get(0);
    assertThat(first.get("lastUsedAt").isNull()).as("used by the whoami above").isFalse();
    assertThat(listing.get("data").get(1).get("lastUsedAt").isNull()).as("never used").isTrue();
  }

  @Test
  void aKeyOfAnotherOrganizationGets404ForThisOrganizationsObjects() throws Exception {
    Org a = newOrganization("A");
    Org b = newOrganization("B");
    String instance = body(send("POST", "/v1/instances", "{\"name\": \"a-sim\", \"provider\": \"simulator\"}", a.key))
        .get("id").asText();
    HttpResponse<String> sent = send("POST", "/v1/messages",
        "{\"instanceId\": \"" + instance + "\", \"to\": \"+5511999990001\", \"type\": \"text\", \"text\": {\"body\": \"hi\"}, \"delay\": \"1h\"}",
        a.key);
    assertThat(sent.statusCode()).isEqualTo(202);
    String message = body(sent).get("id").asText();
    assertThat(send("GET", "/v1/instances/" + instance, null, a.key).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/messages/" + message, null, a.key).statusCode()).isEqualTo(200);

    List<String[]> foreign = List.of(
        new String[] {"GET", "/v1/instances/" + instance},
        new String[] {"POST", "/v1/instances/" + instance + "/pause"},
        new String[] {"GET", "/v1/instances/" + instance + "/queue"},
        new String[] {"GET", "/v1/messages/" + message},
        new String[] {"DELETE", "/v1/messages/" + message},
        new String[] {"GET", "/v1/organizations/" + a.id},
        new String[] {"GET", "/v1/organizations/" + a.id + "/keys"},
        new String[] {"DELETE", "/v1/keys/" + a.keyId});
    for (String[] call : foreign) {
      HttpResponse<String> r = send(call[0], call[1], null, b.key);
      assertThat(r.statusCode()).as(call[0] + " " + call[1]).isEqualTo(404);
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    }
    HttpResponse<String> createThere = send("POST", "/v1/organizations/" + a.id + "/keys", "{\"name\": \"intruder\"}", b.key);
    assertThat(createThere.statusCode()).isEqualTo(404);
    // Exactly as for objects that do not exist at all.
    assertThat(body(send("GET", "/v1/organizations/org_nope/keys", null, b.key)).get("title"))
        .isEqualTo(body(send("GET", "/v1/organizations/" + a.id + "/keys", null, b.key)).get("title"));
    assertThat(send("DELETE", "/v1/keys/key_nope", null, b.key).statusCode()).isEqualTo(404);

    // Nothing was changed by those calls.
    assertThat(send("GET", "/v1/whoami", null, a.key).statusCode()).isEqualTo(200);
    assertThat(body(send("GET", "/v1/messages/" + message, null, a.key)).get("status").asText()).isEqualTo("queued");
    assertThat(body(send("GET", "/v1/instances/" + instance, null, a.key)).toString()).doesNotContain("\"paused\"");
    assertThat(body(send("GET", "/v1/organizations/" + a.id + "/keys", null, a.key)).get("data")).hasSize(1);
    // The admin key manages every organization and its keys; instances and messages, though, are
    // seen through a key of their own organization (the admin key's are the default organization's).
    assertThat(send("GET", "/v1/organizations/" + a.id + "/keys", null, ADMIN).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/messages/" + message, null, ADMIN).statusCode()).isEqualTo(404);
  }

  @Test
  void aRevokedKeyIsRefusedAtOnceAndRevokingAgainAnswersTheSame() throws Exception {
    Org org = newOrganization("revocations");
    assertThat(send("GET", "/v1/whoami", null, org.key).statusCode()).isEqualTo(200);
    HttpResponse<String> revoked = send("DELETE", "/v1/keys/" + org.keyId, null, ADMIN);
    assertThat(revoked.statusCode()).isEqualTo(200);
    JsonNode listing = body(revoked);
    assertThat(listing.get("id").asText()).isEqualTo(org.keyId);
    assertThat(listing.get("revokedAt").isNull()).isFalse();
    assertThat(listing.has("key")).isFalse();

    HttpResponse<String> refused = send("GET", "/v1/whoami", null, org.key);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
    assertThat(body(refused).get("status").asInt()).isEqualTo(401);

    HttpResponse<String> again = send("DELETE", "/v1/keys/" + org.keyId, null, ADMIN);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(body(again).get("revokedAt")).isEqualTo(listing.get("revokedAt"));
    JsonNode keys = body(send("GET", "/v1/organizations/" + org.id + "/keys", null, ADMIN));
    assertThat(keys.get("data").get(0).get("revokedAt")).isEqualTo(listing.get("revokedAt"));

    // A key may revoke itself; then it is refused too.
    Org self = newOrganization("self-revoking");
    assertThat(send("DELETE", "/v1/keys/" + self.keyId, null, self.key).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/whoami", null, self.key).statusCode()).isEqualTo(401);
  }

  @Test
  void missingMalformedOrUnknownKeysAnswer401ProblemsWithWwwAuthenticate() throws Exception {
    List<String> headers = new ArrayList<>();
    headers.add(null);
    headers.add("Basic dXNlcjpwYXNz");
    headers.add("Bearer");
    headers.add("Bearer ");
    headers.add("Bearer ck_has a space");
    headers.add("Bearer " + "x".repeat(600));
    headers.add("Bearer " + ApiKeys.generate());
    headers.add("bearer " + ADMIN.substring(0, ADMIN.length() - 1));
    for (String paths : List.of("/v1/whoami", "/v1/organizations", "/v1/no/such/route")) {
      for (String h : headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + paths)).GET();
        if (h != null) {
          b.header("Authorization", h);
        }
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(paths + " with " + h).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).as(paths + " with " + h)
            .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(body(r).get("type").asText()).isEqualTo("https://courier.dev/problems/unauthorized");
      }
    }
    // The scheme is case-insensitive; health and provider webhooks need no key.
    HttpResponse<String> lower = CLIENT.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/whoami"))
        .header("Authorization", "bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(lower.statusCode()).isEqualTo(200);
    assertThat(send("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/webhooks/whatsapp/ins_nope?hub.mode=subscribe", null, null).statusCode()).isNotEqualTo(401);
  }

  @Test
  void invalidBodiesAnswer400ProblemsNamingEveryFieldAndUnknownFieldsAreRefused() throws Exception {
    JsonNode p = problem(send("POST", "/v1/organizations", "{\"plan\": \"gold plan!\", \"owner\": \"me\"}", ADMIN), 400);
    assertThat(p.get("type").asText()).isEqualTo("https://courier.dev/problems/validation");
    assertThat(p.get("errors").findValuesAsText("field")).containsExactlyInAnyOrder("name", "plan", "owner");
    assertThat(p.get("errors").toString()).contains("unknown field");

    assertThat(problem(send("POST", "/v1/organizations", "{\"name\": \"   \"}", ADMIN), 400)
        .get("errors").findValuesAsText("field")).containsExactly("name");
    assertThat(problem(send("POST", "/v1/organizations", "{\"name\": \"" + "n".repeat(201) + "\"}", ADMIN), 400)
        .get("errors").findValuesAsText("field")).containsExactly("name");
    assertThat(problem(send("POST", "/v1/organizations", "{\"name\": 7, \"plan\": \"" + "p".repeat(41) + "\"}", ADMIN), 400)
        .get("errors").findValuesAsText("field")).containsExactlyInAnyOrder("name", "plan");
    assertThat(problem(send("POST", "/v1/organizations", "[1, 2]", ADMIN), 400).get("errors")).hasSize(1);
    assertThat(problem(send("POST", "/v1/organizations", "{\"name\": ", ADMIN), 400).get("detail").asText()).contains("line 1");

    Org org = newOrganization("validation");
    JsonNode k = problem(send("POST", "/v1/organizations/" + org.id + "/keys", "{\"label\": \"x\", \"admin\": \"yes\"}", ADMIN), 400);
    assertThat(k.get("errors").findValuesAsText("field")).containsExactlyInAnyOrder("name", "label", "admin");
    // Admin keys exist only in the default organization, and only admin keys make them.
    assertThat(problem(send("POST", "/v1/organizations/" + org.id + "/keys", "{\"name\": \"x\", \"admin\": true}", ADMIN), 400)
        .get("errors").findValuesAsText("field")).containsExactly("admin");
    assertThat(problem(send("POST", "/v1/organizations/" + org.id + "/keys", "{\"name\": \"x\", \"admin\": true}", org.key), 400)
        .get("errors").findValuesAsText("field")).containsExactly("admin");
    assertThat(problem(send("GET", "/v1/organizations/" + org.id + "/keys?limit=0", null, ADMIN), 400)
        .get("errors").findValuesAsText("field")).containsExactly("limit");
    assertThat(problem(send("GET", "/v1/organizations/" + org.id + "/keys?cursor=bogus", null, ADMIN), 400)
        .get("errors").findValuesAsText("field")).containsExactly("cursor");
    // Nothing was stored by any of these.
    assertThat(body(send("GET", "/v1/organizations/" + org.id + "/keys", null, ADMIN)).get("data")).hasSize(1);
  }

  @Test
  void onlyAdminKeysCreateOrganizationsAndOnlyAdminKeysRevokeAdminKeys() throws Exception {
    Org org = newOrganization("plain");
    JsonNode p = problem(send("POST", "/v1/organizations", "{\"name\": \"mine\"}", org.key), 403);
    assertThat(p.get("type").asText()).isEqualTo("https://courier.dev/problems/forbidden");

    // A non-admin key in the default organization sees the admin keys' listings, but cannot revoke them.
    JsonNode plainDefault = body(send("POST", "/v1/organizations/org_default/keys", "{\"name\": \"ops\"}", ADMIN));
    assertThat(plainDefault.get("admin").asBoolean()).isFalse();
    String adminKeyId = body(send("GET", "/v1/whoami", null, ADMIN)).get("keyId").asText();
    problem(send("DELETE", "/v1/keys/" + adminKeyId, null, plainDefault.get("key").asText()), 403);
    assertThat(send("GET", "/v1/whoami", null, ADMIN).statusCode()).isEqualTo(200);
  }

  @Test
  void theLastAdminKeyCannotBeRevokedButAnotherAdminKeyCanReplaceIt() throws Exception {
    String adminKeyId = body(send("GET", "/v1/whoami", null, ADMIN)).get("keyId").asText();
    HttpResponse<String> created = send("POST", "/v1/organizations/org_default/keys", "{\"name\": \"second admin\", \"admin\": true}", ADMIN);
    assertThat(created.statusCode()).isEqualTo(201);
    String second = body(created).get("key").asText();
    String secondId = body(created).get("id").asText();
    assertThat(body(send("GET", "/v1/whoami", null, second)).get("admin").asBoolean()).isTrue();
    assertThat(send("DELETE", "/v1/keys/" + secondId, null, ADMIN).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/whoami", null, second).statusCode()).isEqualTo(401);
    JsonNode p = problem(send("DELETE", "/v1/keys/" + adminKeyId, null, ADMIN), 409);
    assertThat(p.get("detail").asText()).contains("last admin key");
    assertThat(send("GET", "/v1/whoami", null, ADMIN).statusCode()).isEqualTo(200);
  }

  @Test
  void aRepeatedIdempotencyKeyAnswersTheFirstOrganizationAndADifferentBody422() throws Exception {
    String body = "{\"name\": \"Idempotent Inc\", \"plan\": \"team\"}";
    HttpResponse<String> first = send("POST", "/v1/organizations", body, ADMIN, "org-create-1");
    assertThat(first.statusCode()).isEqualTo(201);
    HttpResponse<String> again = send("POST", "/v1/organizations", "{\"plan\": \"team\", \"name\": \"Idempotent Inc\"}", ADMIN, "org-create-1");
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("idempotent-replayed")).contains("true");
    assertThat(first.headers().firstValue("idempotent-replayed")).isEmpty();

    JsonNode p = problem(send("POST", "/v1/organizations", "{\"name\": \"Someone Else\"}", ADMIN, "org-create-1"), 422);
    assertThat(p.get("type").asText()).isEqualTo("https://courier.dev/problems/idempotency-key-reused");
    assertThat(count("SELECT count(*) FROM courier_organization WHERE name IN ('Idempotent Inc', 'Someone Else')")).isEqualTo(1);
    // Without the header, the same body creates another.
    assertThat(body(send("POST", "/v1/organizations", body, ADMIN)).get("id")).isNotEqualTo(body(first).get("id"));
    problem(send("POST", "/v1/organizations", body, ADMIN, "k".repeat(256)), 400);
  }

  @Test
  void aRepeatedKeyCreationCannotShowTheSecretAgainAndADifferentBody422() throws Exception {
    Org org = newOrganization("idempotent keys");
    String path = "/v1/organizations/" + org.id + "/keys";
    HttpResponse<String> first = send("POST", path, "{\"name\": \"ci\"}", ADMIN, "key-create-1");
    assertThat(first.statusCode()).isEqualTo(201);
    JsonNode k = body(first);

    HttpResponse<String> again = send("POST", path, "{\"name\": \"ci\"}", ADMIN, "key-create-1");
    JsonNode p = problem(again, 409);
    assertThat(p.get("type").asText()).isEqualTo("https://courier.dev/problems/key-not-shown-again");
    assertThat(p.get("keyId").asText()).isEqualTo(k.get("id").asText());
    assertThat(p.get("prefix").asText()).isEqualTo(k.get("prefix").asText());
    assertThat(again.body()).doesNotContain(k.get("key").asText());
    assertThat(again.headers().firstValue("idempotent-replayed")).contains("true");

    problem(send("POST", path, "{\"name\": \"cd\"}", ADMIN, "key-create-1"), 422);
    // The key itself may reuse that Idempotency-Key in its organization: same scope, same answer.
    problem(send("POST", path, "{\"name\": \"ci\"}", org.key, "key-create-1"), 409);
    assertThat(body(send("GET", path, null, ADMIN)).get("data").findValuesAsText("name")).containsExactly("first", "ci");
    // Nothing stored can give the secret back: the row has its hash, not its text.
    assertThat(count("SELECT count(*) FROM courier_api_key WHERE prefix = '" + k.get("prefix").asText()
        + "' AND position('" + k.get("key").asText() + "' IN row_to_json(courier_api_key)::text) > 0")).isZero();
    assertThat(send("GET", "/v1/whoami", null, k.get("key").asText()).statusCode()).isEqualTo(200);
  }

  @Test
  void keyListingsPageInCreationOrder() throws Exception {
    Org org = newOrganization("paging");
    for (int i = 2; i <= 5; i++) {
      assertThat(send("POST", "/v1/organizations/" + org.id + "/keys", "{\"name\": \"k" + i + "\"}", org.key).statusCode()).isEqualTo(201);
    }
    List<String> names = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page = body(send("GET", "/v1/organizations/" + org.id + "/keys?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), null, org.key));
      names.addAll(page.get("data").findValuesAsText("name"));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
      pages++;
    } while (cursor != null);
    assertThat(names).containsExactly("first", "k2", "k3", "k4", "k5");
    assertThat(pages).isEqualTo(3);
  }

  // Helpers.

  private record Org(String id, String key, String keyId) {}

  /** A new organization (by the admin key) with one key named "first". */
  private static Org newOrganization(String name) throws Exception {
    HttpResponse<String> o = send("POST", "/v1/organizations", "{\"name\": \"" + name + "\"}", ADMIN);
    assertThat(o.statusCode()).isEqualTo(201);
    String id = body(o).get("id").asText();
    JsonNode k = body(send("POST", "/v1/organizations/" + id + "/keys", "{\"name\": \"first\"}", ADMIN));
    return new Org(id, k.get("key").asText(), k.get("id").asText());
  }

  private static long count(String sql) throws Exception {
    try (Connection c = server.database().dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static JsonNode body(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  private static JsonNode problem(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode p = body(r);
    assertThat(p.get("status").asInt()).isEqualTo(status);
    return p;
  }

  static HttpResponse<String> send(String method, String path, String json, String key) throws Exception {
    return send(method, path, json, key, null);
  }

  static HttpResponse<String> send(String method, String path, String json, String key, String idempotencyKey)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
