package dev.courier.server.api;

import static dev.courier.server.api.ApiTestSupport.body;
import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.server.testing.Organizations;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/schedules through a real server on a test database. */
class ScheduleApiTest {
  static ApiTestSupport api;
  static String otherKey;
  static String ins;

  @BeforeAll
  static void start() throws Exception {
    api = ApiTestSupport.start();
    otherKey = Organizations.key(api.server.database().dataSource(), "org_other", true);
    ins = api.instance(ApiTestSupport.KEY, "{\"name\": \"sch-br\", \"provider\": \"simulator\", \"defaultRegion\": \"BR\"}");
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void aScheduleIsCreatedListedPausedResumedAndDeleted() {
    HttpResponse<String> r = api.call("POST", "/v1/schedules", """
        {"instanceId": "%s", "name": "lembrete", "type": "text", "text": {"body": "Oi {{name}}"},
         "recipients": [{"to": "+5511999990001", "variables": {"name": "Ana"}}],
         "cron": "0 9 * * MON-FRI", "timeZone": "America/Sao_Paulo", "endAt": "2099-01-01T00:00:00Z"}
        """.formatted(ins));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = body(r).get("id").asText();
    assertThat(body(r).get("status").asText()).isEqualTo("active");
    assertThat(body(r).get("nextAt").asText()).endsWith("T12:00:00Z");
    assertThat(body(api.call("GET", "/v1/schedules", null)).get("data").findValuesAsText("id")).contains(id);
    assertThat(body(api.call("POST", "/v1/schedules/" + id + "/pause", null)).get("status").asText()).isEqualTo("paused");
    assertThat(api.call("POST", "/v1/schedules/" + id + "/pause", null).statusCode()).isEqualTo(200);
    assertThat(body(api.call("POST", "/v1/schedules/" + id + "/resume", null)).get("status").asText()).isEqualTo("active");
    assertThat(api.call("GET", "/v1/schedules/" + id, null, otherKey).statusCode()).isEqualTo(404);
    assertThat(api.call("DELETE", "/v1/schedules/" + id, null).statusCode()).isEqualTo(204);
    assertThat(api.call("GET", "/v1/schedules/" + id, null).statusCode()).isEqualTo(404);
    HttpResponse<String> bad = api.call("POST", "/v1/schedules", "{\"instanceId\": \"" + ins + "\", \"type\": \"text\","
        + " \"text\": {\"body\": \"Oi {{name}}\"}, \"to\": \"+5511999990001\", \"cron\": \"0 9 * * *\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(body(bad).get("errors").findValuesAsText("message")).contains("missing variable name");
  }

  @Test
  void creatingAScheduleTwiceWithOneIdempotencyKeyCreatesOneAndAnotherBodyIs422() throws Exception {
    String body = """
        {"instanceId": "%s", "type": "text", "text": {"body": "Consulta amanhã"},
         "to": "+5511999990002", "at": "2099-01-01T09:00:00", "timeZone": "America/Sao_Paulo"}
        """.formatted(ins);
    Map<String, String> key = Map.of("Idempotency-Key", "sch-1");
    HttpResponse<String> first = api.call("POST", "/v1/schedules", body, ApiTestSupport.KEY, key, Duration.ofSeconds(10));
    HttpResponse<String> again = api.call("POST", "/v1/schedules", body, ApiTestSupport.KEY, key, Duration.ofSeconds(10));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(body(again).get("id").asText()).isEqualTo(body(first).get("id").asText());
    HttpResponse<String> other = api.call("POST", "/v1/schedules", body.replace("amanhã", "hoje"), ApiTestSupport.KEY,
        key, Duration.ofSeconds(10));
    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(other.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    // The same key in another organization is that organization's own: no replay of this one.
    HttpResponse<String> elsewhere = api.call("POST", "/v1/schedules", body, otherKey, key, Duration.ofSeconds(10));
    assertThat(elsewhere.statusCode()).isEqualTo(400);
    assertThat(body(elsewhere).get("errors").findValuesAsText("field")).contains("instanceId");
    long stored = body(api.call("GET", "/v1/schedules?limit=100", null)).get("data").findValuesAsText("id").stream()
        .filter(id -> id.equals(body(first).get("id").asText())).count();
    assertThat(stored).isEqualTo(1);
  }
}
