package dev.courier.whatsapp.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.message.Message;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh database with both schemas per test, and WhatsApp nodes that are stopped after it. */
public abstract class DomainTestBase {
  public static final String ORG = WhatsApp.DEFAULT_ORGANIZATION;
  protected static final ObjectMapper JSON = new ObjectMapper();

  protected HikariDataSource db;
  private final List<WhatsApp> nodes = new ArrayList<>();

  @BeforeEach
  void freshDatabase() {
    db = TestDatabase.migratedDataSource("classpath:db/courier");
  }

  @AfterEach
  void stopNodes() {
    for (WhatsApp w : nodes) {
      w.stop(Duration.ofSeconds(2));
    }
    db.close();
  }

  /** A node builder with engine intervals short enough for tests. */
  protected WhatsApp.Builder node() {
    return WhatsApp.builder(db).engine(e -> e
        .pollInterval(Duration.ofMillis(200))
        .promoteInterval(Duration.ofMillis(100))
        .leaderTtl(Duration.ofSeconds(3))
        .rescueInterval(Duration.ofMillis(200)));
  }

  protected WhatsApp built(WhatsApp.Builder b) {
    WhatsApp w = b.build();
    nodes.add(w);
    return w;
  }

  protected WhatsApp started(WhatsApp.Builder b) throws SQLException {
    WhatsApp w = built(b);
    w.start();
    return w;
  }

  public static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  /** A text message request to {@code to} on {@code instanceId}, changed further by {@code more}. */
  public static ObjectNode text(String instanceId, String to, String body, Consumer<ObjectNode> more) {
    ObjectNode o = JSON.createObjectNode();
    o.put("instanceId", instanceId).put("to", to).put("type", "text");
    o.putObject("text").put("body", body);
    more.accept(o);
    return o;
  }

  public static ObjectNode text(String instanceId, String to, String body) {
    return text(instanceId, to, body, o -> {});
  }

  protected Message message(WhatsApp w, String id) throws SQLException {
    return w.messages().get(ORG, id);
  }

  protected static JsonNode field(ObjectNode o, String name) {
    return o.get(name);
  }

  protected long scalar(String sql, Object... params) throws SQLException {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
