package dev.courier.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobRequest;
import dev.courier.queue.JobState;
import dev.courier.queue.QueueConfig;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * The engine benchmark (issue 3). Starts an embedded PostgreSQL 17 with durability on (or uses
 * {@code --database-url}), gives every scenario a fresh migrated database, and prints one table
 * with medians and the target ratios. See docs/BENCHMARKS.md for the command and the results.
 */
public final class EngineBenchmark {

  /** Arguments of the no-op job. */
  public record Noop(int n) {}

  /** Arguments of the latency job: the enqueue instant (System.nanoTime) and a sequence number. */
  public record Lat(long t0, int seq) {}

  // ------------------------------------------------------------------ options

  static final class Options {
    String preset = "quick";
    int runs = 1;
    int[] workJobs = {20_000};
    int[] concurrency = {2, 16, 100};
    int[] prefetch = {-1, 1000}; // -1: the engine's default (QueueConfig.of)
    int singleJobs = 5_000;
    int singleThreads = 4;
    int batchJobs = 50_000;
    int batchSize = 1_000;
    int batchThreads = 2;
    int backlog = 200_000;
    int backlogDrain = 20_000;
    int backlogConcurrency = 16;
    int latencyRate = 200;
    int latencySeconds = 10;
    int latencyWarmupSeconds = 2;
    int latencyConcurrency = 16;
    int rawJobs = 50_000;
    int rawConnections = 2;
    String databaseUrl;
    int maxRunSeconds = 60;
    boolean diagnose = false; // prepareThreshold=0 rows (b*, e): off unless --diagnose
    List<String> scenarios = List.of("enqueue", "raw", "work", "backlog", "latency", "explain");

    void full() {
      preset = "full";
      runs = 3;
      workJobs = new int[] {50_000, 100_000};
      batchJobs = 100_000;
      backlog = 1_000_000;
      backlogDrain = 50_000;
      latencySeconds = 20;
      latencyWarmupSeconds = 3;
      rawJobs = 100_000;
    }

    static Options parse(String[] args) {
      Options o = new Options();
      List<String> a = Arrays.asList(args);
      if (a.contains("--full")) {
        o.full();
      }
      for (int i = 0; i < args.length; i++) {
        String k = args[i];
        switch (k) {
          case "--quick", "--full" -> { }
          case "--runs" -> o.runs = Integer.parseInt(args[++i]);
          case "--work-jobs" -> o.workJobs = ints(args[++i]);
          case "--concurrency" -> o.concurrency = ints(args[++i]);
          case "--prefetch" -> o.prefetch = ints(args[++i].replace("default", "-1"));
          case "--single-jobs" -> o.singleJobs = Integer.parseInt(args[++i]);
          case "--single-threads" -> o.singleThreads = Integer.parseInt(args[++i]);
          case "--batch-jobs" -> o.batchJobs = Integer.parseInt(args[++i]);
          case "--batch-size" -> o.batchSize = Integer.parseInt(args[++i]);
          case "--batch-threads" -> o.batchThreads = Integer.parseInt(args[++i]);
          case "--backlog" -> o.backlog = Integer.parseInt(args[++i]);
          case "--backlog-drain" -> o.backlogDrain = Integer.parseInt(args[++i]);
          case "--backlog-concurrency" -> o.backlogConcurrency = Integer.parseInt(args[++i]);
          case "--latency-rate" -> o.latencyRate = Integer.parseInt(args[++i]);
          case "--latency-seconds" -> o.latencySeconds = Integer.parseInt(args[++i]);
          case "--latency-warmup" -> o.latencyWarmupSeconds = Integer.parseInt(args[++i]);
          case "--latency-concurrency" -> o.latencyConcurrency = Integer.parseInt(args[++i]);
          case "--raw-jobs" -> o.rawJobs = Integer.parseInt(args[++i]);
          case "--raw-connections" -> o.rawConnections = Integer.parseInt(args[++i]);
          case "--database-url" -> o.databaseUrl = args[++i];
          case "--max-run-seconds" -> o.maxRunSeconds = Integer.parseInt(args[++i]);
          case "--no-diagnose" -> o.diagnose = false;
          case "--diagnose" -> o.diagnose = true;
          case "--scenarios" -> o.scenarios = List.of(args[++i].split(","));
          case "--help", "-h" -> {
            System.out.println(
                """
                EngineBenchmark [--quick|--full] [--runs N] [--work-jobs 50000,100000]
                  [--concurrency 2,16,100] [--prefetch default,1000] (default: 4 x concurrency, 256..1000) [--single-jobs N] [--single-threads N]
                  [--batch-jobs N] [--batch-size N] [--batch-threads N] [--backlog N] [--backlog-drain N]
                  [--backlog-concurrency N] [--latency-rate N] [--latency-seconds N] [--latency-warmup N]
                  [--latency-concurrency N] [--raw-jobs N] [--raw-connections N]
                  [--scenarios enqueue,raw,work,backlog,latency,explain] [--max-run-seconds N] [--diagnose]
                  [--database-url jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres]""");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown option " + k + " (try --help)");
        }
      }
      return o;
    }

    static int[] ints(String s) {
      return Arrays.stream(s.split(",")).mapToInt(x -> Integer.parseInt(x.trim().replace("_", ""))).toArray();
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "preset=%s runs=%d work-jobs=%s concurrency=%s prefetch=%s single=%d/%d threads batch=%d x%d (%d threads)"
              + " backlog=%d drain=%d latency=%d/s for %ds (+%ds warm-up) raw=%d on %d connections max-run-seconds=%d"
              + " diagnose=%s",
          preset, runs, Arrays.toString(workJobs), Arrays.toString(concurrency),
          Arrays.toString(prefetch).replace("-1", "default"), singleJobs, singleThreads, batchJobs, batchSize,
          batchThreads, backlog, backlogDrain, latencyRate, latencySeconds, latencyWarmupSeconds, rawJobs,
          rawConnections, maxRunSeconds, diagnose);
    }
  }

