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
  @TempDir Path dataDir;

  @Test
  void readyAnswers503AndLiveStays200WhileTheDatabaseIsDown() throws Exception {
    try (CourierServer server = CourierServer.start(Configs.load(Configs.embeddedEnv(dataDir)))) {
      assertThat(Http.status(server.url() + "/health/ready")).isEqualTo(200);

      server.database().embedded().orElseThrow().close();

      HttpResponse<String> ready = Http.get(server.url() + "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("\"status\":\"unavailable\"").contains("\"reachable\":false");
      assertThat(Http.get(server.url() + "/health/live").statusCode()).isEqualTo(200);
    }
  }
}
