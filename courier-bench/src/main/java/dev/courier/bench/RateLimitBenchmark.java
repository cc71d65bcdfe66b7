package dev.courier.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobRequest;
import dev.courier.queue.LimiterConfig;
import dev.courier.queue.QueueConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.flywaydb.core.Flyway;

/**
 * A rate limit held over time by two engine nodes sharing it (issue 4): limiter {@code
 * instance:1} at {@code --rate} per second (default 50, {@code --burst} 5: a token bucket of burst 1
 * loses every millisecond a fetcher wakes late), {@code --seconds} (default 60) of
 * work waiting, two {@link CourierQueue} nodes with their own pools on one durable PostgreSQL.
 * Prints starts per second over the measured span (from each job's recorded start) and the ratio
 * to the configured rate (target: within 2%).
 *
 * <p>Run: {@code java -cp "courier-bench/target/courier-bench.jar:courier-bench/target/lib/*"
 * dev.courier.bench.RateLimitBenchmark [--rate 50] [--seconds 60]}
 */
public final class RateLimitBenchmark {
  record Noop(int n) {}

  private RateLimitBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rate = 50;
    int seconds = 60;
    int burst = 5;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rate" -> rate = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--burst" -> burst = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("full_page_writes", "on")
            .start()) {
      String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
      try (Connection c = java.sql.DriverManager.getConnection(url, "postgres", null);
          Statement st = c.createStatement()) {
        for (String s : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes")) {
          try (ResultSet rs = st.executeQuery("SHOW " + s)) {
            rs.next();
            System.out.print(s + "=" + rs.getString(1) + " ");
          }
        }
        System.out.println();
      }
      Flyway.configure().dataSource(url, "postgres", null).locations("classpath:db/courier-queue")
          .table("courier_queue_schema_history").load().migrate();
      List<HikariDataSource> pools = new ArrayList<>();
      List<CourierQueue> nodes = new ArrayList<>();
      for (int n = 0; n < 2; n++) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("postgres");
        config.setMaximumPoolSize(10);
        HikariDataSource ds = new HikariDataSource(config);
        pools.add(ds);
        nodes.add(CourierQueue.builder(ds).nodeId("node-" + n).queue(QueueConfig.of("default", 16))
            .worker("send", Noop.class, ctx -> { }).build());
      }
      nodes.get(0).setLimiter("instance:*", LimiterConfig.none().withRate(rate, Duration.ofSeconds(1), burst));
      int jobs = rate * (seconds + 10);
      List<JobRequest> batch = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        batch.add(JobRequest.of("send", new Noop(i)).withLimiterKeys(List.of("instance:1")));
        if (batch.size() == 1_000) {
          nodes.get(0).enqueueMany(batch);
          batch.clear();
        }
      }
      nodes.get(0).enqueueMany(batch);
      System.out.printf(Locale.ROOT, "limiter instance:1 at %d/s (burst %d), %d jobs waiting, two nodes, measuring %d s%n", rate, burst, jobs, seconds);
      nodes.forEach(CourierQueue::start);
      Thread.sleep((seconds + 4) * 1000L);
      for (CourierQueue q : nodes) {
        q.stop(Duration.ofSeconds(2));
      }
      // Steady state: from the start that used up the initial burst, over the measured span.
      try (Connection c = pools.get(0).getConnection(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(
              """
              WITH s AS (SELECT attempted_at, attempted_by FROM courier_job WHERE attempted_at IS NOT NULL),
              f AS (SELECT attempted_at AS t0 FROM s ORDER BY attempted_at OFFSET %d LIMIT 1)
              SELECT count(*) FILTER (WHERE attempted_at > t0 AND attempted_at <= t0 + make_interval(secs => %d)) AS in_span,
                     count(DISTINCT attempted_by) FILTER (WHERE attempted_at > t0 AND attempted_at <= t0 + make_interval(secs => %d)) AS nodes,
                     count(*) FILTER (WHERE attempted_by = 'node-0' AND attempted_at > t0 AND attempted_at <= t0 + make_interval(secs => %d)) AS node0
              FROM s, f
              """.formatted(burst - 1, seconds, seconds, seconds))) {
        rs.next();
        long inSpan = rs.getLong("in_span");
        double observed = inSpan / (double) seconds;
        System.out.printf(Locale.ROOT, "starts in %d s after the initial burst of %d: %d (node-0 %d, node-1 %d; nodes that started jobs: %d)%n",
            seconds, burst, inSpan, rs.getLong("node0"), inSpan - rs.getLong("node0"), rs.getLong("nodes"));
        double ratio = observed / rate;
        System.out.printf(Locale.ROOT, "observed %.2f starts/s, configured %d/s, ratio %.4f  target within 2%%  %s%n",
            observed, rate, ratio, Math.abs(ratio - 1) <= 0.02 ? "PASS" : "MISS");
      }
      pools.forEach(HikariDataSource::close);
    }
  }
}
