package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.testing.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database goes away in the middle of a run and comes back: the engine reconnects and every
 * job completes. Uses its own PostgreSQL server (one this test can stop), so it is not a
 * {@code @DatabaseTest}: it needs no shared server.
 */
class DatabaseRestartTest {
  @TempDir Path dir;

  @Test
  void reconnectsAfterPostgresRestartsAndFinishesEveryJob() throws Exception {
    int port = freePort();
    Path data = dir.resolve("pg");
    Files.createDirectories(data);
    EmbeddedPostgres pg = start(data, port);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://localhost:" + port + "/postgres");
    config.setUsername("postgres");
    config.setMaximumPoolSize(10);
    config.setConnectionTimeout(2_000);
    config.setInitializationFailTimeout(-1);
    Set<String> done = ConcurrentHashMap.newKeySet();
    AtomicInteger runs = new AtomicInteger();
    try (HikariDataSource ds = new HikariDataSource(config)) {
      TestDatabase.migrate(new TestDatabase.Coordinates(config.getJdbcUrl(), "postgres", null, "postgres"));
      CourierQueue q =
          CourierQueue.builder(ds)
              .pollInterval(Duration.ofMillis(200))
              .promoteInterval(Duration.ofMillis(100))
              .queue("default", 8)
              .worker("w", EngineTestBase.Args.class, ctx -> {
                runs.incrementAndGet();
                Thread.sleep(2);
                done.add(ctx.args().value());
              }, WorkerOptions.defaults().withRetryPolicy(new ExponentialBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0)))
              .build();
      int n = 2_000;
      q.enqueueMany(IntStream.range(0, n).mapToObj(i -> JobRequest.of("w", new EngineTestBase.Args("" + i))).toList());
      q.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> done.size() > 200);

      pg.close();
      Thread.sleep(1_000);
      pg = start(data, port);

      await().atMost(Duration.ofSeconds(60)).until(() -> completed(ds) == n);
      assertThat(done).hasSize(n);
      // At-least-once: a job whose completion was in flight when the server died may run again.
      assertThat(runs.get()).isGreaterThanOrEqualTo(n);
      q.stop(Duration.ofSeconds(2));
    } finally {
      pg.close();
    }
  }

  private static long completed(HikariDataSource ds) {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM courier_job WHERE state = 'completed'")) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      return -1;
    }
  }

  private static EmbeddedPostgres start(Path data, int port) throws IOException {
    return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
