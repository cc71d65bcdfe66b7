package dev.courier.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.testing.Configs;
import dev.courier.server.testing.Http;
import dev.courier.server.testing.Schemas;
import dev.courier.server.testing.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real CLI on an external database (the test database stands in for it). */
@DatabaseTest
class ExternalDatabaseProcessTest {
  @TempDir Path dataDir;

  @Test
  void serveOnDatabaseUrlIsReadyStartsNoEmbeddedPostgresAndNeverPrintsTheConfiguredKey()
      throws Exception {
    TestDatabase.Coordinates db = TestDatabase.createDatabase();
    Map<String, String> env = Configs.externalEnv(dataDir, db);
    String key = "ck_configured-by-the-operator-0123456789";
    env.put("COURIER_API_KEY", key);

    try (ServerProcess p = ServerProcess.start(env, "serve")) {
      String url = p.awaitReady(Duration.ofSeconds(60));
      var ready = Http.get(url + "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"kind\":\"external\"");
      assertThat(p.stdout()).contains("database:  external PostgreSQL").contains("admin key: the one in COURIER_API_KEY");
      assertThat(Http.get(url + "/v1/whoami", key).statusCode()).isEqualTo(200);
      assertThat(p.handle().descendants().filter(ProcessHandle::isAlive)).isEmpty();
      assertThat(Files.exists(dataDir.resolve("postgres"))).isFalse();

      p.terminate();
      assertThat(p.waitFor(Duration.ofSeconds(10))).isEqualTo(0);
      assertThat(p.stdout() + p.stderr()).doesNotContain(key);
      if (db.password() != null && !db.password().isEmpty()) {
        assertThat(p.stdout() + p.stderr())
            .doesNotContain(":" + db.password() + "@")
            .doesNotContain("password=" + db.password());
      }
    }
  }

  @Test
  void migrateAppliesTheSchemaAndExits() throws Exception {
    TestDatabase.Coordinates db = TestDatabase.createDatabase();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit =
        CourierMain.run(
            new String[] {"migrate", "--database-url", Configs.databaseUrl(db)},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            Map.of("COURIER_DATABASE_ALLOW_NON_DURABLE", "true", "COURIER_DATA_DIR", dataDir.toString()));
    assertThat(exit).isZero();
    String latest;
    try (var ds = TestDatabase.dataSource(db, 2)) {
      latest = Schemas.latestCourierVersion(ds);
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("migrated external database").contains("schema " + latest + ",");
  }
}
