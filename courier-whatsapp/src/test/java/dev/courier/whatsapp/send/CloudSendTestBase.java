package dev.courier.whatsapp.send;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.Job;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.event.DomainEvent;
import dev.courier.whatsapp.inbound.WebhookService;
import dev.courier.whatsapp.inbound.WebhookSignature;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.testing.DomainTestBase;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Send worker tests against {@link FakeCloudApi}: real HTTP, real PostgreSQL, and only the domain's
 * public API (instances, messages, webhooks, events, the engine's admin calls).
 *
 * <p>These classes are not tagged {@code database}, so they run once, on the embedded PostgreSQL:
 * they test the worker's decisions, and the statements they use run on the external server too
 * through the tagged classes (SimulatorSendTest, GatewayInstanceTest, InDoubtCrashTest, …). Running
 * them twice would add minutes of waiting for windows and back-offs to every CI run.
 */
abstract class CloudSendTestBase extends DomainTestBase {
  static final String PHONE_NUMBER_ID = "1234567890";
  static final String APP_SECRET = "sec";
  static final String CHAT = "+5511999990001";
  static final String OTHER_CHAT = "+5511999990002";
  static final String THIRD_CHAT = "+5511999990003";

  protected FakeCloudApi meta;

  @BeforeEach
  void startFakeCloudApi() {
    meta = FakeCloudApi.start();
  }

  // Runs before DomainTestBase stops the nodes: a hanging answer is released first.
  @AfterEach
  void stopFakeCloudApi() {
    meta.close();
  }

  /**
   * A cloud_api instance on the fake, with the provider's pacing defaults off ({@code rate} and
   * {@code pair} null, no messaging limit) unless {@code more} sets them.
   */
  protected Instance cloudInstance(WhatsApp w, Consumer<ObjectNode> more) throws SQLException {
    ObjectNode body = JSON.createObjectNode();
    body.put("name", "c1").put("provider", "cloud_api");
    body.putObject("settings")
        .put("baseUrl", meta.baseUrl())
        .put("apiVersion", "v23.0")
        .put("phoneNumberId", PHONE_NUMBER_ID)
        .put("accessToken", "tok")
        .put("appSecret", APP_SECRET)
        .put("verifyToken", "vt");
    ObjectNode limits = body.putObject("limits");
    limits.putNull("rate");
    limits.putNull("pair");
    limits.put("messagingLimit", "unlimited");
    more.accept(body);
    return w.instances().create(ORG, body);
  }

  protected Instance cloudInstance(WhatsApp w) throws SQLException {
    return cloudInstance(w, b -> {});
  }

  /** A template message request. */
  protected static ObjectNode template(String instanceId, String to, String name) {
    ObjectNode o = JSON.createObjectNode();
    o.put("instanceId", instanceId).put("to", to).put("type", "template");
    o.putObject("template").put("name", name).putObject("language").put("code", "pt_BR");
    return o;
  }

  protected String send(WhatsApp w, ObjectNode request) throws SQLException {
    return w.messages().send(ORG, request, null).message().id();
  }

  protected Message awaitStatus(WhatsApp w, String id, MessageStatus status, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(50))
        .until(() -> message(w, id).status() == status);
    try {
      return message(w, id);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  protected List<String> history(WhatsApp w, String id) throws SQLException {
    return w.messages().view(message(w, id)).get("history").findValuesAsText("status");
  }

  protected JsonNode attempts(WhatsApp w, String id) throws SQLException {
    return w.messages().view(message(w, id)).get("attempts");
  }

  protected List<String> attemptOutcomes(WhatsApp w, String id) throws SQLException {
    List<String> out = new ArrayList<>();
    attempts(w, id).forEach(a -> out.add(a.get("outcome").asText()));
    return out;
  }

  /** Types of the events about {@code subjectId}, in the order they were recorded. */
  protected List<String> events(WhatsApp w, String subjectId) throws SQLException {
    return w.events().eventList(ORG, 0, 1000).stream()
        .filter(e -> subjectId.equals(e.subjectId()))
        .map(DomainEvent::type)
        .toList();
  }

  protected Job job(WhatsApp w, String messageId) throws SQLException {
    return w.engine().job(message(w, messageId).jobId()).orElseThrow();
  }

  /** Delivers a Cloud API webhook signed with the app secret, as Meta would; expects 200. */
  protected void deliver(WhatsApp w, Instance i, ObjectNode body) throws SQLException {
    byte[] bytes = body.toString().getBytes(UTF_8);
    String signature = WebhookSignature.sign(bytes, APP_SECRET);
    WebhookService.Answer answer = w.webhooks().receive(i.id(),
        h -> WebhookSignature.HEADER.equalsIgnoreCase(h) ? signature : null, q -> null, bytes);
    assertThat(answer.status()).as("webhook answer %s", answer.body()).isEqualTo(200);
  }

  /** A status webhook for one message; {@code opaque} (Courier's message id) may be null. */
  protected static ObjectNode statusWebhook(String wamid, String status, String opaque, Instant at) {
    ObjectNode value = webhookValue();
    ObjectNode s = value.putArray("statuses").addObject();
    s.put("id", wamid).put("status", status).put("timestamp", String.valueOf(at.getEpochSecond()))
        .put("recipient_id", CHAT.substring(1));
    if (opaque != null) {
      s.put("biz_opaque_callback_data", opaque);
    }
    return envelope(value);
  }

  /** A text message a user sent the number (from {@code e164}), as Meta's webhook carries it. */
  protected static ObjectNode inboundWebhook(String e164, String wamid, Instant at) {
    ObjectNode value = webhookValue();
    ObjectNode contact = value.putArray("contacts").addObject();
    contact.putObject("profile").put("name", "Ana");
    contact.put("wa_id", e164.substring(1));
    ObjectNode m = value.putArray("messages").addObject();
    m.put("from", e164.substring(1)).put("id", wamid).put("timestamp", String.valueOf(at.getEpochSecond()))
        .put("type", "text");
    m.putObject("text").put("body", "oi");
    return envelope(value);
  }

  private static ObjectNode webhookValue() {
    ObjectNode value = JSON.createObjectNode();
    value.put("messaging_product", "whatsapp");
    value.putObject("metadata").put("display_phone_number", "15550001111").put("phone_number_id", PHONE_NUMBER_ID);
    return value;
  }

  private static ObjectNode envelope(ObjectNode value) {
    ObjectNode root = JSON.createObjectNode();
    root.put("object", "whatsapp_business_account");
    ArrayNode entries = root.putArray("entry");
    ObjectNode entry = entries.addObject().put("id", "102290129340398");
    ObjectNode change = entry.putArray("changes").addObject();
    change.put("field", "messages");
    change.set("value", value);
    return root;
  }

  /** Sleeps so that a test can assert that nothing happened meanwhile. */
  protected static void quietFor(Duration d) throws InterruptedException {
    Thread.sleep(d);
  }
}
