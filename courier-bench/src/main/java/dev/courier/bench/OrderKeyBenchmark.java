package dev.courier.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobRequest;
import dev.courier.queue.JobState;
import dev.courier.queue.QueueConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;

/**
 * Order-key benchmark (issue 4), durable PostgreSQL (fsync and synchronous_commit on, verified):
 *
 * <ol>
 *   <li>1,000 keys × 20 jobs, one at a time per key, vs the same 20,000 jobs without keys; ratio
 *       target ≥ 0.5;
 *   <li>one hot key (jobs strictly one after another) alone vs beside 10,000 idle and 1,000
 *       blocked keys (a failed head and 5 jobs waiting behind each); ratio target ≥ 0.8 (the hot
 *       key's rate is its claim-to-completion cycle, so it measures what other keys cost a claim).
 * </ol>
 *
 * Run: {@code java -cp "courier-bench/target/courier-bench.jar:courier-bench/target/lib/*"
 * dev.courier.bench.OrderKeyBenchmark [--runs 3]}
 */
public final class OrderKeyBenchmark {
  record Noop(int n) {}

  private static EmbeddedPostgres pg;
  private static int dbCounter;

  private OrderKeyBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length >= 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 3;
    pg =
        EmbeddedPostgres.builder()
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("shared_buffers", "256MB")
            .setServerConfig("max_connections", "200")
            .setServerConfig("max_wal_size", "4GB")
            .start();
    try {
      try (Connection c = admin(); Statement st = c.createStatement()) {
        for (String s : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes")) {
          try (ResultSet rs = st.executeQuery("SHOW " + s)) {
            rs.next();
            System.out.print(s + "=" + rs.getString(1) + " ");
          }
        }
        System.out.println();
      }
      System.out.printf(Locale.ROOT, "runs=%d, engine concurrency 16, default prefetch, no-op workers%n%n", runs);

      double[] unordered = new double[runs];
      double[] ordered = new double[runs];
      double[] hotAlone = new double[runs];
      double[] hotCrowded = new double[runs];
      for (int r = 0; r < runs; r++) {
        unordered[r] = drain(fresh(), keysTimesJobs(0, 20_000), 20_000);
        ordered[r] = drain(fresh(), keysTimesJobs(1_000, 20), 20_000);
        hotAlone[r] = drain(fresh(), hotKey(2_000), 2_000);
        String crowded = fresh();
        crowd(crowded, 10_000, 1_000, 5);
        hotCrowded[r] = drain(crowded, hotKey(2_000), 2_000);
        System.out.printf(Locale.ROOT, "run %d: unordered %.0f, 1000 keys x 20 %.0f, hot key alone %.0f, hot key crowded %.0f jobs/s%n",
            r + 1, unordered[r], ordered[r], hotAlone[r], hotCrowded[r]);
      }
      System.out.println();
      row("20,000 jobs, no order key", unordered);
      row("1,000 keys x 20 jobs, one at a time per key", ordered);
      row("hot key alone, 2,000 jobs in sequence", hotAlone);
      row("hot key beside 10,000 idle + 1,000 blocked keys", hotCrowded);
      System.out.println();
      ratio("ordered / unordered", median(ordered) / median(unordered), 0.5);
      ratio("hot key crowded / alone", median(hotCrowded) / median(hotAlone), 0.8);
    } finally {
      pg.close();
    }
  }

  private static List<JobRequest> keysTimesJobs(int keys, int perKey) {
    List<JobRequest> jobs = new ArrayList<>();
    if (keys == 0) {
      for (int i = 0; i < perKey; i++) {
        jobs.add(JobRequest.of("noop", new Noop(i)));
      }
      return jobs;
    }
    // Enqueued interleaved, as chats of many customers arrive.
    for (int j = 0; j < perKey; j++) {
      for (int k = 0; k < keys; k++) {
        jobs.add(JobRequest.of("noop", new Noop(j)).withOrderKey("chat:" + k));
      }
    }
    return jobs;
  }

  private static List<JobRequest> hotKey(int n) {
    List<JobRequest> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      jobs.add(JobRequest.of("noop", new Noop(i)).withOrderKey("hot"));
    }
    return jobs;
  }

  /** Idle keys (rows, nothing waiting) and blocked keys (a failed head, more jobs behind it). */
  private static void crowd(String db, int idle, int blocked, int behind) throws Exception {
    try (Connection c = connect(db); Statement st = c.createStatement()) {
      st.execute("INSERT INTO courier_order_key (key) SELECT 'idle:' || g FROM generate_series(1, " + idle + ") g");
      st.execute(
          """
          INSERT INTO courier_job (state, queue, kind, args, max_attempts, created_at, scheduled_at,
                                   attempt, attempted_at, order_key, order_gate, errors)
          SELECT 'retryable', 'default', 'noop', '{"n":0}', 25, now(), now() + interval '1 day',
                 1, now(), 'blocked:' || g, false,
                 '[{"attempt":1,"error":"x","message":"provider down"}]'
          FROM generate_series(1, %d) g
          """.formatted(blocked));
      st.execute(
          """
          INSERT INTO courier_job (state, queue, kind, args, max_attempts, created_at, scheduled_at,
                                   order_key, order_gate)
          SELECT 'available', 'default', 'noop', '{"n":1}', 25, now(), now(), 'blocked:' || g, true
          FROM generate_series(1, %d) g, generate_series(1, %d) b
          """.formatted(blocked, behind));
      // Triggers advanced every key as its rows arrived; make each failed head its key's holder.
      st.execute(
          """
          UPDATE courier_order_key k SET active_job_id = j.id
          FROM courier_job j WHERE j.order_key = k.key AND j.state = 'retryable'
          """);
      st.execute("UPDATE courier_job SET order_gate = true WHERE order_key LIKE 'blocked:%' AND state = 'available'");
      st.execute("VACUUM ANALYZE courier_job");
      st.execute("VACUUM ANALYZE courier_order_key");
      try (ResultSet rs = st.executeQuery(
          "SELECT count(*) FROM courier_job WHERE order_key LIKE 'blocked:%' AND state = 'available' AND NOT order_gate")) {
        rs.next();
        if (rs.getLong(1) != 0) {
          throw new IllegalStateException("blocked keys have runnable jobs: setup is wrong");
        }
      }
    }
  }

  private static double drain(String db, List<JobRequest> jobs, int n) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url(db));
    config.setUsername("postgres");
    config.setMaximumPoolSize(20);
    try (HikariDataSource ds = new HikariDataSource(config)) {
      CourierQueue client = CourierQueue.builder(ds).knownKind("noop").build();
      for (int i = 0; i < jobs.size(); i += 1_000) {
        client.enqueueMany(jobs.subList(i, Math.min(jobs.size(), i + 1_000)));
      }
      try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        st.execute("VACUUM ANALYZE courier_job");
      }
      AtomicLong first = new AtomicLong();
      AtomicLong last = new AtomicLong();
      AtomicInteger completed = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);
      CourierQueue engine =
          CourierQueue.builder(ds)
              .queue(QueueConfig.of("default", 16))
              .worker("noop", Noop.class, ctx -> first.compareAndSet(0, System.nanoTime()))
              .listener(e -> {
                if (e.to() == JobState.COMPLETED && completed.incrementAndGet() == n) {
                  last.set(System.nanoTime());
                  done.countDown();
                }
              })
              .build();
      engine.start();
      if (!done.await(300, TimeUnit.SECONDS)) {
        throw new IllegalStateException("only " + completed.get() + " of " + n + " completed in 300 s");
      }
      engine.stop(Duration.ofSeconds(2));
      return n / ((last.get() - first.get()) / 1e9);
    }
  }

  private static String fresh() throws Exception {
    String name = "orderbench_" + (++dbCounter);
    try (Connection c = admin(); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name);
      st.execute("CREATE DATABASE " + name);
    }
    Flyway.configure()
        .dataSource(url(name), "postgres", null)
        .locations("classpath:db/courier-queue")
        .table("courier_queue_schema_history")
        .load()
        .migrate();
    return name;
  }

  private static Connection admin() throws Exception {
    return connect("postgres");
  }

  private static Connection connect(String db) throws Exception {
    return java.sql.DriverManager.getConnection(url(db), "postgres", null);
  }

  private static String url(String db) {
    return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + db;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static void row(String name, double[] v) {
    StringBuilder runs = new StringBuilder();
    for (double x : v) {
      runs.append(String.format(Locale.ROOT, " %.0f", x));
    }
    System.out.printf(Locale.ROOT, "  %-50s median %9.0f jobs/s  (runs%s)%n", name, median(v), runs);
  }

  private static void ratio(String name, double value, double target) {
    System.out.printf(Locale.ROOT, "  %-30s %5.2f  target >= %.2f  %s%n", name, value, target, value >= target ? "PASS" : "MISS");
  }
}
