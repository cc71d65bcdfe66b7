package dev.courier.whatsapp.organization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.testing.DomainTestBase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An organization's plan tier sets its default priorities and, when configured, caps its sending. */
@DatabaseTest
class PlanTiersTest extends DomainTestBase {

  private void organization(String id, String plan) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO courier_organization (id, name, plan) VALUES (?, ?, ?)")) {
      ps.setString(1, id);
      ps.setString(2, id);
      ps.setString(3, plan);
      ps.executeUpdate();
    }
  }

  private static Instance simulator(WhatsApp w, String org) throws Exception {
    return w.instances().create(org, json("{\"name\": \"s-" + org + "\", \"provider\": \"simulator\","
        + " \"defaultRegion\": \"BR\", \"settings\": {\"statuses\": {}}, \"limits\": {}}"));
  }

  private static List<String> send(WhatsApp w, String org, Instance i, int n) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      Messages.Draft d = w.messages().draft(org, text(i.id(), "+55119" + (87_654_000 + k), "oi " + k), false);
      ids.add(w.messages().accept(org, d, null).message().id());
    }
    return ids;
  }

  /** Instances in the order the simulator accepted their messages. */
  private List<String> outboxOrder() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT instance_id FROM courier_simulator_outbox ORDER BY seq");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  @Test
  void premiumGoesBeforeProBeforeBasicWhenTheyShareTheSendCapacity() throws Exception {
    organization("org_premium", "premium");
    organization("org_pro", "pro");
    organization("org_basic", "basic");
    WhatsApp w = built(node().sendConcurrency(1));
    Instance basic = simulator(w, "org_basic");
    Instance pro = simulator(w, "org_pro");
    Instance premium = simulator(w, "org_premium");
    // Enqueued in the opposite order of the tiers, with no priority named.
    List<String> basicIds = send(w, "org_basic", basic, 8);
    send(w, "org_pro", pro, 8);
    List<String> premiumIds = send(w, "org_premium", premium, 8);
    assertThat(w.messages().get("org_basic", basicIds.get(0)).priority()).isEqualTo(5);
    assertThat(w.messages().get("org_premium", premiumIds.get(0)).priority()).isEqualTo(1);

    w.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> outboxOrder().size() == 24);
    List<String> order = outboxOrder();
    assertThat(order.subList(0, 8)).containsOnly(premium.id());
    assertThat(order.subList(8, 16)).containsOnly(pro.id());
    assertThat(order.subList(16, 24)).containsOnly(basic.id());

    // Campaigns take their tier's campaign priority: still after every single message of the tier.
    ObjectNode body = json("{\"instanceId\": \"" + premium.id() + "\", \"name\": \"c\", \"type\": \"text\","
        + " \"text\": {\"body\": \"oi\"}}");
    ArrayNode list = body.putArray("recipients");
    list.addObject().put("to", "+5511987650001");
    assertThat(w.campaigns().create("org_premium", body).campaign().priority()).isEqualTo(7);
    ObjectNode basicBody = body.deepCopy().put("instanceId", basic.id());
    assertThat(w.campaigns().create("org_basic", basicBody).campaign().priority()).isEqualTo(9);
  }

  @Test
  void aPlanWithARateCapPacesEachOfItsOrganizationsAndOthersAreNotHeldByIt() throws Exception {
    organization("org_capped", "basic");
    organization("org_free", "pro");
    WhatsApp w = started(node().plans(Plans.parse("basic:rate=2/1s")));
    Instance capped = simulator(w, "org_capped");
    Instance free = simulator(w, "org_free");
    assertThat(w.engine().limiters()).containsKey("wa:plan:basic:*");
    send(w, "org_capped", capped, 5);
    send(w, "org_free", free, 5);
    await().atMost(Duration.ofSeconds(30)).until(() -> outboxOrder().size() == 10);
    // 2 per second with about a second of burst: the fifth goes no sooner than 1.5 s after the first.
    assertThat(spanMillis(capped)).isGreaterThanOrEqualTo(1_200);
    assertThat(spanMillis(free)).isLessThan(spanMillis(capped));
  }

  private long spanMillis(Instance i) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT min(accepted_at), max(accepted_at) FROM courier_simulator_outbox WHERE instance_id = ?")) {
      ps.setString(1, i.id());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Timestamp first = rs.getTimestamp(1);
        Timestamp last = rs.getTimestamp(2);
        return last.getTime() - first.getTime();
      }
    }
  }
}
