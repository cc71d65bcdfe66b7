package dev.courier.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import dev.courier.server.testing.Schemas;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DatabaseTest
class ExternalDatabaseModeTest {
  @TempDir Path dataDir;

  @Test
  void withADatabaseUrlItIsReadyOnThatDatabaseAndStartsNoEmbeddedOne() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.createDatabase();
    try (CourierServer server = CourierServer.start(Configs.load(Configs.externalEnv(dataDir, db)))) {
      var r = Http.get(server.url() + "/health/ready");
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode body = new ObjectMapper().readTree(r.body()).path("database");
      assertThat(body.path("kind").asText()).isEqualTo("external");
      assertThat(body.path("schemaVersion").asText()).isEqualTo(Schemas.latestCourierVersion(server.database().dataSource()));
      assertThat(body.has("fsync")).isTrue();
      assertThat(body.has("synchronous_commit")).isTrue();

      assertThat(server.database().embedded()).isEmpty();
      assertThat(Files.exists(dataDir.resolve("postgres"))).isFalse();
      assertThat(server.database().description()).contains(db.name()).doesNotContain("password");
    }
  }
}
