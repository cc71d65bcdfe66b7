package dev.courier.whatsapp.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.ConflictException;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.simulator.SimulatorStore;
import dev.courier.whatsapp.testing.DomainTestBase;
import dev.courier.whatsapp.validation.InvalidRequestException;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

@DatabaseTest
class CampaignsTest extends DomainTestBase {

  private Instance simulator(WhatsApp w, String limits) throws Exception {
    return simulator(w, limits, "chat");
  }

  private Instance simulator(WhatsApp w, String limits, String ordering) throws Exception {
    return w.instances().create(ORG, json("{\"name\": \"s1\", \"provider\": \"simulator\", \"defaultRegion\": \"BR\","
        + " \"ordering\": \"" + ordering + "\", \"limits\": " + limits + "}"));
  }

  private static String number(int n) {
    return "+55119" + String.format("%08d", 10_000_000 + n).substring(0, 8);
  }

  /** A text campaign "Olá {{name}}" to {@code n} recipients named r0..r(n-1). */
  private static ObjectNode campaign(Instance i, int n) {
    ObjectNode o = json("{\"instanceId\": \"" + i.id() + "\", \"name\": \"black friday\", \"type\": \"text\","
        + " \"text\": {\"body\": \"Olá {{name}}, seu código é {{code}}\"}}");
    ArrayNode list = o.putArray("recipients");
    for (int k = 0; k < n; k++) {
      list.addObject().put("to", number(k)).putObject("variables").put("name", "r" + k).put("code", k);
    }
    return o;
  }

  private List<String> outboxIds(WhatsApp w, Instance i) throws Exception {
    return w.outbox(ORG, i.id(), 0, 1000).stream().map(SimulatorStore.OutboxEntry::messageId).toList();
  }

