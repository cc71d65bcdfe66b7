package dev.courier.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import dev.courier.server.testing.Schemas;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One in-JVM server on the embedded database, shared by these tests. */
class ServerHealthTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  static CourierServer server;

  @BeforeAll
  static void start() throws Exception {
    server = CourierServer.start(Configs.load(Configs.embeddedEnv(dataDir)));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyRouteInTheTableIsServed() {
    for (HttpServer.Route r : HttpServer.routes(() -> null, null)) {
      String path = r.path().replaceAll("\\{[^}]+}", "x");
      HttpResponse<String> answer = Http.send(r.method().name(), server.url() + path, null);
      // An unknown object may answer 404, but never "no route".
      assertThat(answer.body()).as(r.method() + " " + r.path()).doesNotContain("no route");
    }
  }

  @Test
  void liveAnswers200() {
    HttpResponse<String> r = Http.get(server.url() + "/health/live");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"status\":\"up\"}");
  }

  @Test
  void readyAnswers200WithDatabaseKindVersionsAndDurability() throws Exception {
    HttpResponse<String> r = Http.get(server.url() + "/health/ready");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("status").asText()).isEqualTo("ready");
    JsonNode db = body.path("database");
    assertThat(db.path("kind").asText()).isEqualTo("embedded");
    assertThat(db.path("serverVersion").asText()).startsWith("17.");
    assertThat(db.path("schemaVersion").asText()).isEqualTo(Schemas.latestCourierVersion(server.database().dataSource()));
    assertThat(db.has("queueSchemaVersion")).isTrue();
    assertThat(db.path("migrated").asBoolean()).isTrue();
    assertThat(db.path("fsync").asText()).isEqualTo("on");
    assertThat(db.path("synchronous_commit").asText()).isEqualTo("on");
    assertThat(db.path("full_page_writes").asText()).isEqualTo("on");
  }

  @Test
  void unknownRouteAnswersProblemJson404() throws Exception {
    HttpResponse<String> r = Http.get(server.url() + "/no/such/thing");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("status").asInt()).isEqualTo(404);
    assertThat(body.path("title").asText()).isEqualTo("Not found");
    assertThat(body.path("type").asText()).isEqualTo("https://courier.dev/problems/not-found");
    assertThat(body.path("detail").asText()).contains("/no/such/thing");
  }

  @Test
  void apiRoutesNeedAKeyAndAnswerProblemJson401WithoutOne() throws Exception {
    HttpResponse<String> none = Http.get(server.url() + "/v1/whoami");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("www-authenticate")).isPresent();
    assertThat(JSON.readTree(none.body()).path("status").asInt()).isEqualTo(401);
    HttpResponse<String> wrong = Http.get(server.url() + "/v1/whoami", "ck_not-a-real-key-at-all");
    assertThat(wrong.statusCode()).isEqualTo(401);
  }

  @Test
  void generatedAdminKeyAuthenticates() throws Exception {
    String key = server.generatedAdminKey().orElseThrow();
    assertThat(key).matches("ck_[A-Za-z0-9_-]{43}");
    HttpResponse<String> r = Http.get(server.url() + "/v1/whoami", key);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("organizationId").asText()).isEqualTo("org_default");
    assertThat(body.path("admin").asBoolean()).isTrue();
  }
}
