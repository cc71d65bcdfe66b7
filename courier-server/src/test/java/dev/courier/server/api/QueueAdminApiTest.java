package dev.courier.server.api;

import static dev.courier.server.api.ApiTestSupport.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.server.testing.Organizations;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /v1/queues, /v1/jobs and /v1/order-keys through a real server on a test database. */
class QueueAdminApiTest {
  static ApiTestSupport api;
  static String otherAdmin;
  static String plainKey;

  @BeforeAll
  static void start() throws Exception {
    api = ApiTestSupport.start();
    otherAdmin = Organizations.key(api.server.database().dataSource(), "org_other", true);
    plainKey = Organizations.key(api.server.database().dataSource(), "org_default", false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  private static String send(String instance, String to, String delay) {
    return "{\"instanceId\": \"" + instance + "\", \"to\": \"" + to + "\", \"type\": \"text\", \"text\": {\"body\": \"hi\"}"
        + (delay == null ? "" : ", \"delay\": \"" + delay + "\"") + "}";
  }

  private static String message(String instance, String to, String delay) {
    HttpResponse<String> r = api.call("POST", "/v1/messages", send(instance, to, delay));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    return body(r).get("id").asText();
  }

  private static String jobOf(String messageId) throws Exception {
    return api.sql("SELECT job_id FROM courier_message WHERE id = ?", messageId).toString();
  }

  private static JsonNode job(String id) {
    HttpResponse<String> r = api.call("GET", "/v1/jobs/" + id, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return body(r);
  }

  private static String messageStatus(String id) {
    return body(api.call("GET", "/v1/messages/" + id, null)).get("status").asText();
  }

  private static JsonNode queue(String name) {
    for (JsonNode q : body(api.call("GET", "/v1/queues", null)).get("data")) {
      if (q.get("name").asText().equals(name)) {
        return q;
      }
    }
    throw new AssertionError("no queue " + name);
  }

  @Test
  void queuesAreListedWithCountsByStateAndPauseAndResumeFlipTheirFlag() {
    HttpResponse<String> r = api.call("GET", "/v1/queues", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body(r).get("data").findValuesAsText("name")).contains("outbound", "callbacks");
    JsonNode outbound = queue("outbound");
    assertThat(outbound.get("paused").asBoolean()).isFalse();
    List<String> states = new ArrayList<>();
    outbound.get("counts").fieldNames().forEachRemaining(states::add);
    assertThat(states).containsExactly("scheduled", "available", "running", "retryable", "completed", "cancelled", "discarded");

    HttpResponse<String> paused = api.call("POST", "/v1/queues/callbacks/pause", null);
    assertThat(paused.statusCode()).isEqualTo(200);
    assertThat(body(paused).get("paused").asBoolean()).isTrue();
    assertThat(queue("callbacks").get("paused").asBoolean()).isTrue();
    HttpResponse<String> resumed = api.call("POST", "/v1/queues/callbacks/resume", null);
    assertThat(body(resumed).get("paused").asBoolean()).isFalse();
    assertThat(queue("callbacks").get("paused").asBoolean()).isFalse();

    assertThat(api.call("POST", "/v1/queues/no-such-queue/pause", null).statusCode()).isEqualTo(404);
    assertThat(queue("outbound").get("paused").asBoolean()).isFalse();
  }

  @Test
  void onlyTheDeploymentsAdminKeySeesTheEngine() throws Exception {
    String id = jobOf(message("ins_demo", "+5511999991001", "1h"));
    for (String key : new String[] {otherAdmin, plainKey}) {
      for (String[] call : new String[][] {
          {"GET", "/v1/queues"}, {"POST", "/v1/queues/outbound/pause"}, {"POST", "/v1/queues/outbound/retry-discarded"},
          {"GET", "/v1/jobs"}, {"GET", "/v1/jobs/" + id}, {"POST", "/v1/jobs/" + id + "/cancel"},
          {"POST", "/v1/jobs/" + id + "/retry"}, {"GET", "/v1/order-keys/blocked"}}) {
        HttpResponse<String> r = api.call(call[0], call[1], null, key);
        assertThat(r.statusCode()).as(call[0] + " " + call[1]).isEqualTo(404);
        assertThat(body(r).get("detail").asText()).startsWith("no route");
      }
    }
    assertThat(queue("outbound").get("paused").asBoolean()).isFalse();
    assertThat(job(id).get("state").asText()).isEqualTo("scheduled");
  }

  @Test
  void jobsAreListedByQueueStateAndKindNewestFirstInPagesWithStringIds() throws Exception {
    String ins = api.instance(ApiTestSupport.KEY, "{\"name\": \"jobs-list\", \"provider\": \"simulator\"}");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(jobOf(message(ins, "+551199999110" + i, "1h")));
    }
    HttpResponse<String> first = api.call("GET", "/v1/jobs?queue=outbound&state=scheduled&kind=whatsapp.send&limit=2", null);
    assertThat(first.statusCode()).isEqualTo(200);
    JsonNode page1 = body(first);
    assertThat(page1.get("data")).hasSize(2);
    assertThat(page1.get("data").get(0).get("id").isTextual()).isTrue();
    assertThat(page1.get("data").get(0).get("id").asText()).isEqualTo(ids.get(2));
    assertThat(page1.get("data").get(0).get("args").get("messageId").asText()).startsWith("msg_");
    assertThat(page1.get("data").get(0).get("orderKey").asText()).startsWith("wa:" + ins + ":chat:");
    String cursor = page1.get("nextCursor").asText();
    JsonNode page2 = body(api.call("GET", "/v1/jobs?queue=outbound&state=scheduled&kind=whatsapp.send&limit=2&cursor=" + cursor, null));
    List<String> seen = new ArrayList<>(page1.get("data").findValuesAsText("id"));
    seen.addAll(page2.get("data").findValuesAsText("id"));
    assertThat(seen).containsSubsequence(ids.get(2), ids.get(1), ids.get(0)).doesNotHaveDuplicates();
    assertThat(body(api.call("GET", "/v1/jobs?kind=no.such.kind", null)).get("data")).isEmpty();

    JsonNode one = job(ids.get(0));
    assertThat(one.get("id").asText()).isEqualTo(ids.get(0));
    assertThat(one.get("queue").asText()).isEqualTo("outbound");
    assertThat(one.get("state").asText()).isEqualTo("scheduled");
    assertThat(one.get("maxAttempts").asInt()).isEqualTo(8);
    assertThat(one.get("limiterKeys").get(0).asText()).isEqualTo("wa:" + ins);
    assertThat(one.get("errors")).isEmpty();

    assertThat(fields(api.call("GET", "/v1/jobs?state=lost", null))).containsExactly("state");
    assertThat(fields(api.call("GET", "/v1/jobs?queue=", null))).containsExactly("queue");
    assertThat(fields(api.call("GET", "/v1/jobs?cursor=zzz", null))).containsExactly("cursor");
    assertThat(fields(api.call("GET", "/v1/jobs?limit=100000", null))).containsExactly("limit");
    assertThat(api.call("GET", "/v1/jobs/abc", null).statusCode()).isEqualTo(404);
    assertThat(api.call("GET", "/v1/jobs/-1", null).statusCode()).isEqualTo(404);
    assertThat(api.call("GET", "/v1/jobs/987654321", null).statusCode()).isEqualTo(404);
    assertThat(api.call("POST", "/v1/jobs/987654321/cancel", null).statusCode()).isEqualTo(404);
    assertThat(api.call("POST", "/v1/jobs/987654321/retry", null).statusCode()).isEqualTo(404);
  }

  @Test
  void aFailingSendShowsItsErrorsBlocksItsChatAndIsRetriedThenCancelledWithItsMessage() throws Exception {
    String ins = api.instance(ApiTestSupport.KEY,
        "{\"name\": \"jobs-failing\", \"provider\": \"simulator\", \"settings\": {\"latency\": \"0ms\", \"failureRate\": 1.0}}");
    String msg = message(ins, "+5511999991201", null);
    String id = jobOf(msg);

    await().atMost(Duration.ofSeconds(20)).until(() -> !job(id).get("errors").isEmpty());
    JsonNode error = job(id).get("errors").get(0);
    assertThat(error.get("attempt").asInt()).isEqualTo(1);
    assertThat(error.get("class").asText()).isNotBlank();
    assertThat(error.get("message").asText()).contains("simulated");
    assertThat(error.has("trace")).isTrue();
    assertThat(error.has("at")).isTrue();
    // The chat's head failed and waits for its retry: its key is blocked.
    String key = "wa:" + ins + ":chat:+5511999991201";
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      for (JsonNode k : body(api.call("GET", "/v1/order-keys/blocked", null)).get("data")) {
        if (k.get("key").asText().equals(key)) {
          return k.get("headJobId").asText().equals(id) && k.get("queue").asText().equals("outbound")
              && k.get("lastError").get("message").asText().contains("simulated");
        }
      }
      return false;
    });
    assertThat(fields(api.call("GET", "/v1/order-keys/blocked?cursor=zzz", null))).containsExactly("cursor");

    // Paused, the instance's job stops running; retried, it waits for the instance.
    api.call("POST", "/v1/instances/" + ins + "/pause", null);
    await().atMost(Duration.ofSeconds(20)).until(() -> !job(id).get("state").asText().equals("running"));
    HttpResponse<String> retried = api.call("POST", "/v1/jobs/" + id + "/retry", null);
    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
    assertThat(body(retried).get("state").asText()).isIn("available", "scheduled");
    assertThat(messageStatus(msg)).isEqualTo("queued");

    // Cancelling the send job cancels its message too.
    HttpResponse<String> cancelled = api.call("POST", "/v1/jobs/" + id + "/cancel", null);
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
    assertThat(body(cancelled).get("state").asText()).isEqualTo("cancelled");
    assertThat(messageStatus(msg)).isEqualTo("cancelled");
    assertThat(api.call("POST", "/v1/jobs/" + id + "/cancel", null).statusCode()).isEqualTo(200);
    // A send job whose message is final would end without sending: refused.
    HttpResponse<String> again = api.call("POST", "/v1/jobs/" + id + "/retry", null);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(body(again).get("messageStatus").asText()).isEqualTo("cancelled");
    assertThat(body(again).get("currentState").asText()).isEqualTo("cancelled");
  }

