package dev.courier.server.api;

import static dev.courier.server.api.ApiTestSupport.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.server.testing.Organizations;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/campaigns through a real server on a test database. */
class CampaignApiTest {
  static ApiTestSupport api;
  static String otherKey;
  static String ins;

  @BeforeAll
  static void start() throws Exception {
    api = ApiTestSupport.start();
    otherKey = Organizations.key(api.server.database().dataSource(), "org_other", true);
    ins = api.instance(ApiTestSupport.KEY, "{\"name\": \"cmp-br\", \"provider\": \"simulator\", \"defaultRegion\": \"BR\"}");
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  private static HttpResponse<String> postCsv(String path, String csv) {
    try {
      var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.server.url() + path))
          .header("Authorization", "Bearer " + ApiTestSupport.KEY).header("Content-Type", "text/csv")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(csv)).build();
      return java.net.http.HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aCampaignIsCreatedFedByCsvStartedAndReportsItsProgressAndRecipients() throws Exception {
    HttpResponse<String> created = api.call("POST", "/v1/campaigns", """
        {"instanceId": "%s", "name": "promo", "type": "text", "text": {"body": "Oi {{name}}!"},
         "rate": {"count": 50, "per": "1s"},
         "recipients": [{"to": "+5511999990001", "variables": {"name": "Ana"}},
                        {"to": "+5511999990002"},
                        {"to": "nope", "variables": {"name": "X"}}]}
        """.formatted(ins));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode c = body(created);
    String id = c.get("id").asText();
    assertThat(c.get("status").asText()).isEqualTo("draft");
    assertThat(c.get("priority").asInt()).isEqualTo(9);
    assertThat(c.get("rate").get("per").asText()).isEqualTo("1s");
    assertThat(c.get("import").get("added").asInt()).isEqualTo(1);
    assertThat(c.get("import").get("errors").findValuesAsText("reason"))
        .containsExactly("missing variable name", "not a valid phone number");

    HttpResponse<String> added = postCsv("/v1/campaigns/" + id + "/recipients",
        "TO,name\n11 99999-0003,Bia\n11 99999-0001,Ana de novo\nabc,Z\n11 99999-0004,\n");
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    assertThat(body(added).get("added").asInt()).isEqualTo(1);
    assertThat(body(added).get("duplicates").asInt()).isEqualTo(1);
    assertThat(body(added).get("errors").findValuesAsText("line")).containsExactly("4", "5");

    HttpResponse<String> wrongType = api.call("POST", "/v1/campaigns/" + id + "/recipients", null,
        ApiTestSupport.KEY, Map.of("Content-Type", "text/plain"), Duration.ofSeconds(10));
    assertThat(wrongType.statusCode()).isEqualTo(415);
    assertThat(api.call("GET", "/v1/campaigns/" + id, null, otherKey).statusCode()).isEqualTo(404);

    HttpResponse<String> started = api.call("POST", "/v1/campaigns/" + id + "/start", null);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).until(() ->
        body(api.call("GET", "/v1/campaigns/" + id, null)).get("status").asText().equals("completed"));
    JsonNode done = body(api.call("GET", "/v1/campaigns/" + id, null));
    assertThat(done.get("recipients").get("total").asInt()).isEqualTo(2);
    assertThat(done.get("progress").get("percent").asDouble()).isEqualTo(100.0);
    JsonNode m = done.get("messages");
    assertThat(m.get("sent").asInt() + m.get("delivered").asInt() + m.get("read").asInt()).isEqualTo(2);
    assertThat(done.get("finishedAt").isNull()).isFalse();

    JsonNode page = body(api.call("GET", "/v1/campaigns/" + id + "/recipients?limit=1", null));
    assertThat(page.get("data")).hasSize(1);
    assertThat(page.get("data").get(0).get("to").asText()).isEqualTo("+5511999990001");
    assertThat(page.get("data").get(0).get("sentAt").isNull()).isFalse();
    JsonNode second = body(api.call("GET", "/v1/campaigns/" + id + "/recipients?limit=1&cursor="
        + page.get("nextCursor").asText(), null));
    assertThat(second.get("data").get(0).get("to").asText()).isEqualTo("+5511999990003");
    assertThat(second.get("nextCursor").isNull()).isTrue();

    HttpResponse<String> asCsv = api.call("GET", "/v1/campaigns/" + id + "/recipients", null, ApiTestSupport.KEY,
        Map.of("Accept", "text/csv"), Duration.ofSeconds(10));
    assertThat(asCsv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(asCsv.body().split("\r\n")).hasSize(3);
    assertThat(asCsv.body()).startsWith("to,status,messageId");
    assertThat(asCsv.body()).contains("+5511999990003,");
    assertThat(api.call("GET", "/v1/campaigns/" + id + "/recipients?status=bogus", null).statusCode()).isEqualTo(400);

    HttpResponse<String> pause = api.call("POST", "/v1/campaigns/" + id + "/pause", null);
    assertThat(pause.statusCode()).isEqualTo(409);
    JsonNode list = body(api.call("GET", "/v1/campaigns", null));
    assertThat(list.get("data").findValuesAsText("id")).contains(id);
  }

  @Test
  void anInvalidCampaignIs400WithEveryField() {
    HttpResponse<String> r = api.call("POST", "/v1/campaigns",
        "{\"instanceId\": \"" + ins + "\", \"type\": \"text\", \"text\": {\"body\": \"\"}, \"startAt\": \"tomorrow\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(body(r).get("errors").findValuesAsText("field")).contains("name", "startAt", "text.body");
  }

  @Test
  void fiftyConcurrentCreatesWithOneIdempotencyKeyMakeOneCampaignAndAnotherBodyIs422() throws Exception {
    String body = """
        {"instanceId": "%s", "name": "idem", "type": "text", "text": {"body": "Oi {{name}}"},
         "recipients": [{"to": "+5511999991001", "variables": {"name": "Ana"}}, {"to": "bad"}]}
        """.formatted(ins);
    Map<String, String> key = Map.of("Idempotency-Key", "cmp-idem-1");
    List<HttpResponse<String>> answers;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      for (int n = 0; n < 50; n++) {
        calls.add(pool.submit(() -> api.call("POST", "/v1/campaigns", body, ApiTestSupport.KEY, key, Duration.ofSeconds(30))));
      }
      answers = new ArrayList<>();
      for (Future<HttpResponse<String>> f : calls) {
        answers.add(f.get());
      }
    }
    assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(201));
    Set<String> ids = new HashSet<>();
    answers.forEach(r -> ids.add(body(r).get("id").asText()));
    assertThat(ids).hasSize(1);
    assertThat(answers.stream().filter(r -> r.headers().firstValue("Idempotent-Replayed").isPresent())).hasSize(49);
    // Every answer carries the first request's import report.
    assertThat(answers).allSatisfy(r -> assertThat(body(r).get("import").get("added").asInt()).isEqualTo(1));
    JsonNode list = body(api.call("GET", "/v1/campaigns?limit=100", null));
    assertThat(list.get("data").findValuesAsText("name").stream().filter("idem"::equals)).hasSize(1);

    HttpResponse<String> other = api.call("POST", "/v1/campaigns", body.replace("Oi", "Olá"), ApiTestSupport.KEY, key,
        Duration.ofSeconds(10));
    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(body(other).get("detail").asText()).contains("cmp-idem-1");
  }
}
