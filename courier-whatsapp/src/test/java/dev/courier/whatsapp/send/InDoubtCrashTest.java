package dev.courier.whatsapp.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Message;
import dev.courier.whatsapp.message.MessageStatus;
import dev.courier.whatsapp.simulator.SimulatorStore;
import dev.courier.whatsapp.testing.DomainTestBase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A process that dies after the provider accepted a message and before Courier committed that
 * leaves the message in doubt. The next node must not blindly send it again: a provider callback
 * carrying Courier's id proves the send (no second send); without one, the instance's policy
 * resends once after the in-doubt window, or fails the message.
 */
@DatabaseTest
class InDoubtCrashTest {
  private static final String ORG = WhatsApp.DEFAULT_ORGANIZATION;

  @Test
  void aSendInDoubtAfterACrashIsReconciledBeforeAnyResend() throws Exception {
    TestDatabase.Coordinates coords = TestDatabase.createDatabase();
    TestDatabase.migrate(coords, "classpath:db/courier");
    try (var ds = TestDatabase.dataSource(coords, 10)) {
      WhatsApp client = WhatsApp.builder(ds).build();
      // Proven: the simulated provider calls back with Courier's id, late enough that the rescued
      // job has found the message in doubt; the window is long, so only the callback can settle it.
      Instance proven = client.instances().create(ORG, DomainTestBase.json(
          "{\"name\": \"proven\", \"provider\": \"simulator\", \"settings\": {\"echoCallbackData\": true,"
              + " \"statuses\": {\"sent\": \"8s\"}}, \"inDoubt\": {\"window\": \"10m\", \"policy\": \"resend\"}}"));
      Instance resent = client.instances().create(ORG, DomainTestBase.json(
          "{\"name\": \"resent\", \"provider\": \"simulator\", \"settings\": {\"echoCallbackData\": false,"
              + " \"statuses\": {}}, \"inDoubt\": {\"window\": \"2s\", \"policy\": \"resend\"}}"));
      Instance failed = client.instances().create(ORG, DomainTestBase.json(
          "{\"name\": \"failed\", \"provider\": \"simulator\", \"settings\": {\"echoCallbackData\": false,"
              + " \"statuses\": {}}, \"inDoubt\": {\"window\": \"2s\", \"policy\": \"fail\"}}"));
      List<Instance> instances = List.of(proven, resent, failed);
      List<String> ids = new ArrayList<>();
      for (Instance i : instances) {
        ids.add(client.messages().send(ORG, DomainTestBase.text(i.id(), "+5511999990001", "once"), null).message().id());
      }

      List<String> accepted = runUntilHalt(coords, instances.size());
      assertThat(accepted).containsExactlyInAnyOrderElementsOf(ids);
      for (int n = 0; n < ids.size(); n++) {
        // The provider has it; Courier does not know yet.
        assertThat(client.messages().get(ORG, ids.get(n)).status()).isEqualTo(MessageStatus.SENDING);
        assertThat(outbox(client, instances.get(n))).containsExactly(ids.get(n));
      }

      WhatsApp survivor = WhatsApp.builder(ds).engine(e -> e
          .rescueInterval(Duration.ofMillis(200))
          .promoteInterval(Duration.ofMillis(100))
          .leaderTtl(Duration.ofSeconds(2))
          .pollInterval(Duration.ofMillis(200))).build();
      survivor.start();
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> allFinal(survivor, ids));
        Message p = survivor.messages().get(ORG, ids.get(0));
        assertThat(p.status().reachedProvider()).isTrue();
        assertThat(outbox(survivor, proven)).as("proven by the callback: not sent again").containsExactly(ids.get(0));
        assertThat(history(survivor, p)).containsSubsequence("sending", "in_doubt", "sent").filteredOn("sending"::equals).hasSize(1);

        Message r = survivor.messages().get(ORG, ids.get(1));
        assertThat(r.status().reachedProvider()).isTrue();
        assertThat(outbox(survivor, resent)).as("no callback: resent exactly once").containsExactly(ids.get(1), ids.get(1));
        assertThat(history(survivor, r)).containsSubsequence("sending", "in_doubt", "sending", "sent");

        Message f = survivor.messages().get(ORG, ids.get(2));
        assertThat(f.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(f.errorCode()).isEqualTo("in_doubt");
        assertThat(outbox(survivor, failed)).as("policy fail: never resent").containsExactly(ids.get(2));
      } finally {
        survivor.stop(Duration.ofSeconds(2));
      }
    }
  }

  private static List<String> runUntilHalt(TestDatabase.Coordinates coords, int crashAfter) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashingSenderMain.class.getName());
    cmd.add(coords.url());
    cmd.add(coords.user());
    cmd.add(Integer.toString(crashAfter));
    if (coords.password() != null) {
      cmd.add(coords.password());
    }
    Process node = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> accepted = new CopyOnWriteArrayList<>();
    BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    Thread.ofVirtual().start(() -> out.lines().filter(l -> l.startsWith("accepted ")).forEach(l -> accepted.add(l.substring(9))));
    try {
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the node halted at its crash point").isTrue();
      assertThat(node.exitValue()).isEqualTo(137);
    } finally {
      node.destroyForcibly();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> accepted.size() == crashAfter);
    return accepted;
  }

  private static boolean allFinal(WhatsApp w, List<String> ids) throws Exception {
    for (String id : ids) {
      if (!w.messages().get(ORG, id).status().isFinal()) {
        return false;
      }
    }
    return true;
  }

  private static List<String> outbox(WhatsApp w, Instance i) throws Exception {
    return w.outbox(ORG, i.id(), 0, 100).stream().map(SimulatorStore.OutboxEntry::messageId).toList();
  }

  private static List<String> history(WhatsApp w, Message m) throws Exception {
    return w.messages().view(m).get("history").findValuesAsText("status");
  }

  static long count(DataSource ds, String sql) throws Exception {
    try (var c = ds.getConnection(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