  @Test
  void discardedJobsAreRetriedAndOldFinishedJobsCleanedOneQueueAtATime() throws Exception {
    // A finished send: its job completes, and the simulator's status callbacks run in another queue.
    String sent = message("ins_demo", "+5511999991301", null);
    String sentJob = jobOf(sent);
    await().atMost(Duration.ofSeconds(20)).until(() -> job(sentJob).get("state").asText().equals("completed"));
    await().atMost(Duration.ofSeconds(20)).until(() ->
        ((Number) api.sql("SELECT count(*) FROM courier_job WHERE queue = 'callbacks' AND state = 'completed'")).longValue() > 0);
    HttpResponse<String> late = api.call("POST", "/v1/jobs/" + sentJob + "/cancel", null);
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(body(late).get("currentState").asText()).isEqualTo("completed");
    assertThat(api.call("POST", "/v1/jobs/" + sentJob + "/retry", null).statusCode()).isEqualTo(409);

    // A discarded send job (its message then fails) is made available again.
    String ins = api.instance(ApiTestSupport.KEY, "{\"name\": \"jobs-discarded\", \"provider\": \"simulator\"}");
    api.call("POST", "/v1/instances/" + ins + "/pause", null);
    String msg = message(ins, "+5511999991302", "1h");
    String discarded = jobOf(msg);
    assertThat(api.server.engine().discard(Long.parseLong(discarded))).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> messageStatus(msg).equals("failed"));
    assertThat(body(api.call("GET", "/v1/jobs?state=discarded", null)).get("data").findValuesAsText("id")).contains(discarded);
    HttpResponse<String> retried = api.call("POST", "/v1/queues/outbound/retry-discarded", null);
    assertThat(retried.statusCode()).isEqualTo(200);
    assertThat(body(retried).get("retried").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(job(discarded).get("state").asText()).isNotEqualTo("discarded");
    assertThat(api.call("POST", "/v1/queues/no-such-queue/retry-discarded", null).statusCode()).isEqualTo(404);

    // Cleaning deletes the queue's finished jobs of that state only.
    assertThat(fields(api.call("POST", "/v1/queues/outbound/clean", "{\"state\": \"running\", \"olderThan\": \"7 days\", \"x\": 1}")))
        .containsExactlyInAnyOrder("state", "olderThan", "x");
    assertThat(fields(api.call("POST", "/v1/queues/outbound/clean", "{}"))).containsExactlyInAnyOrder("state", "olderThan");
    long callbacksBefore = ((Number) api.sql("SELECT count(*) FROM courier_job WHERE queue = 'callbacks' AND state = 'completed'")).longValue();
    HttpResponse<String> kept = api.call("POST", "/v1/queues/outbound/clean", "{\"state\": \"completed\", \"olderThan\": \"7d\"}");
    assertThat(kept.statusCode()).isEqualTo(200);
    assertThat(body(kept).get("deleted").asInt()).isZero();
    HttpResponse<String> cleaned = api.call("POST", "/v1/queues/outbound/clean", "{\"state\": \"completed\", \"olderThan\": \"0ms\"}");
    assertThat(cleaned.statusCode()).as(cleaned.body()).isEqualTo(200);
    assertThat(body(cleaned).get("deleted").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(body(cleaned).get("queue").asText()).isEqualTo("outbound");
    assertThat(api.call("GET", "/v1/jobs/" + sentJob, null).statusCode()).isEqualTo(404);
    assertThat(((Number) api.sql("SELECT count(*) FROM courier_job WHERE queue = 'callbacks' AND state = 'completed'")).longValue())
        .isGreaterThanOrEqualTo(callbacksBefore);
    // The message outlives its job.
    assertThat(messageStatus(sent)).matches("sent|delivered|read");
  }

  private static List<String> fields(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    return body(r).get("errors").findValuesAsText("field");
  }
}