  // ------------------------------------------------------------------ server and databases

  /** Connections of the node's pool in every work run (and in MessageBenchmark's runs). */
  static final int POOL_SIZE = 20;

  static Options opt;
  static BenchPostgres pg;
  static final AtomicInteger CAPPED = new AtomicInteger();
  static final List<Row> rows = new ArrayList<>();
  static final List<String> profiles = new ArrayList<>();
  static final Map<String, Double> named = new LinkedHashMap<>();

  public static void main(String[] args) throws Exception {
    opt = Options.parse(args);
    long t0 = System.nanoTime();
    pg = BenchPostgres.start(opt.databaseUrl);
    System.out.println("# Courier engine benchmark");
    System.out.println("options: " + opt.describe());
    printJava();
    pg.printSettings();
    try {
      if (opt.scenarios.contains("enqueue")) {
        enqueueScenarios();
      }
      if (opt.scenarios.contains("raw")) {
        rawScenarios();
      }
      if (opt.scenarios.contains("work")) {
        workScenarios();
      }
      if (opt.scenarios.contains("backlog")) {
        backlogScenarios();
      }
      if (opt.scenarios.contains("explain")) {
        explainScenario();
      }
      if (opt.scenarios.contains("latency")) {
        latencyFloor();
        latencyScenario(false);
        latencyScenario(true);
      }
      printTable();
      printRatios();
      printProfiles();
      System.out.printf(Locale.ROOT, "%ntotal wall time: %.0f s%n", (System.nanoTime() - t0) / 1e9);
    } finally {
      pg.close();
    }
    System.exit(0);
  }

  /**
   * Lets another harness ({@link MessageBenchmark}) run this one's measurements, {@link #drain} in
   * particular, on its server; profiles go to {@link #profiles}.
   */
  static void attach(BenchPostgres server, int maxRunSeconds) {
    pg = server;
    opt = new Options();
    opt.maxRunSeconds = maxRunSeconds;
  }

