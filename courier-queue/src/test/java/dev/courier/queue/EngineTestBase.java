package dev.courier.queue;

import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh migrated database per test and engines that are stopped after it. */
abstract class EngineTestBase {
  protected HikariDataSource db;
  private final List<CourierQueue> engines = new ArrayList<>();

  record Args(String value) {}

  @BeforeEach
  void freshDatabase() {
    db = TestDatabase.migratedDataSource();
  }

  @AfterEach
  void stopEngines() {
    for (CourierQueue q : engines) {
      q.stop(Duration.ofSeconds(2));
    }
    db.close();
  }

  /** A builder with intervals short enough for tests. */
  protected CourierQueue.Builder engine() {
    return CourierQueue.builder(db)
        .pollInterval(Duration.ofMillis(200))
        .promoteInterval(Duration.ofMillis(100))
        .leaderTtl(Duration.ofSeconds(3))
        .rescueInterval(Duration.ofMillis(200));
  }

  protected CourierQueue started(CourierQueue.Builder b) {
    CourierQueue q = b.build();
    engines.add(q);
    q.start();
    return q;
  }

  protected CourierQueue built(CourierQueue.Builder b) {
    CourierQueue q = b.build();
    engines.add(q);
    return q;
  }

  protected long scalar(String sql, Object... params) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  protected void exec(String sql, Object... params) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      ps.execute();
    }
  }

  protected static JobState stateOf(CourierQueue q, long id) {
    return q.job(id).orElseThrow().state();
  }
}
