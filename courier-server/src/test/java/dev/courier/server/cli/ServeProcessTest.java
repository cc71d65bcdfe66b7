package dev.courier.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.server.db.EmbeddedDatabase;
import dev.courier.server.testing.Http;
import dev.courier.server.testing.ServerProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code courier serve} as a real process on one data directory, through its life: first start,
 * a second serve refused, SIGTERM, restart, SIGKILL and restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeProcessTest {
  private static final Duration START = Duration.ofSeconds(90);

  @TempDir static Path dataDir;
  private ServerProcess server;
  private String url;
  private String adminKey;
  private String adminKeyId;

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("COURIER_DATA_DIR", dataDir.toString());
    env.put("COURIER_HOST", "127.0.0.1");
    env.put("COURIER_PORT", "0");
    return env;
  }

  @BeforeAll
  void startFirst() throws Exception {
    server = ServerProcess.start(env(), "serve");
    url = server.awaitReady(START);
    adminKey = server.printedAdminKey();
  }

  @AfterAll
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Order(1)
  void firstStartPrintsUrlDatabaseAndAdminKeyAndIsReady() {
    assertThat(server.stdout())
        .contains("is ready at http://127.0.0.1:")
        .contains("database:  embedded PostgreSQL 17")
        .contains("(data in " + dataDir.resolve("postgres") + ")");
    assertThat(adminKey).startsWith("ck_").hasSizeGreaterThan(40);
    HttpResponse<String> ready = Http.get(url + "/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"kind\":\"embedded\"").contains("\"fsync\":\"on\"");
    HttpResponse<String> me = Http.get(url + "/v1/whoami", adminKey);
    assertThat(me.statusCode()).isEqualTo(200);
    adminKeyId = me.body().replaceAll(".*\"keyId\":\"([^\"]+)\".*", "$1");
    assertThat(adminKeyId).startsWith("key_");
  }

  @Test
  @Order(2)
  void secondServeOnTheSameDataDirFailsWithAClearMessage() throws Exception {
    try (ServerProcess second = ServerProcess.start(env(), "serve")) {
      Integer exit = second.waitFor(Duration.ofSeconds(30));
      assertThat(exit).isNotNull().isNotZero();
      assertThat(second.stderr())
          .contains("another Courier is running on data dir " + dataDir.toAbsolutePath().normalize())
          .contains("(pid " + server.handle().pid() + ")");
    }
    assertThat(Http.status(url + "/health/ready")).isEqualTo(200);
  }

  @Test
  @Order(3)
  void sigtermStopsWithinTenSecondsWithExitZeroAndLeavesNoPostgres() throws Exception {
    long postmaster = postmasterPid().orElseThrow();
    assertThat(ProcessHandle.of(postmaster)).isPresent();
    List<ProcessHandle> descendants = server.handle().descendants().toList();

    long t0 = System.nanoTime();
    server.terminate();
    Integer exit = server.waitFor(Duration.ofSeconds(10));
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertThat(exit).as("exit code within 10 s; stderr:\n%s", server.stderr()).isEqualTo(0);
    assertThat(ms).isLessThan(10_000);
    assertThat(ProcessHandle.of(postmaster).filter(EmbeddedDatabase::isRunning)).isEmpty();
    assertThat(descendants).noneMatch(EmbeddedDatabase::isRunning);
    assertThat(postgresProcessesOn(dataDir)).isEmpty();
  }

  @Test
  @Order(4)
  void restartKeepsTheDataAndTheSameAdminKeyWorks() throws Exception {
    server = ServerProcess.start(env(), "serve");
    url = server.awaitReady(START);

    assertThat(server.printedAdminKey()).isNull();
    assertThat(server.stdout()).doesNotContain(adminKey);
    HttpResponse<String> me = Http.get(url + "/v1/whoami", adminKey);
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.body()).contains("\"keyId\":\"" + adminKeyId + "\"");
  }

  @Test
  @Order(5)
  void restartAfterKillMinus9StopsTheOrphanPostgresAndKeepsTheData() throws Exception {
    long orphan = postmasterPid().orElseThrow();
    server.kill();
    assertThat(server.waitFor(Duration.ofSeconds(10))).isNotNull();
    assertThat(ProcessHandle.of(orphan).filter(EmbeddedDatabase::isRunning))
        .as("postgres outlives a SIGKILLed Courier")
        .isPresent();

    server = ServerProcess.start(env(), "serve");
    url = server.awaitReady(START);

    assertThat(ProcessHandle.of(orphan).filter(EmbeddedDatabase::isRunning)).isEmpty();
    assertThat(server.stderr()).contains("stopping orphaned embedded postgres pid=" + orphan);
    assertThat(Http.get(url + "/v1/whoami", adminKey).body()).contains(adminKeyId);

    server.terminate();
    assertThat(server.waitFor(Duration.ofSeconds(10))).isEqualTo(0);
    assertThat(postgresProcessesOn(dataDir)).isEmpty();
  }

  private Optional<Long> postmasterPid() throws Exception {
    Path pid = dataDir.resolve("postgres/postmaster.pid");
    if (!Files.exists(pid)) {
      return Optional.empty();
    }
    return Optional.of(Long.parseLong(Files.readAllLines(pid).get(0).trim()));
  }

  static List<ProcessHandle> postgresProcessesOn(Path dataDir) {
    String pgData = dataDir.toAbsolutePath().resolve("postgres").toString();
    return ProcessHandle.allProcesses()
        .filter(EmbeddedDatabase::isRunning)
        .filter(p -> p.info().commandLine().orElse("").contains(pgData))
        .toList();
  }
}
