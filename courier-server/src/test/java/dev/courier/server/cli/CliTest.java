package dev.courier.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.server.testing.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) {
    return CourierMain.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        env);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpListsExactlyTheCommandsThatExist() {
    assertThat(run(Map.of(), "--help")).isZero();
    assertThat(out())
        .contains("Usage: courier")
        .containsPattern("(?m)^\\s+serve\\s")
        .containsPattern("(?m)^\\s+migrate\\s")
        .containsPattern("(?m)^\\s+help\\s");
    String commands = out().substring(out().indexOf("Commands:"));
    assertThat(commands.lines().filter(l -> l.matches("^\\s{2}\\w+\\s.*"))).hasSize(3);
  }

  @Test
  void serveHelpListsItsFlags() {
    assertThat(run(Map.of(), "help", "serve")).isZero();
    assertThat(out()).contains("--port", "--data-dir", "--database-url", "--config", "--shutdown-timeout");
  }

  @Test
  void invalidPortFlagStopsWithAMessageNamingFlagValueAndRange() {
    int exit = run(Map.of(), "serve", "--port", "abc");
    assertThat(exit).isEqualTo(CourierMain.EXIT_USAGE);
    assertThat(err()).contains("--port=abc: must be a port number 1-65535");
  }

  @Test
  void invalidDurationInEnvironmentStopsWithAMessageNamingTheVariable() {
    int exit = run(Map.of("COURIER_SHUTDOWN_TIMEOUT", "soon"), "serve");
    assertThat(exit).isEqualTo(CourierMain.EXIT_USAGE);
    assertThat(err()).contains("COURIER_SHUTDOWN_TIMEOUT=soon: must be a duration such as 500ms");
  }

  @Test
  void sigtermWhileWaitingForAnUnreachableDatabaseExitsZeroPromptly() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Map<String, String> env =
        Map.of(
            "COURIER_DATABASE_URL", "postgres://nobody@127.0.0.1:" + closedPort + "/db",
            "COURIER_HOST", "127.0.0.1",
            "COURIER_PORT", "0");
    try (ServerProcess p = ServerProcess.start(env, "serve")) {
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> p.stderr().contains("waiting for database"));
      long t0 = System.nanoTime();
      p.terminate();
      Integer exit = p.waitFor(Duration.ofSeconds(10));
      assertThat(exit).as("exit code; stderr:\n%s", p.stderr()).isEqualTo(0);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      assertThat(p.stderr()).contains("stop requested during startup");
    }
  }

  @Test
  void invalidPortInEnvironmentStopsTheRealProcessNamingCourierPort() throws Exception {
    try (ServerProcess p = ServerProcess.start(Map.of("COURIER_PORT", "abc"), "serve")) {
      Integer exit = p.waitFor(Duration.ofSeconds(30));
      assertThat(exit).isNotNull().isNotZero();
      assertThat(p.stderr()).contains("COURIER_PORT=abc: must be a port number 1-65535");
      assertThat(p.stdout()).doesNotContain("is ready");
    }
  }
}