  private List<String> campaignMessageIds(String campaignId) throws Exception {
    List<String> out = new ArrayList<>();
    try (var c = db.getConnection(); var ps = c.prepareStatement(
        "SELECT message_id FROM courier_campaign_recipient WHERE campaign_id = ? AND message_id IS NOT NULL ORDER BY seq")) {
      ps.setString(1, campaignId);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private String status(WhatsApp w, String id) throws Exception {
    return w.campaigns().get(ORG, id).status().text();
  }

  @Test
  void csvWithBadRowsReportsLineNumbersAndReasonsAndKeepsTheValidRows() throws Exception {
    WhatsApp w = built(node());
    Instance i = simulator(w, "{}");
    ObjectNode body = campaign(i, 0);
    Campaigns.Created created = w.campaigns().create(ORG, body);
    String csv = String.join("\r\n",
        "Phone,name,code",
        "11 99999-0001,Ana,1",            // line 2: valid (region BR)
        "12,Bruno,2",                     // line 3: not a number
        "+5511999990003,,3",              // line 4: missing name
        "+5511999990004,Carla",           // line 5: too few fields
        "",                               // line 6: blank, skipped
        "\"+55 11 99999-0007\",\"Dora, a filha\",7", // line 7: valid, quoted comma
        "+5511999990001,Ana again,1",     // line 8: duplicate of line 2
        "+5511999990009,Eva,9") + "\r\n";
    ObjectNode report = w.campaigns().addRecipientsCsv(ORG, created.campaign().id(), new StringReader(csv));
    assertThat(report.get("received").asInt()).isEqualTo(7);
    assertThat(report.get("added").asInt()).isEqualTo(3);
    assertThat(report.get("duplicates").asInt()).isEqualTo(1);
    assertThat(report.get("invalid").asInt()).isEqualTo(3);
    assertThat(report.get("errors").findValuesAsText("line")).containsExactly("3", "4", "5");
    assertThat(report.get("errors").get(0).get("reason").asText()).isEqualTo("not a valid phone number");
    assertThat(report.get("errors").get(1).get("reason").asText()).isEqualTo("missing variable name");
    assertThat(report.get("errors").get(2).get("reason").asText()).contains("has 2 fields; the header has 3");
    List<CampaignStore.RecipientRow> rows = w.campaigns().recipients(ORG, created.campaign().id(), null, 0, 10);
    assertThat(rows).extracting(CampaignStore.RecipientRow::recipient)
        .containsExactly("+5511999990001", "+5511999990007", "+5511999990009");
    assertThat(rows.get(1).variables().get("name").asText()).isEqualTo("Dora, a filha");
    assertThat(rows).allMatch(r -> r.status().equals("pending"));
  }

  @Test
  void refusesATemplateWithInvalidFieldsButNotFieldsHoldingPlaceholders() throws Exception {
    WhatsApp w = built(node());
    Instance i = simulator(w, "{}");
    ObjectNode ok = json("{\"instanceId\": \"" + i.id() + "\", \"name\": \"img\", \"type\": \"image\","
        + " \"image\": {\"link\": \"{{url}}\", \"caption\": \"for {{name}}\"}}");
    Campaign c = w.campaigns().create(ORG, ok).campaign();
    assertThat(c.variables()).containsExactly("url", "name");
    assertThat(c.priority()).isEqualTo(9);
    ObjectNode bad = json("{\"instanceId\": \"" + i.id() + "\", \"type\": \"text\", \"text\": {}, \"priority\": 12,"
        + " \"recipients\": 3}");
    assertThatThrownBy(() -> w.campaigns().create(ORG, bad)).isInstanceOfSatisfying(InvalidRequestException.class,
        e -> assertThat(e.errors()).extracting(err -> err.field())
            .contains("name", "recipients", "priority", "text.body"));
  }

  @Test
  void expandsInBatchesSendsEachRecipientOnceWithItsVariablesAndCompletes() throws Exception {
    WhatsApp w = started(node().campaignBatchSize(10));
    Instance i = simulator(w, "{}");
    ObjectNode body = campaign(i, 25);
    // A recipient whose rendered message is invalid (text over 4096 characters) gets no message.
    ((ArrayNode) body.get("recipients")).addObject().put("to", number(99)).putObject("variables")
        .put("name", "x".repeat(5000)).put("code", 1);
    // A recipient without a variable is refused when added.
    ((ArrayNode) body.get("recipients")).addObject().put("to", number(98)).putObject("variables").put("name", "z");
    Campaigns.Created created = w.campaigns().create(ORG, body);
    assertThat(created.recipients().get("added").asInt()).isEqualTo(26);
    assertThat(created.recipients().get("errors").get(0).get("index").asInt()).isEqualTo(26);
    assertThat(created.recipients().get("errors").get(0).get("reason").asText()).isEqualTo("missing variable code");
    String id = created.campaign().id();
    w.campaigns().start(ORG, id);
    await().atMost(Duration.ofSeconds(20)).until(() -> status(w, id).equals("completed"));
    List<String> ids = campaignMessageIds(id);
    assertThat(ids).hasSize(25).doesNotHaveDuplicates();
    assertThat(outboxIds(w, i)).containsExactlyInAnyOrderElementsOf(ids);
    Message m = message(w, ids.get(7));
    assertThat(m.recipient()).isEqualTo(number(7));
    assertThat(m.content().get("body").asText()).isEqualTo("Olá r7, seu código é 7");
    assertThat(m.priority()).isEqualTo(9);
    assertThat(m.metadata().get("campaignId").asText()).isEqualTo(id);
    ObjectNode view = w.campaigns().view(w.campaigns().get(ORG, id));
    assertThat(view.get("recipients").get("total").asInt()).isEqualTo(26);
    assertThat(view.get("recipients").get("invalid").asInt()).isEqualTo(1);
    assertThat(view.get("progress").get("percent").asDouble()).isEqualTo(100.0);
    assertThat(view.get("messages").get("queued").asInt()).isZero();
    List<CampaignStore.RecipientRow> invalid = w.campaigns().recipients(ORG, id, "invalid", 0, 10);
    assertThat(invalid).singleElement().satisfies(r -> assertThat(r.error()).contains("text.body"));
    assertThatThrownBy(() -> w.campaigns().pause(ORG, id)).isInstanceOf(ConflictException.class);
  }

  @Test
  void pauseHoldsMessagesNotYetSendingResumeContinuesInOrderCancelCancelsTheRest() throws Exception {
    WhatsApp w = started(node().campaignBatchSize(10));
    // One FIFO for the whole number: the outbox order is the campaign's order.
    Instance i = simulator(w, "{\"rate\": {\"count\": 10, \"per\": \"1s\", \"burst\": 1}}", "instance");
    String id = w.campaigns().create(ORG, campaign(i, 40)).campaign().id();
    w.campaigns().start(ORG, id);
    await().atMost(Duration.ofSeconds(20)).until(() -> outboxIds(w, i).size() >= 3);
    w.campaigns().pause(ORG, id);
    assertThat(status(w, id)).isEqualTo("paused");
    // Starting it again is refused and leaves it held.
    assertThatThrownBy(() -> w.campaigns().start(ORG, id)).isInstanceOf(ConflictException.class);
    assertThat(w.campaigns().pause(ORG, id).status()).isEqualTo(CampaignStatus.PAUSED);
    // What was already sending may finish; then nothing more goes.
    Thread.sleep(500);
    int atPause = outboxIds(w, i).size();
    Thread.sleep(1500);
    assertThat(outboxIds(w, i)).hasSize(atPause);
    assertThat(atPause).isLessThan(40);
    w.campaigns().resume(ORG, id);
    await().atMost(Duration.ofSeconds(20)).until(() -> outboxIds(w, i).size() >= atPause + 5);
    // Resumed in the campaign's order: the outbox is the recipients' order.
    List<String> sent = outboxIds(w, i);
    assertThat(sent).containsExactlyElementsOf(campaignMessageIds(id).subList(0, sent.size()));
    Campaign cancelled = w.campaigns().cancel(ORG, id);
    assertThat(cancelled.status()).isEqualTo(CampaignStatus.CANCELLED);
    Thread.sleep(500);
    int atCancel = outboxIds(w, i).size();
    Thread.sleep(1000);
    assertThat(outboxIds(w, i)).hasSize(atCancel);
    assertThat(atCancel).isLessThan(40);
    ObjectNode view = w.campaigns().view(w.campaigns().get(ORG, id));
    long sentCount = view.get("messages").get("sent").asLong() + view.get("messages").get("delivered").asLong()
        + view.get("messages").get("read").asLong();
    assertThat(sentCount).isEqualTo(atCancel);
    assertThat(view.get("messages").get("cancelled").asLong() + view.get("recipients").get("pending").asLong())
        .isEqualTo(40 - atCancel);
    assertThatThrownBy(() -> w.campaigns().resume(ORG, id)).isInstanceOf(ConflictException.class);
  }

  @Test
  void recipientsAddedToARunningCampaignAreSentAfterTheOthersAndACompletedOneRefusesMore() throws Exception {
    WhatsApp w = started(node().campaignBatchSize(10));
    Instance i = simulator(w, "{}", "instance");
    String id = w.campaigns().create(ORG, campaign(i, 12)).campaign().id();
    w.campaigns().start(ORG, id);
    // Wait until every recipient is expanded, so that the new ones must reopen the expansion.
    await().atMost(Duration.ofSeconds(20)).until(() -> w.campaigns().get(ORG, id).expandedAt() != null);
    ObjectNode more = json("{}");
    ArrayNode list = more.putArray("recipients");
    for (int k = 12; k < 15; k++) {
      list.addObject().put("to", number(k)).putObject("variables").put("name", "r" + k).put("code", k);
    }
    list.addObject().put("to", number(0)).putObject("variables").put("name", "again").put("code", 0);
    ObjectNode report = w.campaigns().addRecipients(ORG, id, more);
    assertThat(report.get("added").asInt()).isEqualTo(3);
    assertThat(report.get("duplicates").asInt()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(w, id).equals("completed"));
    List<String> sent = outboxIds(w, i);
    assertThat(sent).hasSize(15);
    assertThat(sent).containsExactlyElementsOf(campaignMessageIds(id));
    assertThatThrownBy(() -> w.campaigns().addRecipients(ORG, id, more))
        .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.currentStatus()).isEqualTo("completed"));
  }

