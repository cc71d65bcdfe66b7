package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.queue.testing.DatabaseTest;
import dev.courier.queue.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A node killed with SIGKILL mid-run loses nothing: another node finishes every job. */
@DatabaseTest
class KillNineTest {

  @Test
  void killedNodeLosesNoJobAndDoublesNoCompletion() throws Exception {
    TestDatabase.Coordinates coords = TestDatabase.createDatabase();
    TestDatabase.migrate(coords);
    try (var ds = TestDatabase.dataSource(coords, 10)) {
      try (var c = ds.getConnection(); var st = c.createStatement()) {
        st.execute("CREATE TABLE crash_run (value text NOT NULL)");
      }
      CourierQueue client = CourierQueue.builder(ds).knownKind("crash").build();
      int n = 3_000;
      client.enqueueMany(IntStream.range(0, n).mapToObj(i -> JobRequest.of("crash", new EngineTestBase.Args("" + i))).toList());

      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(CrashingNodeMain.class.getName());
      cmd.add(coords.url());
      cmd.add(coords.user());
      if (coords.password() != null) {
        cmd.add(coords.password());
      }
      Process node = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
      Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> count(ds, "SELECT count(*) FROM crash_run") > 300);
        // SIGKILL: no shutdown hook, no release of leases, completions in flight are lost.
        node.destroyForcibly();
        assertThat(node.waitFor(10, TimeUnit.SECONDS)).isTrue();
      } finally {
        node.destroyForcibly();
      }
      long doneAtKill = count(ds, "SELECT count(*) FROM courier_job WHERE state = 'completed'");
      assertThat(doneAtKill).isLessThan(n);

      CourierQueue survivor =
          CourierQueue.builder(ds)
              .rescueInterval(Duration.ofMillis(200))
              .promoteInterval(Duration.ofMillis(100))
              .leaderTtl(Duration.ofSeconds(2))
              .queue("default", 8)
              .worker("crash", EngineTestBase.Args.class, ctx -> CrashingNodeMain.recordRunAndComplete(ds, ctx))
              .build();
      survivor.start();
      try {
        await().atMost(Duration.ofSeconds(90)).until(() -> count(ds, "SELECT count(*) FROM courier_job WHERE state = 'completed'") == n);
        // Every job's effect is recorded exactly once: the worker's write and the completion
        // commit together, so a killed attempt left no trace and was redone.
        assertThat(count(ds, "SELECT count(*) FROM crash_run")).isEqualTo(n);
        assertThat(count(ds, "SELECT count(DISTINCT value) FROM crash_run")).isEqualTo(n);
      } finally {
        survivor.stop(Duration.ofSeconds(2));
      }
    }
  }

  private static long count(javax.sql.DataSource ds, String sql) {
    try (var c = ds.getConnection(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

}
