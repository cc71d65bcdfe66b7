package dev.courier.server.api;

import static dev.courier.server.api.ApiTestSupport.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.queue.JobState;
import dev.courier.queue.LimiterConfig;
import dev.courier.server.testing.Organizations;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PATCH and DELETE /v1/instances/{id} through a real server on a test database. */
class InstanceAdminApiTest {
  static ApiTestSupport api;
  static String otherKey;

  @BeforeAll
  static void start() throws Exception {
    api = ApiTestSupport.start();
    otherKey = Organizations.key(api.server.database().dataSource(), "org_other", true);
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  private static final String CLOUD =
      "{\"name\": \"%s\", \"provider\": \"cloud_api\", \"settings\": {\"phoneNumberId\": \"%s\","
          + " \"accessToken\": \"EAAG-old\", \"appSecret\": \"app-secret\"}}";

  @Test
  void patchChangesTheGivenMembersMergesSettingsAndLimitsAndNeverReturnsSecrets() throws Exception {
    String id = api.instance(ApiTestSupport.KEY, CLOUD.formatted("cloud-patch", "5550001"));
    JsonNode before = body(api.call("GET", "/v1/instances/" + id, null));

    HttpResponse<String> r = api.call("PATCH", "/v1/instances/" + id,
        "{\"name\": \"cloud-renamed\", \"settings\": {\"accessToken\": \"EAAG-new\", \"apiVersion\": \"v23.0\","
            + " \"appSecret\": null}, \"defaultRegion\": \"BR\", \"timeZone\": \"America/Sao_Paulo\","
            + " \"orderRelease\": \"sent\", \"orderReleaseTimeout\": \"30s\", \"typing\": \"1500ms\","
            + " \"inDoubt\": {\"policy\": \"fail\"}, \"limits\": {\"rate\": {\"count\": 10, \"per\": \"1s\"}}}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode i = body(r);
    assertThat(i.get("name").asText()).isEqualTo("cloud-renamed");
    assertThat(i.get("settings").get("apiVersion").asText()).isEqualTo("v23.0");
    assertThat(i.get("settings").get("phoneNumberId").asText()).isEqualTo("5550001");
    assertThat(i.get("settings").has("accessToken")).isFalse();
    assertThat(i.get("defaultRegion").asText()).isEqualTo("BR");
    assertThat(i.get("timeZone").asText()).isEqualTo("America/Sao_Paulo");
    assertThat(i.get("orderRelease").asText()).isEqualTo("sent");
    assertThat(i.get("orderReleaseTimeout").asText()).isEqualTo("30s");
    assertThat(i.get("typing").asText()).isEqualTo("1500ms");
    assertThat(i.get("inDoubt").get("policy").asText()).isEqualTo("fail");
    assertThat(i.get("inDoubt").get("window").asText()).isEqualTo("10m");
    assertThat(i.get("limits").get("rate").get("count").asInt()).isEqualTo(10);
    // Members not given keep the provider's defaults.
    assertThat(i.get("limits").get("pair").get("count").asInt()).isEqualTo(10);
    assertThat(i.get("ordering").asText()).isEqualTo("chat");
    assertThat(Instant.parse(i.get("updatedAt").asText())).isAfter(Instant.parse(before.get("updatedAt").asText()));
    // The secret was replaced (and the removed one is gone) in storage only.
    assertThat(api.sql("SELECT settings->>'accessToken' FROM courier_instance WHERE id = ?", id)).isEqualTo("EAAG-new");
    assertThat(api.sql("SELECT jsonb_exists(settings, 'appSecret') FROM courier_instance WHERE id = ?", id)).isEqualTo(false);
    assertThat(body(api.call("GET", "/v1/instances/" + id, null)).get("name").asText()).isEqualTo("cloud-renamed");
    // The number's limiter changed at once.
    LimiterConfig limiter = api.server.engine().limiters().get("wa:" + id);
    assertThat(limiter.rate().count()).isEqualTo(10);
    assertThat(limiter.paused()).isFalse();

    // "limits": null goes back to the provider's defaults.
    JsonNode reset = body(api.call("PATCH", "/v1/instances/" + id, "{\"limits\": null}"));
    assertThat(reset.get("limits").get("rate").get("count").asInt()).isEqualTo(80);
    assertThat(api.server.engine().limiters().get("wa:" + id).rate().count()).isEqualTo(80);
  }

  @Test
  void invalidPatchesAnswer400NamingEveryFieldAndChangeNothing() throws Exception {
    String id = api.instance(ApiTestSupport.KEY, CLOUD.formatted("cloud-invalid", "5550002"));
    HttpResponse<String> r = api.call("PATCH", "/v1/instances/" + id,
        "{\"name\": \"\", \"provider\": \"gateway\", \"settings\": {\"accessToken\": null, \"baseUrl\": \"ftp://x\"},"
            + " \"ordering\": \"zigzag\", \"timeZone\": \"Mars/Olympus\", \"limits\": {\"rate\": {\"count\": 0}, \"gap\": {\"min\": \"soon\"}},"
            + " \"inDoubt\": {\"policy\": \"maybe\"}, \"colour\": \"blue\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(body(r).get("errors").findValuesAsText("field")).contains(
        "name", "provider", "settings.accessToken", "settings.baseUrl", "ordering", "timeZone", "limits.rate.count",
        "limits.gap.min", "inDoubt.policy", "colour");
    assertThat(api.call("PATCH", "/v1/instances/" + id, "[1]").statusCode()).isEqualTo(400);
    assertThat(api.call("PATCH", "/v1/instances/" + id, "{\"name\": ").statusCode()).isEqualTo(400);
    assertThat(body(api.call("GET", "/v1/instances/" + id, null)).get("name").asText()).isEqualTo("cloud-invalid");
    assertThat(api.sql("SELECT settings->>'accessToken' FROM courier_instance WHERE id = ?", id)).isEqualTo("EAAG-old");

    // A name another instance of the organization has.
    HttpResponse<String> taken = api.call("PATCH", "/v1/instances/" + id, "{\"name\": \"demo\"}");
    assertThat(taken.statusCode()).isEqualTo(400);
    assertThat(body(taken).get("errors").get(0).get("field").asText()).isEqualTo("name");
    assertThat(api.call("PATCH", "/v1/instances/ins_nope", "{\"name\": \"x\"}").statusCode()).isEqualTo(404);
  }

  @Test
  void anotherOrganizationsInstanceIs404ForPatchAndDelete() throws Exception {
    String id = api.instance(ApiTestSupport.KEY, CLOUD.formatted("cloud-mine", "5550003"));
    assertThat(api.call("PATCH", "/v1/instances/" + id, "{\"name\": \"stolen\"}", otherKey).statusCode()).isEqualTo(404);
    assertThat(api.call("DELETE", "/v1/instances/" + id + "?force=true", null, otherKey).statusCode()).isEqualTo(404);
    assertThat(api.call("GET", "/v1/instances/" + id, null, otherKey).statusCode()).isEqualTo(404);
    assertThat(body(api.call("GET", "/v1/instances/" + id, null)).get("name").asText()).isEqualTo("cloud-mine");
    // The other organization may use the same name.
    String theirs = api.instance(otherKey, "{\"name\": \"cloud-mine\", \"provider\": \"simulator\"}");
    assertThat(api.call("PATCH", "/v1/instances/" + theirs, "{\"typing\": \"1s\"}", otherKey).statusCode()).isEqualTo(200);
    assertThat(api.call("PATCH", "/v1/instances/" + theirs, "{\"typing\": \"1s\"}").statusCode()).isEqualTo(404);
  }

  @Test
  void aPatchedPausedInstanceStaysPausedAndItsProviderIsRebuiltWithTheNewSettings() throws Exception {
    String id = api.instance(ApiTestSupport.KEY,
        "{\"name\": \"sim-rebuild\", \"provider\": \"simulator\", \"settings\": {\"latency\": \"0ms\", \"permanentFailureRate\": 1.0}}");
    String first = body(api.call("POST", "/v1/messages", send(id, "+5511999990101"))).get("id").asText();
    await().atMost(Duration.ofSeconds(20)).until(() -> status(first).equals("failed"));

    assertThat(api.call("POST", "/v1/instances/" + id + "/pause", null).statusCode()).isEqualTo(200);
    JsonNode patched = body(api.call("PATCH", "/v1/instances/" + id, "{\"settings\": {\"permanentFailureRate\": 0.0}}"));
    assertThat(patched.get("state").asText()).isEqualTo("paused");
    assertThat(api.server.engine().limiters().get("wa:" + id).paused()).isTrue();
    assertThat(api.call("POST", "/v1/instances/" + id + "/resume", null).statusCode()).isEqualTo(200);

    String second = body(api.call("POST", "/v1/messages", send(id, "+5511999990102"))).get("id").asText();
    await().atMost(Duration.ofSeconds(20)).until(() -> status(second).matches("sent|delivered|read"));
  }

  @Test
  void deleteRefusesWhileMessagesAreQueuedAndForceCancelsThemWithTheirJobs() throws Exception {
    String id = api.instance(ApiTestSupport.KEY, "{\"name\": \"sim-delete\", \"provider\": \"simulator\"}");
    String a = body(api.call("POST", "/v1/messages", send(id, "+5511999990201", "1h"))).get("id").asText();
    String b = body(api.call("POST", "/v1/messages", send(id, "+5511999990202", "1h"))).get("id").asText();
    long jobA = ((Number) api.sql("SELECT job_id FROM courier_message WHERE id = ?", a)).longValue();

    HttpResponse<String> refused = api.call("DELETE", "/v1/instances/" + id, null);
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(body(refused).get("queuedMessages").asInt()).isEqualTo(2);
    assertThat(body(refused).get("inFlightMessages").asInt()).isZero();
    assertThat(body(refused).get("type").asText()).isEqualTo("https://courier.dev/problems/conflict");
    HttpResponse<String> badForce = api.call("DELETE", "/v1/instances/" + id + "?force=yes", null);
    assertThat(badForce.statusCode()).isEqualTo(400);
    assertThat(body(badForce).get("errors").get(0).get("field").asText()).isEqualTo("force");
    assertThat(status(a)).isEqualTo("queued");

    HttpResponse<String> deleted = api.call("DELETE", "/v1/instances/" + id + "?force=true", null);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(body(deleted).get("cancelledMessages").asInt()).isEqualTo(2);
    assertThat(body(deleted).get("deleted").asBoolean()).isTrue();
    assertThat(status(a)).isEqualTo("cancelled");
    assertThat(status(b)).isEqualTo("cancelled");
    assertThat(api.server.engine().job(jobA).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    assertThat(api.server.engine().limiters()).doesNotContainKey("wa:" + id);
    // Gone from reads and writes; its messages stay readable; its name is free again.
    assertThat(api.call("GET", "/v1/instances/" + id, null).statusCode()).isEqualTo(404);
    assertThat(api.call("DELETE", "/v1/instances/" + id, null).statusCode()).isEqualTo(404);
    assertThat(api.call("PATCH", "/v1/instances/" + id, "{\"typing\": \"1s\"}").statusCode()).isEqualTo(404);
    assertThat(body(api.call("GET", "/v1/instances", null)).get("data").findValuesAsText("id")).doesNotContain(id);
    HttpResponse<String> late = api.call("POST", "/v1/messages", send(id, "+5511999990203"));
    assertThat(late.statusCode()).isEqualTo(400);
    assertThat(body(late).get("errors").get(0).get("field").asText()).isEqualTo("instanceId");
    assertThat(api.call("GET", "/v1/messages?instance=" + id, null).statusCode()).isEqualTo(200);
    assertThat(body(api.call("GET", "/v1/messages?instance=" + id, null)).get("data")).hasSize(2);
    assertThat(api.instance(ApiTestSupport.KEY, "{\"name\": \"sim-delete\", \"provider\": \"simulator\"}")).isNotEqualTo(id);
  }

  @Test
  void anIdleInstanceIsDeletedWithoutForce() {
    String id = api.instance(ApiTestSupport.KEY, "{\"name\": \"sim-idle\", \"provider\": \"simulator\"}");
    HttpResponse<String> r = api.call("DELETE", "/v1/instances/" + id, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body(r).get("cancelledMessages").asInt()).isZero();
    assertThat(api.call("GET", "/v1/instances/" + id + "/outbox", null).statusCode()).isEqualTo(404);
  }

  private static String send(String instance, String to) {
    return send(instance, to, null);
  }

  private static String send(String instance, String to, String delay) {
    return "{\"instanceId\": \"" + instance + "\", \"to\": \"" + to + "\", \"type\": \"text\", \"text\": {\"body\": \"hi\"}"
        + (delay == null ? "" : ", \"delay\": \"" + delay + "\"") + "}";
  }

  private static String status(String message) {
    return body(api.call("GET", "/v1/messages/" + message, null)).get("status").asText();
  }
}