  static void printJava() {
    System.out.println("java: " + System.getProperty("java.vm.name") + " " + Runtime.version()
        + ", cpus=" + Runtime.getRuntime().availableProcessors()
        + ", max heap=" + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
  }

  /** A fresh database with the queue schema (and pg_stat_statements when available). */
  static String freshDatabase() throws SQLException {
    return pg.freshDatabase(false);
  }

  static void dropDatabase(String name) {
    pg.dropDatabase(name);
  }

  static Connection connect(String db) throws SQLException {
    return pg.connect(db, null);
  }

  static Connection connect(String db, String jdbcExtra) throws SQLException {
    return pg.connect(db, jdbcExtra);
  }

  static HikariDataSource pool(String db, int size) {
    return pool(db, size, null);
  }

  static HikariDataSource pool(String db, int size, String jdbcExtra) {
    return pg.pool(db, size, jdbcExtra);
  }

  /**
   * Bulk-loads {@code n} available no-op jobs with one INSERT ... SELECT generate_series per 100k
   * (the same columns the engine writes), then VACUUM ANALYZE so every run starts from the same
   * state.
   */
  static void preload(String db, String queue, int priority, int n) throws SQLException {
    try (Connection c = connect(db)) {
      int done = 0;
      while (done < n) {
        int chunk = Math.min(100_000, n - done);
        try (PreparedStatement ps = c.prepareStatement(
            """
            INSERT INTO courier_job (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at)
            SELECT 'available', ?, 'noop', jsonb_build_object('n', g), ?, 25, now(), now()
            FROM generate_series(?, ?) g
            """)) {
          ps.setString(1, queue);
          ps.setInt(2, priority);
          ps.setInt(3, done + 1);
          ps.setInt(4, done + chunk);
          ps.executeUpdate();
        }
        done += chunk;
      }
      try (Statement st = c.createStatement()) {
        st.execute("VACUUM ANALYZE courier_job");
        st.execute("VACUUM ANALYZE courier_job_count_delta");
      }
    }
  }

  // ------------------------------------------------------------------ results

  record Row(String section, String name, long jobs, double[] values, String unit, String extra) {
    double median() {
      return EngineBenchmark.median(values);
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static void add(Row r) {
    rows.add(r);
    double[] s = r.values().clone();
    Arrays.sort(s);
    System.out.printf(Locale.ROOT, "  -> %-48s %9d jobs  median %10.1f %s  (runs %s)%s%n", r.name(), r.jobs(),
        r.median(), r.unit(), fmtRuns(r.values()), r.extra().isEmpty() ? "" : "  " + r.extra());
  }

  static String fmtRuns(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (double d : v) {
      sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", d));
    }
    return sb.toString();
  }

  static double heapAfterGcMb() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
  }

  // ------------------------------------------------------------------ profiles (pg_stat_statements, pg_stat_wal)

  static void resetStats(String db) {
    pg.resetStats(db);
  }

  static void captureProfile(String db, String title, double seconds) {
    profiles.add(pg.profile(db, title, seconds, 7));
  }

  // ------------------------------------------------------------------ (a) enqueue

  static void enqueueScenarios() throws Exception {
    System.out.println("\n== (a) enqueue rate");
    double[] single = new double[opt.runs];
    double[] batched = new double[opt.runs];
    for (int run = 0; run < opt.runs; run++) {
      single[run] = enqueueRun(false, run == 0);
      batched[run] = enqueueRun(true, run == 0);
    }
    add(new Row("a", "enqueue single, " + opt.singleThreads + " threads (1 commit/job)", opt.singleJobs, single, "jobs/s", ""));
    add(new Row("a", "enqueueMany x" + opt.batchSize + ", " + opt.batchThreads + " threads", opt.batchJobs, batched, "jobs/s", ""));
    named.put("enqueue.single", median(single));
    named.put("enqueue.batch", median(batched));
  }

  static double enqueueRun(boolean batch, boolean profile) throws Exception {
    String db = freshDatabase();
    int threads = batch ? opt.batchThreads : opt.singleThreads;
    int total = batch ? opt.batchJobs : opt.singleJobs;
    try (HikariDataSource ds = pool(db, threads + 2)) {
      CourierQueue client = CourierQueue.builder(ds).knownKind("noop").runMaintenance(false).build();
      // warm-up (JIT, connections, plans), not measured
      for (int i = 0; i < 200; i++) {
        client.enqueue(JobRequest.of("noop", new Noop(i)).withQueue("warmup"));
      }
      client.enqueueMany(batchOf(0, opt.batchSize, "warmup"));
      resetStats(db);
      AtomicInteger next = new AtomicInteger();
      int step = batch ? opt.batchSize : 1;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long start = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          while (true) {
            int from = next.getAndAdd(step);
            if (from >= total) {
              return null;
            }
            if (batch) {
              client.enqueueMany(batchOf(from, Math.min(step, total - from), "default"));
            } else {
              client.enqueue(JobRequest.of("noop", new Noop(from)));
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      double secs = (System.nanoTime() - start) / 1e9;
      pool.shutdown();
      if (profile) {
        captureProfile(db, batch ? "enqueueMany x" + opt.batchSize : "enqueue single", secs);
      }
      return total / secs;
    } finally {
      dropDatabase(db);
    }
  }

  static List<JobRequest> batchOf(int from, int n, String queue) {
    List<JobRequest> l = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      l.add(JobRequest.of("noop", new Noop(from + i)).withQueue(queue));
    }
    return l;
  }

  // ------------------------------------------------------------------ (b) work rate

  record WorkResult(double rate, double heapStartMb, double heapEndMb, double seconds, boolean capped) {}

  static void workScenarios() throws Exception {
    System.out.println("\n== (b) work rate of no-op jobs, pre-enqueued, one node");
    for (int n : opt.workJobs) {
      for (int pf : opt.prefetch) {
        for (int c : opt.concurrency) {
          QueueConfig qc = pf < 0 ? QueueConfig.of("default", c) : new QueueConfig("default", c, pf);
          String name = String.format(Locale.ROOT, "work c=%d prefetch=%d%s", c, qc.prefetch(),
              pf < 0 ? " (default: 4c in 256..1000)" : "");
          double[] rates = new double[opt.runs];
          double[] heapS = new double[opt.runs];
          double[] heapE = new double[opt.runs];
          int capped = 0;
          for (int run = 0; run < opt.runs; run++) {
            String db = freshDatabase();
            try {
              preload(db, "default", 5, n);
              WorkResult r = drain(db, qc, n, run == 0 ? name + " n=" + n : null);
              rates[run] = r.rate();
              heapS[run] = r.heapStartMb();
              heapE[run] = r.heapEndMb();
              capped += r.capped() ? 1 : 0;
            } finally {
              dropDatabase(db);
            }
          }
          add(new Row("b", name, n, rates, "jobs/s", heap(heapS, heapE) + cappedNote(capped)));
          named.put(String.format(Locale.ROOT, "work.%d.%d.%d", n, c, pf), median(rates));
        }
      }
    }
    if (opt.diagnose) {
      // Diagnosis, not a configuration to ship: the same engine with the driver told never to
      // server-prepare, so PostgreSQL plans every claim and completion with the actual values
      // (custom plan) instead of switching to a cached generic plan after five executions.
      int n = opt.workJobs[opt.workJobs.length - 1];
      System.out.println("\n== diagnosis: engine with JDBC prepareThreshold=0 (custom plans), n=" + n);
      for (QueueConfig qc : List.of(QueueConfig.of("default", 16), new QueueConfig("default", 100, 1000))) {
        double[] rates = new double[opt.runs];
        int capped = 0;
        for (int run = 0; run < opt.runs; run++) {
          String db = freshDatabase();
          try {
            preload(db, "default", 5, n);
            WorkResult r = drain(db, qc, n, run == 0 ? "diag prepareThreshold=0 c=" + qc.concurrency() + " prefetch=" + qc.prefetch() : null, "prepareThreshold=0");
            rates[run] = r.rate();
            capped += r.capped() ? 1 : 0;
          } finally {
            dropDatabase(db);
          }
        }
        add(new Row("b*", "work c=" + qc.concurrency() + " prefetch=" + qc.prefetch() + " prepareThreshold=0", n, rates, "jobs/s",
            "diagnosis only" + cappedNote(capped)));
        named.put("diag." + qc.concurrency(), median(rates));
      }
    }
  }

  static String cappedNote(int capped) {
    return capped == 0 ? "" : "; " + capped + " run(s) capped at " + opt.maxRunSeconds + " s";
  }

  static String heap(double[] s, double[] e) {
    return String.format(Locale.ROOT, "heap after GC start/end %.0f/%.0f MB", median(s), median(e));
  }

  /**
   * Starts an engine on {@code db} and measures from the first worker start to the moment the
   * {@code n}-th completion of queue {@code config.name()} is committed (its COMPLETED event).
   */
  static WorkResult drain(String db, QueueConfig config, int n, String profileTitle) throws Exception {
    return drain(db, config, n, profileTitle, null);
  }

  /**
   * Measured until the n-th completion or until {@code --max-run-seconds} after the first start,
   * whichever comes first; a capped run reports completions so far / elapsed and is flagged.
   */
  static WorkResult drain(String db, QueueConfig config, int n, String profileTitle, String jdbcExtra) throws Exception {
    try (HikariDataSource ds = pool(db, POOL_SIZE, jdbcExtra)) {
      double heapStart = heapAfterGcMb();
      AtomicLong first = new AtomicLong();
      AtomicLong last = new AtomicLong();
      AtomicInteger completed = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);
      String queueName = config.name();
      CourierQueue engine =
          CourierQueue.builder(ds)
              .queue(config)
              .worker("noop", Noop.class, ctx -> {
                if (first.get() == 0) {
                  first.compareAndSet(0, System.nanoTime());
                }
              })
              .listener(e -> {
                if (e.to() == JobState.COMPLETED && queueName.equals(e.queue()) && completed.incrementAndGet() == n) {
                  last.set(System.nanoTime());
                  done.countDown();
                }
              })
              .build();
      if (profileTitle != null) {
        resetStats(db);
      }
      long startedAt = System.nanoTime();
      engine.start();
      boolean ok = false;
      while (!ok) {
        long f = first.get();
        if (f != 0 && System.nanoTime() - f >= opt.maxRunSeconds * 1_000_000_000L) {
          break;
        }
        if (f == 0 && System.nanoTime() - startedAt > 120_000_000_000L) {
          throw new IllegalStateException("no job started in 120 s (" + profileTitle + ")");
        }
        ok = done.await(50, TimeUnit.MILLISECONDS);
      }
      long end = ok ? last.get() : System.nanoTime();
      int count = ok ? n : completed.get();
      double heapEnd = heapAfterGcMb();
      double secs = (end - first.get()) / 1e9;
      if (profileTitle != null) {
        captureProfile(db, profileTitle + (ok ? "" : " (capped at " + count + " jobs)"), secs);
      }
      engine.stop(Duration.ofSeconds(2));
      if (!ok) {
        CAPPED.incrementAndGet();
        System.out.printf(Locale.ROOT, "  (capped: %d of %d jobs completed in %.1f s)%n", count, n, secs);
      }
      return new WorkResult(count / secs, heapStart, heapEnd, secs, !ok);
    }
  }

  // ------------------------------------------------------------------ (d) 1M waiting

  static void backlogScenarios() throws Exception {
    System.out.println("\n== (d) work rate with " + opt.backlog + " jobs waiting");
    int c = opt.backlogConcurrency;
    QueueConfig qc = QueueConfig.of("default", c);
    int drainN = opt.backlogDrain;

    CAPPED.set(0);
    // Empty table: the same drain of drainN jobs on a fresh database.
    double[] empty = new double[opt.runs];
    double[][] emptyHeap = new double[2][opt.runs];
    for (int run = 0; run < opt.runs; run++) {
      String db = freshDatabase();
      try {
        preload(db, "default", 5, drainN);
        WorkResult r = drain(db, qc, drainN, null);
        empty[run] = r.rate();
        emptyHeap[0][run] = r.heapStartMb();
        emptyHeap[1][run] = r.heapEndMb();
      } finally {
        dropDatabase(db);
      }
    }
    add(new Row("d", "drain c=" + c + " prefetch=" + qc.prefetch() + ", empty table", drainN, empty, "jobs/s", heap(emptyHeap[0], emptyHeap[1]) + cappedNote(CAPPED.getAndSet(0))));
    named.put("backlog.empty", median(empty));

    // 1M waiting in another queue ("backlog", priority 9, not run by this engine).
    {
      String db = freshDatabase();
      try {
        long t = System.nanoTime();
        preload(db, "backlog", 9, opt.backlog);
        System.out.printf(Locale.ROOT, "  (loaded %d jobs into queue backlog in %.1f s)%n", opt.backlog, (System.nanoTime() - t) / 1e9);
        double[] rates = new double[opt.runs];
        double[][] h = new double[2][opt.runs];
        for (int run = 0; run < opt.runs; run++) {
          preload(db, "default", 5, drainN);
          WorkResult r = drain(db, qc, drainN, run == 0 ? "drain c=" + c + ", " + opt.backlog + " waiting in another queue" : null);
          rates[run] = r.rate();
          h[0][run] = r.heapStartMb();
          h[1][run] = r.heapEndMb();
        }
        add(new Row("d", "drain c=" + c + " prefetch=" + qc.prefetch() + ", " + opt.backlog + " waiting, other queue", drainN, rates, "jobs/s", heap(h[0], h[1]) + cappedNote(CAPPED.getAndSet(0))));
        named.put("backlog.other", median(rates));
      } finally {
        dropDatabase(db);
      }
    }

    // 1M waiting in the same queue: the engine drains drainN of them; topped up before each run.
    {
      String db = freshDatabase();
      try {
        preload(db, "default", 5, opt.backlog);
        double[] rates = new double[opt.runs];
        double[][] h = new double[2][opt.runs];
        for (int run = 0; run < opt.runs; run++) {
          if (run > 0) {
            preload(db, "default", 5, drainN); // back to opt.backlog waiting
          }
          WorkResult r = drain(db, qc, drainN, run == 0 ? "drain " + drainN + " c=" + c + " of " + opt.backlog + " waiting in the same queue" : null);
          rates[run] = r.rate();
          h[0][run] = r.heapStartMb();
          h[1][run] = r.heapEndMb();
        }
        add(new Row("d", "drain c=" + c + " prefetch=" + qc.prefetch() + ", " + opt.backlog + " waiting, same queue", drainN, rates, "jobs/s", heap(h[0], h[1]) + cappedNote(CAPPED.getAndSet(0))));
        named.put("backlog.same", median(rates));
      } finally {
        dropDatabase(db);
      }
    }
  }

  // ------------------------------------------------------------------ plans of the engine's statements

  /**
   * EXPLAIN ANALYZE of the engine's current CLAIM and COMPLETE_MANY (copied from JobStore) with a
   * generic plan (what PostgreSQL caches for a server-prepared statement after five executions) and
   * with a custom plan: 200k jobs waiting in queue "backlog" (lower ids), 20k in "default", 2,000 of
   * them running; the statistics are taken before the 2,000 are marked running (stale, as in a
   * running system). Claims 256 (the default prefetch at concurrency <= 64) and completes 256.
   * Second setup, the shape of the (b) and raw pre-inserted runs: 50k jobs in "default" only,
   * analyzed while none ran, 2,000 running, claim and complete 1,000.
   */
  static void explainScenario() throws Exception {
    explainScenario(200_000, 20_000, QueueConfig.of("default", 16).prefetch(), 256);
    explainScenario(0, 50_000, 1_000, 1_000);
  }

  static void explainScenario(int backlog, int ready, int claimN, int completeN) throws Exception {
    String db = freshDatabase();
    StringBuilder out = new StringBuilder();
    try {
      if (backlog > 0) {
        preload(db, "backlog", 9, backlog);
      }
      preload(db, "default", 5, ready);
      try (Connection c = connect(db); Statement st = c.createStatement()) {
        st.execute("UPDATE courier_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = 'n1',"
            + " lease_expires_at = now() + interval '30 seconds'"
            + " WHERE id IN (SELECT id FROM courier_job WHERE queue = 'default' ORDER BY id LIMIT 2000)");
        String ids;
        try (ResultSet rs = st.executeQuery(
            "SELECT array_agg(id)::text FROM (SELECT id FROM courier_job WHERE state = 'running' ORDER BY id DESC LIMIT "
                + completeN + ") x")) {
          rs.next();
          ids = rs.getString(1);
        }
        st.execute("PREPARE claim(timestamptz, text, timestamptz, text, int) AS " + numbered(RAW_CLAIM));
        st.execute("PREPARE complete(timestamptz, bigint[], smallint[], text[], text) AS " + numbered(RAW_COMPLETE));
        for (String mode : List.of("force_generic_plan", "force_custom_plan")) {
          st.execute("SET plan_cache_mode = " + mode);
          for (String[] q : List.of(
              new String[] {"CLAIM " + claimN + " from queue default",
                  "EXECUTE claim(now(), 'n2', now() + interval '30 seconds', 'default', " + claimN + ")"},
              new String[] {"COMPLETE_MANY " + completeN + " of 2000 running jobs",
                  "EXECUTE complete(now(), '" + ids + "', array_fill(1::smallint, ARRAY[" + completeN + "]), array_fill(NULL::text, ARRAY["
                      + completeN + "]), 'n1')"})) {
            st.execute("BEGIN");
            out.append(String.format(Locale.ROOT, "%n-- %s, plan_cache_mode=%s%n", q[0], mode));
            try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + q[1])) {
              while (rs.next()) {
                out.append("   ").append(rs.getString(1)).append('\n');
              }
            }
            st.execute("ROLLBACK");
          }
        }
      }
    } finally {
      dropDatabase(db);
    }
    profiles.add("\n[plans of the engine's CLAIM and COMPLETE_MANY: " + backlog + " waiting in queue backlog, " + ready
        + " in default, 2000 running, statistics from before any ran]" + out);
  }

