package dev.courier.whatsapp.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.testing.DomainTestBase;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@DatabaseTest
class SimulatorSendTest extends DomainTestBase {
  private static final String CHAT = "+5511999990001";

  private Instance simulator(WhatsApp w, String name, String settings) throws Exception {
    return w.instances().create(ORG, json("{\"name\": \"" + name + "\", \"provider\": \"simulator\", \"settings\": " + settings + "}"));
  }

  @Test
  void sendsWithTheLargestSendConcurrencyAndRefusesOneOutOfRange() throws Exception {
    assertThat(WhatsApp.sendPrefetch(256)).isEqualTo(1_024);
    assertThat(WhatsApp.sendPrefetch(4_096)).isEqualTo(10_000);
    assertThatThrownBy(() -> node().sendConcurrency(0)).hasMessageContaining("sendConcurrency: must be 1-10000");
    assertThatThrownBy(() -> node().sendConcurrency(10_001)).hasMessageContaining("sendConcurrency: must be 1-10000");
    WhatsApp w = started(node().sendConcurrency(10_000));
    Instance i = simulator(w, "wide", "{\"statuses\": {}}");
    List<String> ids = new ArrayList<>();
    for (int n = 0; n < 20; n++) {
      ids.add(w.messages().send(ORG, text(i.id(), "+551199999" + (1000 + n), "m" + n), null).message().id());
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> allFinal(w, ids));
    assertThat(ids).allSatisfy(id -> assertThat(message(w, id).status()).isEqualTo(MessageStatus.SENT));
  }

  @Test
  void sendsAMessageAndTracksItToDeliveredWithItsHistory() throws Exception {
    WhatsApp w = started(node());
    Instance i = simulator(w, "s1", "{\"statuses\": {\"sent\": \"0ms\", \"delivered\": \"200ms\", \"read\": \"400ms\"}}");
    Messages.Accepted a = w.messages().send(ORG, text(i.id(), "+55 11 99999-0001", "Olá!", o -> o.putObject("metadata").put("orderId", "A-17")), null);
    assertThat(a.message().status()).isEqualTo(MessageStatus.QUEUED);
    assertThat(a.message().recipient()).isEqualTo(CHAT);
    assertThat(a.queuePosition()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> message(w, a.message().id()).status() == MessageStatus.READ);
    Message m = message(w, a.message().id());
    assertThat(m.providerMessageId()).startsWith("wamid.SIM.");
    ObjectNode view = w.messages().view(m);
    assertThat(view.get("history").findValuesAsText("status")).containsExactly("queued", "sending", "sent", "delivered", "read");
    assertThat(view.get("attempts")).hasSize(1);
    assertThat(view.get("attempts").get(0).get("outcome").asText()).isEqualTo("accepted");
    assertThat(view.get("metadata").get("orderId").asText()).isEqualTo("A-17");
    assertThat(view.get("text").get("body").asText()).isEqualTo("Olá!");
    assertThat(w.outbox(ORG, i.id(), 0, 10)).singleElement().satisfies(e -> {
      assertThat(e.messageId()).isEqualTo(m.id());
      assertThat(e.to()).isEqualTo(CHAT);
      assertThat(e.providerMessageId()).isEqualTo(m.providerMessageId());
    });
    assertThat(w.events().eventList(ORG, 0, 100)).extracting(e -> e.type())
        .contains("message.sent", "message.delivered", "message.read");
  }

