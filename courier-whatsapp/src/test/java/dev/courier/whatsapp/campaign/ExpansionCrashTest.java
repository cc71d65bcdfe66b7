package dev.courier.whatsapp.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.simulator.SimulatorStore;
import dev.courier.whatsapp.testing.DomainTestBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A node killed in the middle of a campaign's expansion (inside a batch's transaction) loses only
 * that batch; another node continues from the committed cursor: every recipient gets exactly one
 * message and one send.
 */
@DatabaseTest
class ExpansionCrashTest {
  private static final String ORG = WhatsApp.DEFAULT_ORGANIZATION;
  private static final int RECIPIENTS = 55;

  @Test
  void aNodeKilledMidExpansionLeavesNoDuplicateAndNoGap() throws Exception {
    TestDatabase.Coordinates coords = TestDatabase.createDatabase();
    TestDatabase.migrate(coords, "classpath:db/courier");
    try (var ds = TestDatabase.dataSource(coords, 10)) {
      WhatsApp client = WhatsApp.builder(ds).build();
      Instance i = client.instances().create(ORG, DomainTestBase.json(
          "{\"name\": \"s1\", \"provider\": \"simulator\", \"limits\": {}}"));
      // Paused while the doomed node runs, so that only the expansion is under test.
      client.instances().pause(ORG, i.id(), "test");
      ObjectNode body = DomainTestBase.json("{\"instanceId\": \"" + i.id() + "\", \"name\": \"crash\", \"type\": \"text\","
          + " \"text\": {\"body\": \"Oi {{name}}\"}}");
      ArrayNode list = body.putArray("recipients");
      for (int k = 0; k < RECIPIENTS; k++) {
        list.addObject().put("to", "+55119" + (99_990_000 + k)).putObject("variables").put("name", "r" + k);
      }
      String id = client.campaigns().create(ORG, body).campaign().id();
      client.campaigns().start(ORG, id);

      runUntilHalt(coords, 3);
      // Batches 1 and 2 committed; batch 3's messages died with its transaction.
      assertThat(count(ds, "SELECT count(*) FROM courier_campaign_recipient WHERE message_id IS NOT NULL")).isEqualTo(20);
      assertThat(count(ds, "SELECT count(*) FROM courier_message")).isEqualTo(20);
      assertThat(count(ds, "SELECT cursor_seq FROM courier_campaign"))
          .isEqualTo(count(ds, "SELECT max(seq) FROM courier_campaign_recipient WHERE message_id IS NOT NULL"));

      WhatsApp survivor = WhatsApp.builder(ds).campaignBatchSize(10).engine(e -> e
          .rescueInterval(Duration.ofMillis(200))
          .promoteInterval(Duration.ofMillis(100))
          .leaderTtl(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(200))).build();
      survivor.start();
      try {
        survivor.instances().resume(ORG, i.id());
        await().atMost(Duration.ofSeconds(60)).until(() -> survivor.campaigns().get(ORG, id).status()
            == CampaignStatus.COMPLETED);
        assertThat(count(ds, "SELECT count(*) FROM courier_message")).isEqualTo(RECIPIENTS);
        assertThat(count(ds, "SELECT count(DISTINCT recipient) FROM courier_message")).isEqualTo(RECIPIENTS);
        assertThat(count(ds, "SELECT count(*) FROM courier_campaign_recipient WHERE message_id IS NULL")).isZero();
        List<String> outbox = survivor.outbox(ORG, i.id(), 0, 1000).stream()
            .map(SimulatorStore.OutboxEntry::messageId).toList();
        assertThat(outbox).hasSize(RECIPIENTS);
        assertThat(new HashSet<>(outbox)).hasSize(RECIPIENTS);
      } finally {
        survivor.stop(Duration.ofSeconds(2));
      }
    }
  }

  private static void runUntilHalt(TestDatabase.Coordinates coords, int crashInBatch) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashingExpanderMain.class.getName());
    cmd.add(coords.url());
    cmd.add(coords.user());
    cmd.add(Integer.toString(crashInBatch));
    if (coords.password() != null) {
      cmd.add(coords.password());
    }
    Process node = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertThat(node.waitFor(90, TimeUnit.SECONDS)).as("the node halted in batch " + crashInBatch).isTrue();
      assertThat(node.exitValue()).isEqualTo(137);
    } finally {
      node.destroyForcibly();
    }
  }

  private static long count(DataSource ds, String sql) throws Exception {
    try (var c = ds.getConnection(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