  // ------------------------------------------------------------------ (c) latency

  static void latencyScenario(boolean otherNode) throws Exception {
    String label = otherNode ? "enqueue from another node (NOTIFY wake)" : "enqueue on the running node (local wake)";
    System.out.println("\n== (c) insert-to-start latency, " + opt.latencyRate + " jobs/s, " + label);
    String db = freshDatabase();
    int warm = opt.latencyRate * opt.latencyWarmupSeconds;
    int total = warm + opt.latencyRate * opt.latencySeconds;
    long[] startLat = new long[total];
    long[] callLat = new long[total];
    Arrays.fill(startLat, -1);
    try (HikariDataSource ds = pool(db, 20); HikariDataSource clientDs = pool(db, 10)) {
      CourierQueue engine =
          CourierQueue.builder(ds)
              .queue(QueueConfig.of("default", opt.latencyConcurrency))
              .worker("lat", Lat.class, ctx -> {
                long now = System.nanoTime();
                Lat a = ctx.args();
                startLat[a.seq()] = now - a.t0();
              })
              .build();
      CourierQueue client = otherNode
          ? CourierQueue.builder(clientDs).knownKind("lat").runMaintenance(false).build()
          : engine;
      engine.start();
      Thread.sleep(500);
      paced(total, seq -> {
        if (seq == warm) {
          resetStats(db);
        }
      }, seq -> {
        long t0 = System.nanoTime();
        client.enqueue(JobRequest.of("lat", new Lat(t0, seq)));
        callLat[seq] = System.nanoTime() - t0;
      });
      long until = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < until && Arrays.stream(startLat, warm, total).anyMatch(x -> x < 0)) {
        Thread.sleep(50);
      }
      captureProfile(db, "latency, " + label, opt.latencySeconds);
      engine.stop(Duration.ofSeconds(10));
    } finally {
      dropDatabase(db);
    }
    long missing = Arrays.stream(startLat, warm, total).filter(x -> x < 0).count();
    long[] s = Arrays.stream(startLat, warm, total).filter(x -> x >= 0).sorted().toArray();
    long[] c = Arrays.stream(callLat, warm, total).sorted().toArray();
    String key = otherNode ? "lat.other" : "lat.local";
    String sfx = otherNode ? " (other node)" : " (same node)";
    String[] names = {"p50", "p95", "p99", "max"};
    double[] ps = {0.50, 0.95, 0.99, 1.0};
    for (int i = 0; i < 4; i++) {
      double v = pct(s, ps[i]) / 1e6;
      double vc = pct(c, ps[i]) / 1e6;
      rows.add(new Row("c", "insert-to-start " + names[i] + sfx, s.length, new double[] {v}, "ms",
          String.format(Locale.ROOT, "enqueue call (commit) %s %.2f ms", names[i], vc)));
      named.put(key + "." + names[i], v);
      named.put(key + ".call." + names[i], vc);
    }
    System.out.printf(Locale.ROOT,
        "  -> insert-to-start p50 %.2f p95 %.2f p99 %.2f max %.2f ms; enqueue call p50 %.2f p95 %.2f p99 %.2f max %.2f ms; %d samples, %d never started%n",
        pct(s, .5) / 1e6, pct(s, .95) / 1e6, pct(s, .99) / 1e6, pct(s, 1) / 1e6,
        pct(c, .5) / 1e6, pct(c, .95) / 1e6, pct(c, .99) / 1e6, pct(c, 1) / 1e6, s.length, missing);
  }

  /**
   * The floor under any durable insert-to-start latency: one job row inserted by bare JDBC in an
   * autocommit statement (the engine's insert, no engine, nothing claims it) at the same steady
   * rate, from the same kind of pool, on the same server. A job cannot start before its insert is
   * committed, so the engine's p99 cannot go below this p99 on this machine.
   */
  static void latencyFloor() throws Exception {
    System.out.println("\n== (c) floor: bare JDBC single-row durable insert (engine's INSERT, autocommit), " + opt.latencyRate
        + " per second, no engine");
    String db = freshDatabase();
    int warm = opt.latencyRate * opt.latencyWarmupSeconds;
    int total = warm + opt.latencyRate * opt.latencySeconds;
    long[] lat = new long[total];
    try (HikariDataSource ds = pool(db, 10)) {
      paced(total, seq -> { }, seq -> {
        long t0 = System.nanoTime();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(RAW_INSERT)) {
          ps.setArray(1, c.createArrayOf("text", new String[] {"{\"seq\":" + seq + "}"}));
          ps.executeUpdate();
        }
        lat[seq] = System.nanoTime() - t0;
      });
    } finally {
      dropDatabase(db);
    }
    long[] s = Arrays.stream(lat, warm, total).sorted().toArray();
    String[] names = {"p50", "p95", "p99", "max"};
    double[] ps = {0.50, 0.95, 0.99, 1.0};
    for (int i = 0; i < 4; i++) {
      double v = pct(s, ps[i]) / 1e6;
      rows.add(new Row("c", "floor: bare durable insert " + names[i], s.length, new double[] {v}, "ms", "no engine"));
      named.put("lat.floor." + names[i], v);
    }
    System.out.printf(Locale.ROOT, "  -> bare durable insert p50 %.2f p95 %.2f p99 %.2f max %.2f ms; %d samples%n",
        pct(s, .5) / 1e6, pct(s, .95) / 1e6, pct(s, .99) / 1e6, pct(s, 1) / 1e6, s.length);
  }

  interface Call {
    void run(int seq) throws Exception;
  }

  /**
   * Runs {@code call} {@code total} times at {@code opt.latencyRate} per second, each on its own
   * virtual thread so that a slow one does not delay the next; {@code beforeEach} runs on the
   * pacing thread just before each is submitted.
   */
  static void paced(int total, java.util.function.IntConsumer beforeEach, Call call) throws InterruptedException {
    long period = 1_000_000_000L / opt.latencyRate;
    ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor();
    long begin = System.nanoTime() + 10_000_000;
    for (int i = 0; i < total; i++) {
      long at = begin + i * period;
      long wait;
      while ((wait = at - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      beforeEach.accept(i);
      int seq = i;
      vt.submit(() -> {
        call.run(seq);
        return null;
      });
    }
    vt.shutdown();
    vt.awaitTermination(60, TimeUnit.SECONDS);
  }

  static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ------------------------------------------------------------------ (e) raw JDBC baseline

  // The engine's own statements (copied from JobStore), run through bare JDBC.
  static final String RAW_INSERT =
      """
      INSERT INTO courier_job (state, queue, kind, args, priority, max_attempts, created_at, scheduled_at)
      SELECT 'available', 'default', 'noop', r.args::jsonb, 5, 25, now(), now()
      FROM unnest(?::text[]) AS r(args)
      """;

  // JobStore.CLAIM's path for jobs without order key or limiter (the claim's limiter step is left
  // out: the baseline has no limiters): one autocommit statement; the ids are collected first
  // (InitPlan) and the update finds them by primary key; set_config turns synchronous_commit off
  // for this statement's own transaction. Parameters: attempted_at, attempted_by, lease_expires_at,
  // queue, limit.
  static final String RAW_CLAIM =
      """
      UPDATE courier_job j
      SET state = 'running', attempt = j.attempt + 1, attempted_at = ?, attempted_by = ?,
          lease_expires_at = ?
      WHERE j.id = ANY(ARRAY(
        SELECT id FROM courier_job
        WHERE state = 'available' AND NOT order_gate AND limit_key IS NULL AND queue = ?
        ORDER BY priority, id
        LIMIT ?
        FOR UPDATE SKIP LOCKED))
        AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
      RETURNING j.id, j.queue, j.kind, j.state::text AS state, j.args::text AS args, j.priority,
                j.attempt, j.max_attempts, j.created_at, j.scheduled_at, j.attempted_at,
                j.finalized_at, j.attempted_by, j.lease_expires_at,
                j.cancel_requested_at IS NOT NULL AS cancel_requested, '[]' AS errors, j.progress,
                NULL::text AS result, j.tags, j.metadata::text AS metadata, j.unique_key,
                j.order_key, j.limiter_keys
      """;

  // Copied verbatim from JobStore.COMPLETE_MANY (durable commit, autocommit). Parameters:
  // finalized_at, ids, attempts, results, attempted_by.
  static final String RAW_COMPLETE =
      """
      UPDATE courier_job j
      SET state = 'completed', finalized_at = ?, lease_expires_at = NULL,
          result = c.result::jsonb, progress = CASE WHEN j.progress IS NULL THEN NULL ELSE 100 END
      FROM unnest(?::bigint[], ?::smallint[], ?::text[]) AS c(id, attempt, result)
      WHERE j.id = c.id AND j.attempt = c.attempt AND j.lease_expires_at IS NOT NULL
        AND j.attempted_by = ?
      RETURNING j.id, j.queue, j.kind, j.attempt
      """;

  /** The statement with its JDBC placeholders numbered $1, $2, ... (for PREPARE). */
  static String numbered(String sql) {
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (char ch : sql.toCharArray()) {
      if (ch == '?') {
        sb.append('$').append(++n);
      } else {
        sb.append(ch);
      }
    }
    return sb.toString();
  }

  static void rawScenarios() throws Exception {
    System.out.println("\n== (e) raw JDBC baseline: insert " + opt.batchSize + " / claim " + opt.batchSize
        + " with the engine's CLAIM (one autocommit statement, synchronous_commit off for its transaction)"
        + " / complete with the engine's COMPLETE_MANY (durable commit), " + opt.rawConnections + " connections");
    // Driver defaults (statements server-prepared after 5 uses, as in the engine); with --diagnose
    // also prepareThreshold=0 (PostgreSQL plans each execution with its values).
    for (String extra : opt.diagnose ? new String[] {null, "prepareThreshold=0"} : new String[] {null}) {
      String label = extra == null ? " (driver defaults)" : " (prepareThreshold=0)";
      String key = extra == null ? "" : ".pt0";
      double[] cycle = new double[opt.runs];
      double[] drainOnly = new double[opt.runs];
      double[][] phase = new double[3][opt.runs];
      double[][] phaseD = new double[2][opt.runs];
      for (int run = 0; run < opt.runs; run++) {
        double[] r = rawRun(true, run == 0, extra);
        cycle[run] = r[0];
        phase[0][run] = r[1];
        phase[1][run] = r[2];
        phase[2][run] = r[3];
        double[] d = rawRun(false, run == 0, extra);
        drainOnly[run] = d[0];
        phaseD[0][run] = d[2];
        phaseD[1][run] = d[3];
      }
      add(new Row("e", "raw cycle insert+claim+complete" + label, opt.rawJobs, cycle, "jobs/s",
          String.format(Locale.ROOT, "per %d-job batch: insert %.1f ms, claim %.1f ms, complete %.1f ms", opt.batchSize,
              median(phase[0]), median(phase[1]), median(phase[2]))));
      add(new Row("e", "raw claim+complete, pre-inserted" + label, opt.rawJobs, drainOnly, "jobs/s",
          String.format(Locale.ROOT, "per %d-job batch: claim %.1f ms, complete %.1f ms", opt.batchSize,
              median(phaseD[0]), median(phaseD[1]))));
      named.put("raw.cycle" + key, median(cycle));
      named.put("raw.drain" + key, median(drainOnly));
    }
  }

  /** Returns {jobs/s, mean insert ms, mean claim ms, mean complete ms} per batch. */
  static double[] rawRun(boolean cycle, boolean profile) throws Exception {
    return rawRun(cycle, profile, null);
  }

  static double[] rawRun(boolean cycle, boolean profile, String jdbcExtra) throws Exception {
    String db = freshDatabase();
    try {
      if (!cycle) {
        preload(db, "default", 5, opt.rawJobs);
      }
      int batches = opt.rawJobs / opt.batchSize;
      AtomicInteger nextBatch = new AtomicInteger();
      AtomicLong insNs = new AtomicLong();
      AtomicLong claimNs = new AtomicLong();
      AtomicLong doneNs = new AtomicLong();
      AtomicInteger completed = new AtomicInteger();
      AtomicInteger cycles = new AtomicInteger();
      List<Connection> conns = new ArrayList<>();
      for (int i = 0; i < opt.rawConnections; i++) {
        conns.add(connect(db, jdbcExtra));
      }
      // warm-up plans
      rawWarmup(conns);
      resetStats(db);
      ExecutorService pool = Executors.newFixedThreadPool(opt.rawConnections);
      long start = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      for (Connection c : conns) {
        fs.add(pool.submit(() -> {
          String[] args = new String[opt.batchSize];
          IntFunction<String> arg = i -> "{\"n\":" + i + "}";
          while (true) {
            int b = nextBatch.getAndIncrement();
            if (b >= batches) {
              return null;
            }
            long t0 = System.nanoTime();
            if (cycle) {
              for (int i = 0; i < args.length; i++) {
                args[i] = arg.apply(b * opt.batchSize + i);
              }
              c.setAutoCommit(true);
              try (PreparedStatement ps = c.prepareStatement(RAW_INSERT)) {
                ps.setArray(1, c.createArrayOf("text", args));
                ps.executeUpdate();
              }
            }
            long t1 = System.nanoTime();
            List<long[]> claimed = rawClaim(c, opt.batchSize);
            long t2 = System.nanoTime();
            int n = rawComplete(c, claimed);
            long t3 = System.nanoTime();
            completed.addAndGet(n);
            insNs.addAndGet(t1 - t0);
            claimNs.addAndGet(t2 - t1);
            doneNs.addAndGet(t3 - t2);
            cycles.incrementAndGet();
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      double secs = (System.nanoTime() - start) / 1e9;
      pool.shutdown();
      for (Connection c : conns) {
        c.close();
      }
      if (profile) {
        captureProfile(db, (cycle ? "raw cycle" : "raw claim+complete only") + (jdbcExtra == null ? "" : " " + jdbcExtra), secs);
      }
      int k = Math.max(1, cycles.get());
      return new double[] {completed.get() / secs, insNs.get() / 1e6 / k, claimNs.get() / 1e6 / k, doneNs.get() / 1e6 / k};
    } finally {
      dropDatabase(db);
    }
  }

  static void rawWarmup(List<Connection> conns) throws SQLException {
    for (Connection c : conns) {
      c.setAutoCommit(true);
      try (PreparedStatement ps = c.prepareStatement(RAW_INSERT.replace("'default'", "'warmup'"))) {
        ps.setArray(1, c.createArrayOf("text", new String[] {"{}", "{}"}));
        ps.executeUpdate();
      }
    }
  }

  static List<long[]> rawClaim(Connection c, int limit) throws SQLException {
    List<long[]> out = new ArrayList<>(limit);
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    try (PreparedStatement ps = c.prepareStatement(RAW_CLAIM)) {
      ps.setObject(1, now);
      ps.setString(2, "raw");
      ps.setObject(3, now.plusSeconds(30));
      ps.setString(4, "default");
      ps.setInt(5, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rs.getString("args");
          out.add(new long[] {rs.getLong("id"), rs.getInt("attempt")});
        }
      }
    }
    return out;
  }

  static int rawComplete(Connection c, List<long[]> claimed) throws SQLException {
    if (claimed.isEmpty()) {
      return 0;
    }
    Long[] ids = new Long[claimed.size()];
    Integer[] attempts = new Integer[claimed.size()];
    String[] results = new String[claimed.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = claimed.get(i)[0];
      attempts[i] = (int) claimed.get(i)[1];
    }
    int n = 0;
    try (PreparedStatement ps = c.prepareStatement(RAW_COMPLETE)) {
      ps.setObject(1, OffsetDateTime.now(ZoneOffset.UTC));
      ps.setArray(2, c.createArrayOf("bigint", ids));
      ps.setArray(3, c.createArrayOf("smallint", attempts));
      ps.setArray(4, c.createArrayOf("text", results));
      ps.setString(5, "raw");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          n++;
        }
      }
    }
    return n;
  }

  // ------------------------------------------------------------------ report

  static void printTable() {
    System.out.println("\n== Results (median of runs; jobs/s unless noted)");
    System.out.printf(Locale.ROOT, "%-2s %-52s %9s %12s %-6s %-24s %s%n", "", "scenario", "jobs", "median", "unit", "runs", "notes");
    for (Row r : rows) {
      System.out.printf(Locale.ROOT, "%-2s %-52s %9d %12.2f %-6s %-24s %s%n", r.section(), r.name(), r.jobs(), r.median(),
          r.unit(), fmtRuns(r.values()), r.extra());
    }
  }

  static void printRatios() {
    System.out.println("\n== Ratios and targets");
    Double rawDefault = named.get("raw.cycle");
    Double rawPt0 = named.get("raw.cycle.pt0");
    // The baseline is the better of the ways bare JDBC runs the same statements.
    Double raw = rawDefault == null ? null : Math.max(rawDefault, rawPt0 == null ? 0 : rawPt0);
    Double rawDrain = named.get("raw.drain") == null ? null
        : Math.max(named.get("raw.drain"), named.getOrDefault("raw.drain.pt0", 0.0));
    if (raw != null) {
      System.out.printf(Locale.ROOT, "  raw baseline used below: %.0f jobs/s (raw cycle, driver defaults %.0f%s)%n",
          raw, rawDefault, rawPt0 == null ? "" : String.format(Locale.ROOT, ", prepareThreshold=0 %.0f", rawPt0));
    }
    // engine at concurrency 16, default prefetch, largest work size
    int nMax = Arrays.stream(opt.workJobs).max().orElse(0);
    Double c16 = named.get("work." + nMax + ".16.-1");
    String best = null;
    double bestRate = 0;
    for (Map.Entry<String, Double> e : named.entrySet()) {
      if (e.getKey().startsWith("work." + nMax + ".") && e.getValue() > bestRate) {
        bestRate = e.getValue();
        best = e.getKey();
      }
    }
    if (raw != null && c16 != null) {
      ratio("engine work c=16 default prefetch " + QueueConfig.of("default", 16).prefetch() + " (n=" + nMax + ") / raw cycle",
          c16 / raw, 0.7, true);
    }
    if (raw != null && best != null) {
      String[] p = best.split("\\.");
      ratio("engine work best (c=" + p[2] + " prefetch=" + (p[3].equals("-1") ? "default" : p[3]) + ") / raw cycle",
          bestRate / raw, 0.7, true);
    }
    if (rawDrain != null && c16 != null) {
      System.out.printf(Locale.ROOT, "  %-66s %8.2f  (information: vs raw claim+complete only)%n",
          "engine work c=16 default prefetch / raw claim+complete only", c16 / rawDrain);
      System.out.printf(Locale.ROOT, "  %-66s %8.2f  (information: vs raw claim+complete only)%n",
          "engine work best / raw claim+complete only", bestRate / rawDrain);
    }
    for (int c : new int[] {16, 100}) {
      Double d = named.get("diag." + c);
      if (d != null && raw != null) {
        System.out.printf(Locale.ROOT, "  %-66s %8.2f  (diagnosis only, not a shipped configuration)%n",
            "engine c=" + c + " with prepareThreshold=0 / raw cycle", d / raw);
      }
    }
    Double empty = named.get("backlog.empty");
    if (empty != null) {
      ratio(opt.backlog + " waiting in another queue / empty", named.get("backlog.other") / empty, 0.8, true);
      ratio(opt.backlog + " waiting in the same queue / empty", named.get("backlog.same") / empty, 0.8, true);
    }
    Double p99 = named.get("lat.local.p99");
    if (p99 != null) {
      ratio("p99 insert-to-start, same node (ms)", p99, 2.0, false);
      ratio("p99 insert-to-start, other node (ms)", named.get("lat.other.p99"), 2.0, false);
      Double floor = named.get("lat.floor.p99");
      if (floor != null) {
        System.out.printf(Locale.ROOT, "  %-66s %8.2f  (information: the target is reachable only if this is <= 2)%n",
            "p99 of a bare durable single-row insert, no engine (ms)", floor);
        System.out.printf(Locale.ROOT, "  %-66s %8.2f  (information)%n", "p99 insert-to-start same node / bare insert p99",
            p99 / floor);
        System.out.printf(Locale.ROOT, "  %-66s %8.2f  (information)%n", "p99 insert-to-start other node / bare insert p99",
            named.get("lat.other.p99") / floor);
      }
    }
    System.out.println("\nReference figures from the issue, NOT measured in this run (other systems, same machine kind):");
    System.out.println("  BullMQ (Redis AOF everysec) 20.9k / 11.9k jobs/s at concurrency 16 / 2;"
        + " db-scheduler 6.3k / 1.9k; JobRunr 2.6k / 1.1k; bare-JDBC cycle ~95k jobs/s");
  }

  static void ratio(String name, double value, double target, boolean atLeast) {
    boolean pass = atLeast ? value >= target : value <= target;
    System.out.printf(Locale.ROOT, "  %-66s %8.2f  target %s %.2f  %s%n", name, value, atLeast ? ">=" : "<=", target,
        pass ? "PASS" : "MISS");
  }

  static void printProfiles() {
    if (profiles.isEmpty()) {
      return;
    }
    System.out.println("\n== Where the time goes: pg_stat_statements and pg_stat_wal for the first run of each configuration");
    profiles.forEach(System.out::print);
  }

  private EngineBenchmark() {}
}
