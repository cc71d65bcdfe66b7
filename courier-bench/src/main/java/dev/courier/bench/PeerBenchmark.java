package dev.courier.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.kagkarlsson.scheduler.PollingStrategyConfig;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobRequest;
import dev.courier.queue.JobState;
import dev.courier.queue.QueueConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.Flyway;

/**
 * Side-by-side peer benchmark (issue 3): no-op job work rate of Courier's engine, db-scheduler
 * (same embedded PostgreSQL 17, fsync on) and BullMQ (the machine's Redis, AOF with appendfsync
 * everysec), in one run, at concurrency 16 and 2, beside the engine's own claim and completion
 * statements run through bare JDBC (the ceiling those statements reach on this machine). Each measurement pre-enqueues N jobs, then starts
 * the consumer and times first job start to last completion. Prints a table of medians and the
 * ratios the issue asks for. See docs/BENCHMARKS-PEERS.md.
 *
 * <p>Run: {@code java -cp "courier-bench/target/courier-bench.jar:courier-bench/target/lib/*"
 * dev.courier.bench.PeerBenchmark [--runs 3] [--jobs 50000] [--concurrency 16,2] [--systems
 * courier,db-scheduler,bullmq,raw] [--bullmq-dir courier-bench/peers/bullmq] [--redis-host 127.0.0.1]
 * [--redis-port 6379] [--redis-db 9] [--warmup 5000] [--max-seconds 600]}
 */
public final class PeerBenchmark {

  /** Arguments of Courier's no-op job. */
  public record Noop(int n) {}

  static final String DB_SCHEDULER_VERSION = "16.7.1";

  static final String DB_SCHEDULER_DDL =
      """
      create table scheduled_tasks (
        task_name text not null,
        task_instance text not null,
        task_data bytea,
        execution_time timestamp with time zone not null,
        picked BOOLEAN not null,
        picked_by text,
        last_success timestamp with time zone,
        last_failure timestamp with time zone,
        consecutive_failures INT,
        last_heartbeat timestamp with time zone,
        version BIGINT not null,
        priority SMALLINT,
        PRIMARY KEY (task_name, task_instance)
      );
      CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time);
      CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
      CREATE INDEX priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc);
      """;

  // ------------------------------------------------------------------ options