  @Test
  void outboxOrderPerChatFollowsPriorityThenEnqueueOrder() throws Exception {
    WhatsApp w = built(node());
    Instance i = simulator(w, "s1", "{}");
    List<String> expected = new ArrayList<>();
    List<String> bulk = new ArrayList<>();
    for (int n = 0; n < 6; n++) {
      String p = n % 3 == 0 ? "urgent" : "bulk";
      String id = w.messages().send(ORG, text(i.id(), CHAT, "m" + n, o -> o.put("priority", p)), null).message().id();
      if (p.equals("urgent")) {
        expected.add(id);
      } else {
        bulk.add(id);
      }
    }
    expected.addAll(bulk);
    w.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.outbox(ORG, i.id(), 0, 100).size() == 6);
    assertThat(w.outbox(ORG, i.id(), 0, 100)).extracting(SimulatorStore.OutboxEntry::messageId).containsExactlyElementsOf(expected);
  }

  @Test
  void twoNodesSendingForOneNumberNeverRepeatAProviderMessageIdAndReserveCallsInBlocks() throws Exception {
    WhatsApp a = built(node());
    WhatsApp b = built(node());
    // A latency keeps sends in flight, so that both nodes claim some.
    Instance i = simulator(a, "s1", "{\"latency\": \"20ms\", \"statuses\": {}}");
    a.start();
    b.start();
    List<String> ids = new ArrayList<>();
    for (int n = 0; n < 150; n++) {
      ids.add(a.messages().send(ORG, text(i.id(), "+551199999" + (1000 + n % 30), "m" + n), null).message().id());
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> allFinal(a, ids));
    assertThat(scalar("SELECT count(*) FROM courier_message WHERE status = 'sent'")).isEqualTo(150);
    assertThat(scalar("SELECT count(DISTINCT provider_message_id) FROM courier_message")).isEqualTo(150);
    assertThat(scalar("SELECT count(*) FROM courier_simulator_outbox")).isEqualTo(150);
    // Both nodes sent (each reserved at least one block), and the counter moved by whole blocks.
    assertThat(scalar("SELECT count(DISTINCT attempted_by) FROM courier_job WHERE kind = 'whatsapp.send'")).isEqualTo(2);
    long calls = scalar("SELECT calls FROM courier_simulator_state WHERE instance_id = ?", i.id());
    assertThat(calls % SimulatorStore.CALL_BLOCK).isZero();
    assertThat(calls).isBetween(200L, 150L + 2 * SimulatorStore.CALL_BLOCK);
  }

  @Test
  void aSeededRunIsReproducible() throws Exception {
    WhatsApp w = built(node());
    String settings = "{\"seed\": 42, \"failureRate\": 0.2, \"permanentFailureRate\": 0.2, \"throttleRate\": 0.1, \"throttleBurst\": 1}";
    Instance a = simulator(w, "a", settings);
    Instance b = simulator(w, "b", settings);
    List<String> idsA = new ArrayList<>();
    List<String> idsB = new ArrayList<>();
    for (int n = 0; n < 12; n++) {
      idsA.add(w.messages().send(ORG, text(a.id(), CHAT, "m" + n), null).message().id());
      idsB.add(w.messages().send(ORG, text(b.id(), CHAT, "m" + n), null).message().id());
    }
    w.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> allFinal(w, idsA) && allFinal(w, idsB));
    List<String> outcomesA = outcomes(w, idsA);
    assertThat(outcomes(w, idsB)).isEqualTo(outcomesA);
    assertThat(outcomesA).anyMatch(s -> s.startsWith("failed:131026")).anyMatch(s -> s.startsWith("sent"))
        .anyMatch(s -> s.contains("throttled")).anyMatch(s -> s.contains("retryable"));
  }

  private boolean allFinal(WhatsApp w, List<String> ids) throws Exception {
    for (String id : ids) {
      if (!message(w, id).status().isFinal()) {
        return false;
      }
    }
    return true;
  }

  private List<String> outcomes(WhatsApp w, List<String> ids) throws Exception {
    List<String> out = new ArrayList<>();
    for (String id : ids) {
      Message m = message(w, id);
      List<String> attempts = w.messages().view(m).get("attempts").findValuesAsText("outcome");
      out.add((m.status().reachedProvider() ? "sent" : m.status().text() + ":" + m.errorCode()) + attempts);
    }
    return out;
  }

  @Test
  void cancelsAQueuedMessageAndRefusesToCancelASentOne() throws Exception {
    WhatsApp w = built(node());
    Instance i = simulator(w, "s1", "{}");
    String first = w.messages().send(ORG, text(i.id(), CHAT, "one"), null).message().id();
    String second = w.messages().send(ORG, text(i.id(), CHAT, "two"), null).message().id();
    assertThat(w.messages().cancel(ORG, second).status()).isEqualTo(MessageStatus.CANCELLED);
    w.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> message(w, first).status().reachedProvider());
    assertThatThrownBy(() -> w.messages().cancel(ORG, first)).hasMessageContaining("can no longer be cancelled");
    assertThat(w.outbox(ORG, i.id(), 0, 10)).extracting(SimulatorStore.OutboxEntry::messageId).containsExactly(first);
  }

  @Test
  void refusesInvalidMessagesNamingEachFieldAndStoresNothing() throws Exception {
    WhatsApp w = built(node());
    Instance i = simulator(w, "s1", "{}");
    ObjectNode bad = json("{\"instanceId\": \"" + i.id() + "\", \"to\": \"12\", \"type\": \"image\","
        + " \"image\": {\"link\": \"http://example.com/a.png\"}, \"priority\": 11, \"delay\": \"soon\", \"color\": 1}");
    assertThatThrownBy(() -> w.messages().send(ORG, bad, null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors())
            .extracting(err -> err.field())
            .contains("to", "image.link", "priority", "delay", "color"));
    assertThat(scalar("SELECT count(*) FROM courier_message")).isZero();
    assertThat(scalar("SELECT count(*) FROM courier_job")).isZero();
  }

  @Test
  void aRepeatedIdempotencyKeyReturnsTheFirstMessage() throws Exception {
    WhatsApp w = built(node());
    Instance i = simulator(w, "s1", "{}");
    Messages.Accepted first = w.messages().send(ORG, text(i.id(), CHAT, "hi"), "key-1");
    Messages.Accepted again = w.messages().send(ORG, text(i.id(), CHAT, "hi"), "key-1");
    assertThat(again.message().id()).isEqualTo(first.message().id());
    assertThat(again.replayed()).isTrue();
    assertThatThrownBy(() -> w.messages().send(ORG, text(i.id(), CHAT, "other"), "key-1"))
        .hasMessageContaining("different request");
    assertThat(scalar("SELECT count(*) FROM courier_message")).isEqualTo(1);
  }

  @Test
  void cancelsTheQueuedMessagesOfOneChatAndLeavesOtherChatsAlone() throws Exception {
    WhatsApp w = built(node());
    Instance i = simulator(w, "s1", "{}");
    for (int n = 0; n < 3; n++) {
      w.messages().send(ORG, text(i.id(), CHAT, "a" + n), null);
    }
    String other = w.messages().send(ORG, text(i.id(), "+5511999990002", "b"), null).message().id();
    assertThat(w.messages().cancelQueued(ORG, i.id(), "+55 11 99999-0001")).isEqualTo(3);
    w.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> message(w, other).status().reachedProvider());
    assertThat(w.outbox(ORG, i.id(), 0, 10)).extracting(SimulatorStore.OutboxEntry::messageId).containsExactly(other);
    assertThat(scalar("SELECT count(*) FROM courier_job WHERE state = 'cancelled'")).isEqualTo(3);
  }

  @Test
  void aScheduledMessageWaitsForItsTimeAndGroupsNeedAGateway() throws Exception {
    WhatsApp w = started(node());
    Instance i = simulator(w, "s1", "{}");
    Messages.Accepted later = w.messages().send(ORG, text(i.id(), CHAT, "tomorrow", o -> o.put("sendAt", "2030-01-01T09:00:00-03:00")), null);
    assertThat(later.message().scheduledAt()).isEqualTo(java.time.Instant.parse("2030-01-01T12:00:00Z"));
    Thread.sleep(1000);
    assertThat(message(w, later.message().id()).status()).isEqualTo(MessageStatus.QUEUED);
    assertThatThrownBy(() -> w.messages().send(ORG, text(i.id(), "120363025246125486@g.us", "hi group"), null))
        .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors()).extracting(err -> err.field()).containsExactly("to"));
  }
}