  @Test
  void theExpansionStaysAWindowAheadOfTheSends() throws Exception {
    WhatsApp w = started(node().campaignBatchSize(10).campaignWindow(20));
    Instance i = simulator(w, "{\"rate\": {\"count\": 20, \"per\": \"1s\", \"burst\": 1}}");
    String id = w.campaigns().create(ORG, campaign(i, 100)).campaign().id();
    w.campaigns().start(ORG, id);
    await().atMost(Duration.ofSeconds(10)).until(() -> outboxIds(w, i).size() >= 10);
    int mostAhead = 0;
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < until) {
      long expanded = scalar("SELECT count(*) FROM courier_campaign_recipient WHERE campaign_id = ? AND message_id IS NOT NULL", id);
      long queued = scalar("SELECT count(*) FROM courier_campaign_recipient r JOIN courier_message m ON m.id = r.message_id"
          + " WHERE r.campaign_id = ? AND m.status = 'queued'", id);
      assertThat(expanded).as("expanded recipients").isLessThan(100);
      mostAhead = Math.max(mostAhead, (int) queued);
      Thread.sleep(100);
    }
    // The window (20) plus a batch that may be expanding while the last one is sent.
    assertThat(mostAhead).isBetween(1, 30);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(w, id).equals("completed"));
    assertThat(outboxIds(w, i)).hasSize(100);
  }

  @Test
  void anExpansionThatDiesMidwayIsContinuedByAnotherNodeWithoutDuplicatesOrGaps() throws Exception {
    // Node A dies in its third batch every time (the batch rolls back, as a crash would).
    WhatsApp a = started(node().campaignBatchSize(10).campaignHooks((cid, batch) -> {
      if (batch == 3) {
        throw new IllegalStateException("simulated crash in batch 3");
      }
    }));
    Instance i = simulator(a, "{}");
    String id = a.campaigns().create(ORG, campaign(i, 55)).campaign().id();
    a.campaigns().start(ORG, id);
    await().atMost(Duration.ofSeconds(20)).until(() -> campaignMessageIds(id).size() == 20
        && scalar("SELECT count(*) FROM courier_job WHERE kind = ? AND attempt >= 1 AND state = 'retryable'",
            Campaigns.EXPAND_KIND) == 1);
    assertThat(scalar("SELECT cursor_seq FROM courier_campaign WHERE id = ?", id))
        .isEqualTo(scalar("SELECT max(seq) FROM courier_campaign_recipient WHERE message_id IS NOT NULL"));
    a.stop(Duration.ofSeconds(2));
    // Node B, without the fault, takes over from the committed cursor.
    WhatsApp b = started(node().campaignBatchSize(10));
    await().atMost(Duration.ofSeconds(60)).until(() -> status(b, id).equals("completed"));
    List<String> ids = campaignMessageIds(id);
    assertThat(ids).hasSize(55).doesNotHaveDuplicates();
    assertThat(scalar("SELECT count(*) FROM courier_message WHERE metadata->>'campaignId' = ?", id)).isEqualTo(55);
    assertThat(scalar("SELECT count(DISTINCT recipient) FROM courier_message WHERE metadata->>'campaignId' = ?", id))
        .isEqualTo(55);
    assertThat(new HashSet<>(outboxIds(b, i))).hasSize(55);
  }

  @Test
  void aSingleMessageOvertakesTheRemainingMessagesOfARunningCampaign() throws Exception {
    WhatsApp w = started(node());
    Instance i = simulator(w, "{\"rate\": {\"count\": 10, \"per\": \"1s\", \"burst\": 1}}");
    String id = w.campaigns().create(ORG, campaign(i, 30)).campaign().id();
    w.campaigns().start(ORG, id);
    await().atMost(Duration.ofSeconds(20)).until(() -> outboxIds(w, i).size() >= 3);
    int before = outboxIds(w, i).size();
    String single = w.messages().send(ORG, text(i.id(), "+5511988887777", "urgent-ish"), null).message().id();
    assertThat(message(w, single).priority()).isEqualTo(5);
    await().atMost(Duration.ofSeconds(20)).until(() -> outboxIds(w, i).contains(single));
    List<String> sent = outboxIds(w, i);
    // At most the campaign messages already claimed when it arrived went before it.
    assertThat(sent.indexOf(single)).isLessThanOrEqualTo(before + 2);
    assertThat(sent.indexOf(single)).isLessThan(29);
    await().atMost(Duration.ofSeconds(20)).until(() -> status(w, id).equals("completed"));
  }
}