  static final class Options {
    int runs = 3;
    int jobs = 50_000;
    int[] concurrency = {16, 2};
    List<String> systems = List.of("courier", "db-scheduler", "bullmq", "raw");
    String bullmqDir;
    String redisHost = "127.0.0.1";
    int redisPort = 6379;
    int redisDb = 9;
    int warmup = 5_000;
    int maxSeconds = 600;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        String v = i + 1 < args.length ? args[i + 1] : null;
        switch (a) {
          case "--runs" -> o.runs = Integer.parseInt(v);
          case "--jobs" -> o.jobs = Integer.parseInt(v);
          case "--concurrency" -> o.concurrency = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
          case "--systems" -> o.systems = List.of(v.split(","));
          case "--bullmq-dir" -> o.bullmqDir = v;
          case "--redis-host" -> o.redisHost = v;
          case "--redis-port" -> o.redisPort = Integer.parseInt(v);
          case "--redis-db" -> o.redisDb = Integer.parseInt(v);
          case "--warmup" -> o.warmup = Integer.parseInt(v);
          case "--max-seconds" -> o.maxSeconds = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
        i++;
      }
      return o;
    }
  }

  /** One row of the table: a system in one configuration at one concurrency. */
  static final class Row {
    final String system;
    String config;
    final int concurrency;
    final List<Double> values = new ArrayList<>();
    String skipped;

    Row(String system, String config, int concurrency) {
      this.system = system;
      this.config = config;
      this.concurrency = concurrency;
    }

    double median() {
      double[] v = values.stream().filter(x -> !Double.isNaN(x)).mapToDouble(Double::doubleValue).sorted().toArray();
      if (v.length == 0) {
        return Double.NaN;
      }
      return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
  }

  private static EmbeddedPostgres pg;
  private static int dbCounter;
  private static Options opt;

  private PeerBenchmark() {}

  public static void main(String[] args) throws Exception {
    opt = Options.parse(args);
    Map<String, Row> rows = new LinkedHashMap<>();
    if (opt.systems.contains("raw")) {
      rows.put("raw", new Row("raw-sql", "bare JDBC cycle: engine's INSERT, CLAIM, COMPLETE_MANY x1000, 2 conns", 0));
    }
    for (int c : opt.concurrency) {
      if (opt.systems.contains("courier")) {
        rows.put("courier-default-" + c, new Row("courier", "prefetch default (" + QueueConfig.of("default", c).prefetch() + ")", c));
        rows.put("courier-1000-" + c, new Row("courier", "prefetch 1000", c));
      }
      if (opt.systems.contains("db-scheduler")) {
        rows.put("dbs-fetch-" + c, new Row("db-scheduler", "default polling (fetch, lock on execute)", c));
        rows.put("dbs-lock-" + c, new Row("db-scheduler", "pollUsingLockAndFetch", c));
      }
      if (opt.systems.contains("bullmq")) {
        rows.put("bullmq-" + c, new Row("bullmq", "Redis AOF, appendfsync everysec", c));
      }
    }

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
    Redis redis = null;
    try {
      System.out.println("PeerBenchmark: no-op job work rate, first job start -> last completion, N pre-enqueued jobs");
      System.out.printf(Locale.ROOT, "jobs=%d runs=%d concurrency=%s systems=%s java=%s cores=%d%n",
          opt.jobs, opt.runs, Arrays.toString(opt.concurrency), opt.systems, System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors());
      try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
        StringBuilder sb = new StringBuilder("PostgreSQL (embedded, shared by Courier and db-scheduler): ");
        for (String s : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method")) {
          try (ResultSet rs = st.executeQuery("SHOW " + s)) {
            rs.next();
            sb.append(s).append('=').append(rs.getString(1)).append(' ');
            if (List.of("fsync", "synchronous_commit", "full_page_writes").contains(s) && !rs.getString(1).equals("on")) {
              throw new IllegalStateException(s + " is not on");
            }
          }
        }
        System.out.println(sb.toString().trim());
      }
      System.out.printf(Locale.ROOT, "Courier: courier-queue (this build), Flyway classpath:db/courier-queue; db-scheduler %s, threads = concurrency, polling interval 1 s%n",
          DB_SCHEDULER_VERSION);

      // BullMQ prerequisites: node, the package's node_modules, Redis, durability settings.
      String bullmqSkip = null;
      Path bullmqDir = null;
      if (opt.systems.contains("bullmq")) {
        bullmqDir = findBullmqDir();
        bullmqSkip = prepareNode(bullmqDir);
        if (bullmqSkip == null) {
          try {
            redis = new Redis(opt.redisHost, opt.redisPort);
            String refused = redis.enableAof();
            if (refused != null) {
              // Still measured, but labelled: the issue's durability setting could not be applied.
              System.out.println("BullMQ: WARNING: " + refused);
              for (Row r : rows.values()) {
                if (r.system.equals("bullmq")) {
                  r.config = "Redis durability NOT set (see warning)";
                }
              }
            }
            Redis toRestore = redis;
            Runtime.getRuntime().addShutdownHook(new Thread(toRestore::restoreFromHook));
          } catch (IOException e) {
            bullmqSkip = "Redis unreachable at " + opt.redisHost + ":" + opt.redisPort + " (" + e.getMessage() + ")";
            redis = null;
          }
        }
        if (bullmqSkip != null) {
          System.out.println("BullMQ: skipped: " + bullmqSkip);
          for (Row r : rows.values()) {
            if (r.system.equals("bullmq")) {
              r.skipped = bullmqSkip;
            }
          }
        }
      }
      System.out.println();

      if (opt.warmup > 0) {
        System.out.printf(Locale.ROOT, "warm-up (not counted): %d jobs each through Courier and db-scheduler%n", opt.warmup);
        if (opt.systems.contains("courier")) {
          courier(opt.warmup, QueueConfig.of("default", 16));
        }
        if (opt.systems.contains("db-scheduler")) {
          dbScheduler(opt.warmup, 16, false);
        }
      }

      for (int r = 1; r <= opt.runs; r++) {
        Row raw = rows.get("raw");
        if (raw != null) {
          double v;
          try {
            v = rawSql(opt.jobs);
          } catch (Exception ex) {
            System.out.println("  failed: " + ex.getMessage());
            v = Double.NaN;
          }
          raw.values.add(v);
          System.out.printf(Locale.ROOT, "run %d  %-12s %-42s       %9.0f jobs/s%n", r, raw.system, "bare JDBC", v);
        }
        for (int c : opt.concurrency) {
          for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row row = e.getValue();
            if (row.concurrency != c || row.skipped != null) {
              continue;
            }
            double v;
            try {
              String k = e.getKey();
              if (k.startsWith("courier-default")) {
                v = courier(opt.jobs, QueueConfig.of("default", c));
              } else if (k.startsWith("courier-1000")) {
                v = courier(opt.jobs, new QueueConfig("default", c, 1000));
              } else if (k.startsWith("dbs-fetch")) {
                v = dbScheduler(opt.jobs, c, false);
              } else if (k.startsWith("dbs-lock")) {
                v = dbScheduler(opt.jobs, c, true);
              } else {
                v = bullmq(bullmqDir, c);
              }
            } catch (Exception ex) {
              System.out.println("  failed: " + ex.getMessage());
              v = Double.NaN;
            }
            row.values.add(v);
            System.out.printf(Locale.ROOT, "run %d  %-12s %-42s c=%-3d %9.0f jobs/s%n", r, row.system, row.config, c, v);
          }
        }
      }

      System.out.println();
      System.out.printf(Locale.ROOT, "%-12s  %-42s  %4s  %14s  %s%n", "system", "configuration", "c", "median jobs/s", "runs");
      for (Row row : rows.values()) {
        StringBuilder runs = new StringBuilder();
        for (double x : row.values) {
          runs.append(String.format(Locale.ROOT, " %.0f", x));
        }
        String med = row.skipped != null ? "skipped: " + row.skipped : String.format(Locale.ROOT, "%14.0f", row.median());
        System.out.printf(Locale.ROOT, "%-12s  %-42s  %4d  %14s %s%n", row.system, row.config, row.concurrency, med, runs);
      }
      System.out.println();
      System.out.println("ratios (Courier = the better of its two rows; db-scheduler = the better of its two rows):");
      for (int c : opt.concurrency) {
        double courier = best(rows, "courier", c);
        ratio("Courier / BullMQ", c, courier, rows, "bullmq", 2.0);
        ratio("Courier / db-scheduler", c, courier, rows, "db-scheduler", 5.0);
        Row raw = rows.get("raw");
        double bullmq = best(rows, "bullmq", c);
        if (raw != null && !Double.isNaN(raw.median()) && !Double.isNaN(bullmq)) {
          // What the 2x target asks of the engine, measured against its own bare SQL in this run.
          System.out.printf(Locale.ROOT, "  %-24s c=%-3d  %7.0f / %7.0f = %6.2f  (information: 2 x BullMQ is %.2f of the bare SQL cycle)%n",
              "raw SQL / BullMQ", c, raw.median(), bullmq, raw.median() / bullmq, 2 * bullmq / raw.median());
        }
        if (raw != null && !Double.isNaN(raw.median()) && !Double.isNaN(courier)) {
          System.out.printf(Locale.ROOT, "  %-24s c=%-3d  %7.0f / %7.0f = %6.2f  (information)%n", "Courier / raw SQL", c, courier,
              raw.median(), courier / raw.median());
        }
      }
      System.out.println();
      System.out.println("note: every system and its database share this machine's " + Runtime.getRuntime().availableProcessors()
          + " cores; the benchmark process, node and the databases compete for them.");
    } finally {
      if (redis != null) {
        redis.restore();
        redis.close();
      }
      pg.close();
    }
  }

  private static double best(Map<String, Row> rows, String system, int c) {
    double best = Double.NaN;
    for (Row r : rows.values()) {
      if (r.system.equals(system) && r.concurrency == c && r.skipped == null) {
        double m = r.median();
        if (!Double.isNaN(m) && (Double.isNaN(best) || m > best)) {
          best = m;
        }
      }
    }
    return best;
  }

  private static void ratio(String name, int c, double courier, Map<String, Row> rows, String peer, double target) {
    String skipped = rows.values().stream().filter(r -> r.system.equals(peer) && r.concurrency == c && r.skipped != null)
        .map(r -> r.skipped).findFirst().orElse(null);
    double p = best(rows, peer, c);
    if (skipped != null || Double.isNaN(p) || Double.isNaN(courier)) {
      System.out.printf(Locale.ROOT, "  %-24s c=%-3d  skipped: %s%n", name, c, skipped != null ? skipped : "no result");
      return;
    }
    double v = courier / p;
    System.out.printf(Locale.ROOT, "  %-24s c=%-3d  %7.0f / %7.0f = %6.2f  target >= %.0f  %s%n", name, c, courier, p, v, target,
        v >= target ? "PASS" : "MISS");
  }

  // ------------------------------------------------------------------ Courier

  /** A fresh database with the engine's schema. */
  private static String freshCourierDatabase(String prefix) throws Exception {
    String db = fresh(prefix);
    Flyway.configure()
        .dataSource(url(db), "postgres", null)
        .locations("classpath:db/courier-queue")
        .table("courier_queue_schema_history")
        .load()
        .migrate();
    return db;
  }

  private static double courier(int n, QueueConfig queueConfig) throws Exception {
    String db = freshCourierDatabase("peer_courier_");
    try (HikariDataSource ds = pool(db)) {
      CourierQueue client = CourierQueue.builder(ds).knownKind("noop").build();
      List<JobRequest> batch = new ArrayList<>(1_000);
      for (int i = 0; i < n; i++) {
        batch.add(JobRequest.of("noop", new Noop(i)));
        if (batch.size() == 1_000 || i == n - 1) {
          client.enqueueMany(batch);
          batch.clear();
        }
      }
      vacuum(ds, "courier_job");
      AtomicLong first = new AtomicLong();
      AtomicLong last = new AtomicLong();
      AtomicInteger completed = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);
      CourierQueue engine =
          CourierQueue.builder(ds)
              .queue(queueConfig)
              .worker("noop", Noop.class, ctx -> first.compareAndSet(0, System.nanoTime()))
              .listener(e -> {
                if (e.to() == JobState.COMPLETED && completed.incrementAndGet() == n) {
                  last.set(System.nanoTime());
                  done.countDown();
                }
              })
              .build();
      engine.start();
      try {
        if (!done.await(opt.maxSeconds, TimeUnit.SECONDS)) {
          throw new IllegalStateException("Courier: only " + completed.get() + " of " + n + " completed in " + opt.maxSeconds + " s");
        }
      } finally {
        engine.stop(Duration.ofSeconds(5));
      }
      try (Connection c = ds.getConnection(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM courier_job WHERE state = 'completed'")) {
        rs.next();
        if (rs.getLong(1) != n) {
          throw new IllegalStateException("Courier: " + rs.getLong(1) + " completed rows, expected " + n);
        }
      }
      return n / ((last.get() - first.get()) / 1e9);
    } finally {
      drop(db);
    }
  }

  // ------------------------------------------------------------------ raw SQL

  /**
   * The raw-SQL baseline of issue 3 (EngineBenchmark's section e): the engine's own insert, claim
   * and completion statements through bare JDBC, no engine, 1,000 jobs a batch on 2 connections,
   * on the same schema and server: what the hardware gives these statements (the cycle inserts its
   * jobs too, which the other systems' rows do not time), so its ratio to BullMQ says how much of
   * it the 2x target asks the engine to reach.
   */
  private static double rawSql(int n) throws Exception {
    String db = freshCourierDatabase("peer_raw_");
    try {
      AtomicInteger completed = new AtomicInteger();
      AtomicInteger nextBatch = new AtomicInteger();
      ExecutorService threads = Executors.newFixedThreadPool(2);
      List<Connection> conns = List.of(connect(db), connect(db));
      try {
        EngineBenchmark.rawWarmup(conns);
        long start = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (Connection c : conns) {
          fs.add(threads.submit(() -> {
            String[] args = new String[1_000];
            while (true) {
              int b = nextBatch.getAndIncrement();
              if (b * 1_000 >= n) {
                // A claim skips rows the other connection holds locked: finish what is left.
                List<long[]> rest;
                while (!(rest = EngineBenchmark.rawClaim(c, 1_000)).isEmpty()) {
                  completed.addAndGet(EngineBenchmark.rawComplete(c, rest));
                }
                return null;
              }
              for (int i = 0; i < args.length; i++) {
                args[i] = "{\"n\":" + (b * 1_000 + i) + "}";
              }
              try (PreparedStatement ps = c.prepareStatement(EngineBenchmark.RAW_INSERT)) {
                ps.setArray(1, c.createArrayOf("text", args));
                ps.executeUpdate();
              }
              completed.addAndGet(EngineBenchmark.rawComplete(c, EngineBenchmark.rawClaim(c, 1_000)));
            }
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (completed.get() < n) {
          throw new IllegalStateException("raw SQL: " + completed.get() + " of " + n + " completed");
        }
        return completed.get() / secs;
      } finally {
        threads.shutdown();
        for (Connection c : conns) {
          c.close();
        }
      }
    } finally {
      drop(db);
    }
  }

  // ------------------------------------------------------------------ db-scheduler

  private static double dbScheduler(int n, int threads, boolean lockAndFetch) throws Exception {
    String db = fresh("peer_dbs_");
    try (Connection c = connect(db); Statement st = c.createStatement()) {
      st.execute(DB_SCHEDULER_DDL);
    }
    try (HikariDataSource ds = pool(db)) {
      AtomicLong first = new AtomicLong();
      AtomicInteger executed = new AtomicInteger();
      OneTimeTask<Void> task =
          Tasks.oneTime("noop").execute((instance, ctx) -> {
            first.compareAndSet(0, System.nanoTime());
            executed.incrementAndGet();
          });
      SchedulerClient client = SchedulerClient.Builder.create(ds, task).build();
      Instant now = Instant.now();
      List<TaskInstance<?>> batch = new ArrayList<>(1_000);
      for (int i = 0; i < n; i++) {
        batch.add(task.instance("j" + i));
        if (batch.size() == 1_000 || i == n - 1) {
          client.scheduleBatch(batch, now);
          batch.clear();
        }
      }
      vacuum(ds, "scheduled_tasks");
      if (count(ds) != n) {
        throw new IllegalStateException("db-scheduler: expected " + n + " scheduled executions, found " + count(ds));
      }
      SchedulerBuilder builder =
          Scheduler.create(ds, task)
              .threads(threads)
              .pollingInterval(Duration.ofSeconds(1))
              .shutdownMaxWait(Duration.ofSeconds(5));
      if (lockAndFetch) {
        PollingStrategyConfig d = PollingStrategyConfig.DEFAULT_SELECT_FOR_UPDATE;
        builder.pollUsingLockAndFetch(d.lowerLimitFractionOfThreads, d.upperLimitFractionOfThreads);
      }
      Scheduler scheduler = builder.build();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(opt.maxSeconds);
      long last;
      scheduler.start();
      try {
        // Every handler ran, then every execution row is gone (a one-time task's completion deletes it).
        while (executed.get() < n) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("db-scheduler: only " + executed.get() + " of " + n + " executed in " + opt.maxSeconds + " s");
          }
          Thread.sleep(1);
        }
        while (count(ds) > 0) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("db-scheduler: " + count(ds) + " executions left after " + opt.maxSeconds + " s");
          }
          Thread.sleep(1);
        }
        last = System.nanoTime();
      } finally {
        scheduler.stop();
      }
      if (executed.get() != n) {
        throw new IllegalStateException("db-scheduler: " + executed.get() + " executions, expected " + n);
      }
      return n / ((last - first.get()) / 1e9);
    } finally {
      drop(db);
    }
  }

  private static long count(HikariDataSource ds) throws Exception {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM scheduled_tasks")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  // ------------------------------------------------------------------ BullMQ

  private static Path findBullmqDir() {
    if (opt.bullmqDir != null) {
      return Path.of(opt.bullmqDir).toAbsolutePath();
    }
    for (String p : List.of("courier-bench/peers/bullmq", "peers/bullmq", "../courier-bench/peers/bullmq")) {
      if (Files.isRegularFile(Path.of(p, "bench.mjs"))) {
        return Path.of(p).toAbsolutePath();
      }
    }
    return Path.of("courier-bench/peers/bullmq").toAbsolutePath();
  }

  /** Returns null when node and the package are ready, else why BullMQ is skipped. */
  private static String prepareNode(Path dir) {
    if (!Files.isRegularFile(dir.resolve("bench.mjs"))) {
      return "no bench.mjs in " + dir + " (run from the repository root or pass --bullmq-dir)";
    }
    String node;
    try {
      node = run(dir, List.of("node", "--version"), 30).trim();
    } catch (Exception e) {
      return "node not found (" + e.getMessage() + ")";
    }
    if (!Files.isDirectory(dir.resolve("node_modules/bullmq"))) {
      // npm install keeps to the committed package-lock.json (npm ci rejects a lockfile made on
      // Linux without the other platforms' optional msgpackr-extract packages).
      List<String> cmd = List.of("npm", "install", "--no-audit", "--no-fund");
      System.out.println("BullMQ: node_modules missing, running '" + String.join(" ", cmd) + "' in "
          + Path.of("").toAbsolutePath().relativize(dir));
      try {
        run(dir, cmd, 300);
      } catch (Exception e) {
        return "'" + String.join(" ", cmd) + "' failed (" + e.getMessage() + ")";
      }
    }
    System.out.println("BullMQ: node " + node + ", package in " + dir.getFileName());
    return null;
  }

  private static double bullmq(Path dir, int c) throws Exception {
    List<String> cmd = List.of("node", "bench.mjs", "--jobs", Integer.toString(opt.jobs), "--concurrency", Integer.toString(c),
        "--host", opt.redisHost, "--port", Integer.toString(opt.redisPort), "--db", Integer.toString(opt.redisDb),
        "--timeout", Integer.toString(opt.maxSeconds));
    String out = run(dir, cmd, opt.maxSeconds + 120);
    String json = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        json = line;
      }
    }
    if (json == null) {
      throw new IllegalStateException("BullMQ: no JSON in output: " + out);
    }
    JsonNode r = new ObjectMapper().readTree(json);
    if (r.hasNonNull("error")) {
      throw new IllegalStateException("BullMQ: " + r.get("error").asText());
    }
    if (!bullmqPrinted) {
      bullmqPrinted = true;
      System.out.printf(Locale.ROOT, "  (bullmq %s, ioredis %s, node %s, redis %s, aof_enabled=%s, appendfsync=%s, db %d)%n",
          r.get("bullmq").asText(), r.get("ioredis").asText(), r.get("node").asText(), r.get("redis").asText(),
          r.get("aof_enabled").asText(), r.get("appendfsync").asText(), r.get("db").asInt());
    }
    if (r.get("completed").asInt() != opt.jobs || r.get("failed").asInt() != 0) {
      throw new IllegalStateException("BullMQ: " + json);
    }
    return r.get("jobsPerSecond").asDouble();
  }

  private static boolean bullmqPrinted;

  /** Runs a command; stdout is returned, stderr goes to ours. */
  private static String run(Path dir, List<String> cmd, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().close();
    StringBuilder out = new StringBuilder();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = br.readLine()) != null) {
          synchronized (out) {
            out.append(line).append('\n');
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
    });
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " timed out after " + timeoutSeconds + " s");
    }
    reader.join(5_000);
    synchronized (out) {
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.toString().trim());
      }
      return out.toString();
    }
  }

  /**
   * The few Redis commands the benchmark needs (RESP over a socket): read, set and restore the
   * durability settings, and wait for the AOF rewrite that enabling appendonly starts.
   */
  static final class Redis implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private String prevAppendonly;
    private String prevAppendfsync;
    private boolean changed;
    private volatile boolean restored;

    Redis(String host, int port) throws IOException {
      socket = new Socket();
      socket.connect(new InetSocketAddress(host, port), 2_000);
      socket.setSoTimeout(30_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
      Object pong = call("PING");
      if (!"PONG".equals(pong)) {
        throw new IOException("PING answered " + pong);
      }
    }

    /** Sets appendonly yes + appendfsync everysec; returns null, or why BullMQ must be skipped. */
    String enableAof() throws IOException {
      Object a = call("CONFIG", "GET", "appendonly");
      Object f = call("CONFIG", "GET", "appendfsync");
      if (a instanceof IOException || f instanceof IOException || !(a instanceof List<?>) || !(f instanceof List<?>)) {
        String why = "CONFIG GET refused (" + a + ", " + f + "); durability of this Redis is unknown";
        String aof = info("persistence", "aof_enabled");
        return why + (aof != null ? ", INFO persistence says aof_enabled=" + aof : "");
      }
      prevAppendonly = (String) ((List<?>) a).get(1);
      prevAppendfsync = (String) ((List<?>) f).get(1);
      System.out.println("Redis " + info("server", "redis_version") + " at " + opt.redisHost + ":" + opt.redisPort
          + ": before the run appendonly=" + prevAppendonly + " appendfsync=" + prevAppendfsync);
      Object r1 = call("CONFIG", "SET", "appendfsync", "everysec");
      Object r2 = call("CONFIG", "SET", "appendonly", "yes");
      changed = true;
      if (!"OK".equals(r1) || !"OK".equals(r2)) {
        return "CONFIG SET refused (" + r1 + ", " + r2 + "); before the run appendonly=" + prevAppendonly
            + " appendfsync=" + prevAppendfsync;
      }
      // Enabling AOF forks a rewrite; measure only once it is done.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (true) {
        String inProgress = info("persistence", "aof_rewrite_in_progress");
        String scheduled = info("persistence", "aof_rewrite_scheduled");
        if ("0".equals(inProgress) && "0".equals(scheduled)) {
          break;
        }
        if (System.nanoTime() > deadline) {
          return "AOF rewrite after CONFIG SET appendonly yes did not finish in 120 s";
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
      Object nowA = ((List<?>) call("CONFIG", "GET", "appendonly")).get(1);
      Object nowF = ((List<?>) call("CONFIG", "GET", "appendfsync")).get(1);
      System.out.println("Redis for the run: appendonly=" + nowA + " appendfsync=" + nowF + " aof_enabled="
          + info("persistence", "aof_enabled") + " aof_last_bgrewrite_status=" + info("persistence", "aof_last_bgrewrite_status")
          + " (restored after the run); BullMQ uses db " + opt.redisDb + ", FLUSHDB before each run");
      return "yes".equals(nowA) && "everysec".equals(nowF) ? null : "Redis did not take appendonly yes / appendfsync everysec";
    }

    /** After an interrupted run (Ctrl-C): restores over a new connection if restore() did not run. */
    void restoreFromHook() {
      if (!changed || restored) {
        return;
      }
      try (Redis r = new Redis(opt.redisHost, opt.redisPort)) {
        r.prevAppendonly = prevAppendonly;
        r.prevAppendfsync = prevAppendfsync;
        r.changed = true;
        r.restore();
        restored = true;
      } catch (IOException e) {
        System.out.println("Redis: could not restore appendonly=" + prevAppendonly + " appendfsync=" + prevAppendfsync + ": " + e);
      }
    }

    synchronized void restore() {
      if (!changed || restored) {
        return;
      }
      restored = true;
      try {
        Object r1 = call("CONFIG", "SET", "appendonly", prevAppendonly);
        Object r2 = call("CONFIG", "SET", "appendfsync", prevAppendfsync);
        System.out.println("Redis restored: appendonly=" + prevAppendonly + " (" + r1 + ") appendfsync=" + prevAppendfsync + " (" + r2 + ")");
      } catch (IOException e) {
        System.out.println("Redis: could not restore appendonly=" + prevAppendonly + " appendfsync=" + prevAppendfsync + ": " + e);
      }
    }

    String info(String section, String key) throws IOException {
      Object r = call("INFO", section);
      if (!(r instanceof String s)) {
        return null;
      }
      for (String line : s.split("\r\n")) {
        if (line.startsWith(key + ":")) {
          return line.substring(key.length() + 1).trim();
        }
      }
      return null;
    }

    /** Sends a command; returns a String, Long, List, null, or an IOException for an error reply. */
    Object call(String... args) throws IOException {
      StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
      }
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      return read();
    }

    private Object read() throws IOException {
      int type = in.read();
      String line = readLine();
      switch (type) {
        case '+':
          return line;
        case '-':
          return new IOException(line);
        case ':':
          return Long.parseLong(line);
        case '$': {
          int len = Integer.parseInt(line);
          if (len < 0) {
            return null;
          }
          byte[] b = in.readNBytes(len);
          in.readNBytes(2);
          return new String(b, StandardCharsets.UTF_8);
        }
        case '*': {
          int len = Integer.parseInt(line);
          if (len < 0) {
            return null;
          }
          List<Object> list = new ArrayList<>();
          for (int i = 0; i < len; i++) {
            list.add(read());
          }
          return list;
        }
        default:
          throw new IOException("unexpected RESP type " + type);
      }
    }

    private String readLine() throws IOException {
      StringBuilder sb = new StringBuilder();
      int ch;
      while ((ch = in.read()) != -1) {
        if (ch == '\r') {
          in.read();
          break;
        }
        sb.append((char) ch);
      }
      return sb.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  // ------------------------------------------------------------------ PostgreSQL

  private static HikariDataSource pool(String db) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url(db));
    config.setUsername("postgres");
    config.setMaximumPoolSize(20);
    return new HikariDataSource(config);
  }

  private static void vacuum(HikariDataSource ds, String table) throws Exception {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
      st.execute("VACUUM ANALYZE " + table);
    }
  }

  private static String fresh(String prefix) throws Exception {
    String name = prefix + (++dbCounter);
    try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name);
      st.execute("CREATE DATABASE " + name);
    }
    return name;
  }

  private static void drop(String name) {
    try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (Exception e) {
      System.out.println("  (could not drop " + name + ": " + e.getMessage() + ")");
    }
  }

  private static Connection connect(String db) throws Exception {
    return DriverManager.getConnection(url(db), "postgres", null);
  }

  private static String url(String db) {
    return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + db;
  }
}
