package dev.courier.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.server.CourierServer;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessWhenDatabaseDownTest {
  private static final String KEY = "ck_test_key_for_the_database_down_test";

  @TempDir Path dataDir;

  @Test
  void readyAnswers503AndLiveStays200WhileTheDatabaseIsDown() throws Exception {
    java.util.Map<String, String> env = Configs.embeddedEnv(dataDir);
    env.put("COURIER_API_KEY", KEY);
    try (CourierServer server = CourierServer.start(Configs.load(env))) {
      assertThat(Http.status(server.url() + "/health/ready")).isEqualTo(200);

      server.database().embedded().orElseThrow().close();

      HttpResponse<String> ready = Http.get(server.url() + "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("\"status\":\"unavailable\"").contains("\"reachable\":false");
      assertThat(Http.get(server.url() + "/health/live").statusCode()).isEqualTo(200);

      // Nothing can be committed, so nothing is accepted: 503 with Retry-After, never a 202.
      HttpResponse<String> send = Http.send("POST", server.url() + "/v1/messages",
          "{\"instanceId\": \"ins_demo\", \"to\": \"+5511999999999\", \"type\": \"text\", \"text\": {\"body\": \"hi\"}}", KEY);
      assertThat(send.statusCode()).isEqualTo(503);
      assertThat(send.headers().firstValue("Retry-After")).isPresent();
      assertThat(send.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    }
  }
}
