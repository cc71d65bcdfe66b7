package dev.courier.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.CourierServer;
import dev.courier.server.auth.Authenticator;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes on one database: a key revoked through one is refused by the other within a second or so. */
@DatabaseTest
class KeyRevocationAcrossNodesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN = "ck_test_admin_key_for_two_nodes";

  @TempDir Path dataA;
  @TempDir Path dataB;

  @Test
  void aKeyRevokedOnOneNodeIsRefusedThereAtOnceAndOnTheOtherWithinTheCacheLifetime() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.createDatabase();
    Map<String, String> envA = Configs.externalEnv(dataA, db);
    envA.put("COURIER_API_KEY", ADMIN);
    Map<String, String> envB = Configs.externalEnv(dataB, db);
    envB.put("COURIER_API_KEY", ADMIN);
    envB.put("COURIER_ROLE", "api");
    try (CourierServer a = CourierServer.start(Configs.load(envA));
        CourierServer b = CourierServer.start(Configs.load(envB))) {
      String org = JSON.readTree(Http.send("POST", a.url() + "/v1/organizations", "{\"name\": \"two nodes\"}", ADMIN).body())
          .get("id").asText();
      JsonNode created = JSON.readTree(
          Http.send("POST", a.url() + "/v1/organizations/" + org + "/keys", "{\"name\": \"k\"}", ADMIN).body());
      String key = created.get("key").asText();
      // A key created on one node works at once on the other (unknown keys are not cached).
      assertThat(Http.get(b.url() + "/v1/whoami", key).statusCode()).isEqualTo(200);
      assertThat(Http.get(a.url() + "/v1/whoami", key).statusCode()).isEqualTo(200);

      assertThat(Http.send("DELETE", a.url() + "/v1/keys/" + created.get("id").asText(), null, ADMIN).statusCode())
          .isEqualTo(200);
      long revokedAt = System.nanoTime();
      assertThat(Http.get(a.url() + "/v1/whoami", key).statusCode()).as("this node: at once").isEqualTo(401);
      await().atMost(Authenticator.CACHE_TTL.plusMillis(1000)).pollInterval(Duration.ofMillis(50))
          .until(() -> Http.get(b.url() + "/v1/whoami", key).statusCode() == 401);
      assertThat(Duration.ofNanos(System.nanoTime() - revokedAt)).isLessThan(Authenticator.CACHE_TTL.plusMillis(1000));
      // And it stays refused.
      Thread.sleep(Authenticator.CACHE_TTL.toMillis());
      assertThat(Http.get(b.url() + "/v1/whoami", key).statusCode()).isEqualTo(401);
      assertThat(Http.get(a.url() + "/v1/whoami", key).statusCode()).isEqualTo(401);
    }
  }
}
