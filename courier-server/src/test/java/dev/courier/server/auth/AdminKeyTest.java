package dev.courier.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DatabaseTest
class AdminKeyTest {
  @TempDir Path dataDir;

  @Test
  void adminKeyIsGeneratedOnceStoredOnlyAsHashAndWorksAfterRestart() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.createDatabase();
    Map<String, String> env = Configs.externalEnv(dataDir, db);

    String key;
    try (CourierServer first = CourierServer.start(Configs.load(env))) {
      key = first.generatedAdminKey().orElseThrow();
    }
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        PreparedStatement ps =
            c.prepareStatement("SELECT key_hash, prefix, is_admin FROM courier_api_key")) {
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBytes(1)).isEqualTo(ApiKeys.hash(key));
        assertThat(rs.getString(2)).isEqualTo(key.substring(0, 11));
        assertThat(rs.getBoolean(3)).isTrue();
        assertThat(rs.next()).as("exactly one key").isFalse();
      }
    }

    try (CourierServer second = CourierServer.start(Configs.load(env))) {
      assertThat(second.generatedAdminKey()).as("not generated again").isEmpty();
      assertThat(Http.get(second.url() + "/v1/whoami", key).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void configuredApiKeyIsUsedAndNoKeyIsGenerated() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.createDatabase();
    Map<String, String> env = Configs.externalEnv(dataDir, db);
    String configured = "my-own-admin-key-0123456789";
    env.put("COURIER_API_KEY", configured);

    try (CourierServer server = CourierServer.start(Configs.load(env))) {
      assertThat(server.generatedAdminKey()).isEmpty();
      var me = Http.get(server.url() + "/v1/whoami", configured);
      assertThat(me.statusCode()).isEqualTo(200);
      assertThat(me.body()).contains("\"keyName\":\"COURIER_API_KEY\"").contains("\"admin\":true");
    }
    // A restart with the same key stores nothing new.
    try (CourierServer again = CourierServer.start(Configs.load(env))) {
      assertThat(again.generatedAdminKey()).isEmpty();
    }
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM courier_api_key")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }
}
