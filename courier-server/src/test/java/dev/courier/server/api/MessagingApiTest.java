package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import dev.courier.whatsapp.inbound.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The messaging API through a real server on a test database, as a user's program drives it. */
class MessagingApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "ck_test_admin_key_for_messaging_api";

  @TempDir static Path dataDir;
  static CourierServer server;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> env = Configs.externalEnv(dataDir, TestDatabase.createDatabase());
    env.put("COURIER_API_KEY", KEY);
    server = CourierServer.start(Configs.load(env));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static HttpResponse<String> call(String method, String path, String json) {
    return Http.send(method, server.url() + path, json, KEY);
  }

  private static JsonNode body(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void firstRunHasADemoInstanceThatSendsAMessageTheUserCanReadBackAsSent() throws Exception {
    JsonNode instances = body(call("GET", "/v1/instances", null));
    assertThat(instances.get("data").findValuesAsText("id")).contains("ins_demo");
    HttpResponse<String> sent = call("POST", "/v1/messages",
        "{\"instanceId\": \"ins_demo\", \"to\": \"+5511999999999\", \"type\": \"text\","
            + " \"text\": {\"body\": \"Olá!\", \"previewUrl\": false}, \"priority\": \"urgent\", \"metadata\": {\"orderId\": \"A-17\"}}");
    assertThat(sent.statusCode()).isEqualTo(202);
    JsonNode m = body(sent);
    assertThat(m.get("id").asText()).startsWith("msg_");
    assertThat(m.get("status").asText()).isEqualTo("queued");
    assertThat(m.get("priority").asInt()).isZero();
    assertThat(m.get("queuePosition").asInt()).isEqualTo(1);
    assertThat(m.get("to").asText()).isEqualTo("+5511999999999");
    assertThat(m.get("history").get(0).get("status").asText()).isEqualTo("queued");
    assertThat(m.get("attempts")).isEmpty();
    assertThat(m.get("metadata").get("orderId").asText()).isEqualTo("A-17");
    assertThat(m.has("scheduledAt")).isTrue();
    String id = m.get("id").asText();
    await().atMost(Duration.ofSeconds(15)).until(() -> body(call("GET", "/v1/messages/" + id, null)).get("status").asText().matches("sent|delivered|read"));
    JsonNode read = body(call("GET", "/v1/messages/" + id, null));
    assertThat(read.get("providerMessageId").asText()).startsWith("wamid.");
    JsonNode outbox = body(call("GET", "/v1/instances/ins_demo/outbox", null));
    assertThat(outbox.get("data").findValuesAsText("messageId")).contains(id);
    assertThat(outbox.get("data").get(0).has("acceptedAt")).isTrue();
  }

  @Test
  void invalidMessagesAnswer400ProblemsNamingTheFields() throws Exception {
    HttpResponse<String> r = call("POST", "/v1/messages",
        "{\"instanceId\": \"ins_demo\", \"to\": \"not a phone\", \"type\": \"image\", \"image\": {\"link\": \"http://x.example/a.png\"}}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode p = body(r);
    assertThat(p.get("type").asText()).isEqualTo("https://courier.dev/problems/validation");
    assertThat(p.get("errors").findValuesAsText("field")).contains("to", "image.link");
    assertThat(call("POST", "/v1/messages", "{\"instanceId\": ").statusCode()).isEqualTo(400);
    assertThat(body(call("POST", "/v1/messages", "{\"instanceId\": ")).get("detail").asText()).contains("line 1");
    assertThat(call("GET", "/v1/messages/msg_nope", null).statusCode()).isEqualTo(404);
    // Times and durations beyond what the database and the limiters can hold are named, not 500s.
    HttpResponse<String> far = call("POST", "/v1/messages", "{\"instanceId\": \"ins_demo\", \"to\": \"+5511999999999\","
        + " \"type\": \"text\", \"text\": {\"body\": \"x\"}, \"sendAt\": \"+999999999-12-31T23:59:59Z\", \"delay\": \"99999999999d\"}");
    assertThat(far.statusCode()).isEqualTo(400);
    assertThat(body(far).get("errors").findValuesAsText("field")).contains("sendAt", "delay");
    assertThat(Http.send("GET", server.url() + "/v1/messages/msg_nope", null).statusCode()).isEqualTo(401);
  }

  @Test
  void cancellingAScheduledMessageWorksAndCancellingItAgainConflicts() throws Exception {
    String id = body(call("POST", "/v1/messages",
        "{\"instanceId\": \"ins_demo\", \"to\": \"+5511999990002\", \"type\": \"text\", \"text\": {\"body\": \"later\"}, \"delay\": \"1h\"}"))
        .get("id").asText();
    HttpResponse<String> cancel = call("DELETE", "/v1/messages/" + id, null);
    assertThat(cancel.statusCode()).isEqualTo(200);
    assertThat(body(cancel).get("status").asText()).isEqualTo("cancelled");
    HttpResponse<String> again = call("DELETE", "/v1/messages/" + id, null);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(body(again).get("currentStatus").asText()).isEqualTo("cancelled");
  }

  @Test
  void cloudApiWebhooksVerifyTheHandshakeAndTheSignature() throws Exception {
    JsonNode created = body(call("POST", "/v1/instances",
        "{\"name\": \"cloud-hooks\", \"provider\": \"cloud_api\", \"settings\": {\"phoneNumberId\": \"1234567890\","
            + " \"accessToken\": \"EAAG-secret\", \"appSecret\": \"app-secret\", \"verifyToken\": \"verify-me\"}}"));
    String instance = created.get("id").asText();
    assertThat(created.get("settings").has("accessToken")).isFalse();
    assertThat(created.get("settings").has("appSecret")).isFalse();
    String hook = server.url() + "/webhooks/whatsapp/" + instance;
    HttpResponse<String> ok = Http.get(hook + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("1158201444");
    assertThat(Http.get(hook + "?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1").statusCode()).isEqualTo(403);

    String payload = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\","
        + "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550001111\",\"phone_number_id\":\"1234567890\"},"
        + "\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"5511988887777\"}],"
        + "\"messages\":[{\"from\":\"5511988887777\",\"id\":\"wamid.IN1\",\"timestamp\":\"1763900000\",\"type\":\"text\",\"text\":{\"body\":\"oi\"}}]}}]}]}";
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    assertThat(post(hook, bytes, null).statusCode()).isEqualTo(401);
    byte[] tampered = payload.replace("oi", "oh").getBytes(StandardCharsets.UTF_8);
    assertThat(post(hook, tampered, WebhookSignature.sign(bytes, "app-secret")).statusCode()).isEqualTo(401);
    assertThat(post(hook, bytes, WebhookSignature.sign(bytes, "wrong-secret")).statusCode()).isEqualTo(401);
    assertThat(inboundCount(instance)).isZero();
    assertThat(post(hook, bytes, WebhookSignature.sign(bytes, "app-secret")).statusCode()).isEqualTo(200);
    assertThat(post(hook, bytes, WebhookSignature.sign(bytes, "app-secret")).statusCode()).isEqualTo(200);
    assertThat(inboundCount(instance)).isEqualTo(1);
  }

  private static long inboundCount(String instance) throws Exception {
    try (var c = server.database().dataSource().getConnection();
        var ps = c.prepareStatement("SELECT count(*) FROM courier_inbound_message WHERE instance_id = ?")) {
      ps.setString(1, instance);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static HttpResponse<String> post(String url, byte[] body, String signature) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Content-Type", "application/json");
    if (signature != null) {
      b.header("X-Hub-Signature-256", signature);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void creatingAnInstanceTwiceWithOneIdempotencyKeyCreatesOneAndAnotherBodyIsRefused() throws Exception {
    String body = "{\"name\": \"idem\", \"provider\": \"simulator\"}";
    HttpResponse<String> first = Http.send("POST", server.url() + "/v1/instances", body, KEY, "Idempotency-Key", "inst-1");
    HttpResponse<String> again = Http.send("POST", server.url() + "/v1/instances", body, KEY, "Idempotency-Key", "inst-1");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(body(again).get("id").asText()).isEqualTo(body(first).get("id").asText());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    HttpResponse<String> other = Http.send("POST", server.url() + "/v1/instances",
        "{\"name\": \"idem-2\", \"provider\": \"simulator\"}", KEY, "Idempotency-Key", "inst-1");
    assertThat(other.statusCode()).isEqualTo(422);
  }
}
