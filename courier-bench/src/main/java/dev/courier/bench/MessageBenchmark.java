package dev.courier.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.queue.CourierQueue;
import dev.courier.queue.JobEventListener;
import dev.courier.queue.JobRequest;
import dev.courier.queue.JobState;
import dev.courier.queue.LimiterConfig;
import dev.courier.queue.QueueConfig;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Messages;
import dev.courier.whatsapp.provider.OutboundMessage;
import dev.courier.whatsapp.provider.Provider;
import dev.courier.whatsapp.provider.SendReceipt;
import dev.courier.whatsapp.simulator.SimulatorStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WhatsApp domain's speed targets (issue "courier-whatsapp", section Benchmark), on the same
 * durable PostgreSQL as {@link EngineBenchmark} ({@link BenchPostgres}):
 *
 * <ol>
 *   <li>messages per second from enqueue to {@code sent} through the simulator (zero latency, no
 *       limits, no simulated callbacks) at 1, 10 and 1,000 chats, as a ratio to the engine's no-op
 *       work rate measured in the same run at the same concurrency (target at 1,000 chats: at least
 *       0.5). Also the engine's no-op rate for jobs of the messages' shape (an order key per chat and
 *       the number's limiter key), which tells the engine's share from the domain's;
 *   <li>five simulator numbers limited to 80/s (burst 80) with a backlog each: every number's
 *       observed rate over a steady window, from the simulator's outbox (target within 2% of 80/s).
 * </ol>
 *
 * <p>Run: {@code java -cp "courier-bench/target/courier-bench.jar:courier-bench/target/lib/*"
 * dev.courier.bench.MessageBenchmark [--quick|--full] [--runs N]}; {@code --help} lists the options.
 * See docs/BENCHMARKS.md for the results.
 */
public final class MessageBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ORG = WhatsApp.DEFAULT_ORGANIZATION;
  /** The loader's connections commit asynchronously: loading is not what is measured. */
  private static final String ASYNC_COMMIT = "options=-c%20synchronous_commit%3Doff";

  // ------------------------------------------------------------------ options

  static final class Options {
    String preset = "quick";
    int runs = 1;
    int messages = 5_000;
    int oneChatMessages = 500;
    int noopJobs = 20_000;
    int[] chats = {1, 10, 1_000};
    int concurrency = 256; // the node's default send concurrency (WhatsApp.Builder)
    int sendCommitters = 2;
    int loaders = 4;
    boolean shape = true;
    boolean warmup = true;
    int rateInstances = 5;
    int rate = 80;
    int rateChats = 100;
    int rateSkip = 12;
    int rateSeconds = 12;
    int maxRunSeconds = 120;
    boolean diagnose = false;
    int diagnoseChats = 1_000;
    String databaseUrl;
    List<String> scenarios = List.of("throughput", "rate");

    void full() {
      preset = "full";
      runs = 3;
      messages = 20_000;
      oneChatMessages = 2_000;
      noopJobs = 50_000;
      rateSkip = 20;
      rateSeconds = 40;
    }

    static Options parse(String[] args) {
      Options o = new Options();
      if (Arrays.asList(args).contains("--full")) {
        o.full();
      }
      for (int i = 0; i < args.length; i++) {
        String k = args[i];
        switch (k) {
          case "--quick", "--full" -> { }
          case "--runs" -> o.runs = Integer.parseInt(args[++i]);
          case "--messages" -> o.messages = Integer.parseInt(args[++i]);
          case "--one-chat-messages" -> o.oneChatMessages = Integer.parseInt(args[++i]);
          case "--noop-jobs" -> o.noopJobs = Integer.parseInt(args[++i]);
          case "--chats" -> o.chats = EngineBenchmark.Options.ints(args[++i]);
          case "--concurrency" -> o.concurrency = Integer.parseInt(args[++i]);
          case "--send-committers" -> o.sendCommitters = Integer.parseInt(args[++i]);
          case "--loaders" -> o.loaders = Integer.parseInt(args[++i]);
          case "--no-shape" -> o.shape = false;
          case "--no-warmup" -> o.warmup = false;
          case "--rate-instances" -> o.rateInstances = Integer.parseInt(args[++i]);
          case "--rate" -> o.rate = Integer.parseInt(args[++i]);
          case "--rate-chats" -> o.rateChats = Integer.parseInt(args[++i]);
          case "--rate-skip" -> o.rateSkip = Integer.parseInt(args[++i]);
          case "--rate-seconds" -> o.rateSeconds = Integer.parseInt(args[++i]);
          case "--max-run-seconds" -> o.maxRunSeconds = Integer.parseInt(args[++i]);
          case "--diagnose" -> o.diagnose = true;
          case "--diagnose-chats" -> o.diagnoseChats = Integer.parseInt(args[++i]);
          case "--database-url" -> o.databaseUrl = args[++i];
          case "--scenarios" -> o.scenarios = List.of(args[++i].split(","));
          case "--help", "-h" -> {
            System.out.println(
                """
                MessageBenchmark [--quick|--full] [--runs N] [--messages N] [--one-chat-messages N] [--noop-jobs N]
                  [--chats 1,10,1000] [--concurrency 256] [--send-committers 2] [--loaders 4] [--no-shape] [--no-warmup]
                  [--rate-instances 5] [--rate 80] [--rate-chats 100] [--rate-skip 12] [--rate-seconds 12]
                  [--scenarios throughput,rate] [--max-run-seconds N] [--diagnose] [--diagnose-chats 1000]
                  [--database-url jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres]
                --quick (default): 1 run, 5,000 messages (500 for 1 chat), 20,000 no-op jobs,
                  rate window 12 s from 12 s after each number's first send.
                --full: 3 runs, 20,000 messages (2,000 for 1 chat), 50,000 no-op jobs, rate window 40 s
                  from 20 s after each number's first send.
                --diagnose: after (1), the same messages at --diagnose-chats with a provider that writes
                  nothing in Courier's database, side by side with the simulator (see Variant).""");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown option " + k + " (try --help)");
        }
      }
      return o;
    }

    int prefetch() {
      // What WhatsApp gives its send queue.
      return WhatsApp.sendPrefetch(concurrency);
    }

    int messagesFor(int chats) {
      return chats == 1 ? oneChatMessages : messages;
    }

    String describe() {
      return String.format(Locale.ROOT,
          "preset=%s runs=%d messages=%d (1 chat: %d) no-op jobs=%d chats=%s send concurrency=%d send committers=%d prefetch=%d pool=%d loaders=%d"
              + " shape=%s warmup=%s rate: %d numbers x %d/s (burst %d), %d chats each, window %d s after %d s,"
              + " max-run-seconds=%d diagnose=%s",
          preset, runs, messages, oneChatMessages, noopJobs, Arrays.toString(chats), concurrency, sendCommitters, prefetch(),
          EngineBenchmark.POOL_SIZE, loaders, shape, warmup, rateInstances, rate, rate, rateChats, rateSeconds,
          rateSkip, maxRunSeconds, diagnose ? "at " + diagnoseChats + " chats" : "no");
    }
  }

  private static Options opt;
  private static BenchPostgres pg;
  private static final Map<String, double[]> results = new LinkedHashMap<>();

  public static void main(String[] args) throws Exception {
    opt = Options.parse(args);
    long t0 = System.nanoTime();
    pg = BenchPostgres.start(opt.databaseUrl);
    EngineBenchmark.attach(pg, opt.maxRunSeconds);
    System.out.println("# Courier message benchmark");
    System.out.println("options: " + opt.describe());
    EngineBenchmark.printJava();
    pg.printSettings();
    try {
      List<String> summary = new ArrayList<>();
      if (opt.warmup && (opt.scenarios.contains("throughput") || opt.diagnose)) {
        System.out.println("\n== warm-up (JIT, not recorded): 5,000 no-op jobs, 2,000 messages to 100 chats");
        noop(new QueueConfig("default", opt.concurrency, opt.prefetch()), 5_000, null);
        messageRun(100, 2_000, null);
      }
      if (opt.scenarios.contains("throughput")) {
        throughput(summary);
      }
      if (opt.diagnose) {
        diagnose(summary);
      }
      if (opt.scenarios.contains("rate")) {
        List<Variant> variants = opt.diagnose ? List.of(Variant.SHIPPED, Variant.REMOTE_PROVIDER) : List.of(Variant.SHIPPED);
        for (int run = 0; run < opt.runs; run++) {
          for (Variant v : variants) {
            rate(run, v);
          }
        }
        for (Variant v : variants) {
          rateSummary(v, summary);
        }
      }
      System.out.println("\n== Targets");
      summary.forEach(System.out::println);
      if (!EngineBenchmark.profiles.isEmpty()) {
        System.out.println("\n== Where the time goes: pg_stat_statements and pg_stat_wal for the first run of each configuration");
        EngineBenchmark.profiles.forEach(System.out::print);
      }
      System.out.printf(Locale.ROOT, "%ntotal wall time: %.0f s%n", (System.nanoTime() - t0) / 1e9);
    } finally {
      pg.close();
    }
    System.exit(0);
  }

  // ------------------------------------------------------------------ (1) throughput

  private static void throughput(List<String> summary) throws Exception {
    int c = opt.concurrency;
    QueueConfig noopQueue = new QueueConfig("default", c, opt.prefetch());
    int baselineJobs = opt.noopJobs;
    System.out.printf(Locale.ROOT, "%n== (1) enqueue to sent, simulator latency 0ms, no limits, no callbacks; send concurrency %d, prefetch %d%n",
        c, opt.prefetch());
    for (int run = 0; run < opt.runs; run++) {
      System.out.printf(Locale.ROOT, "-- run %d of %d%n", run + 1, opt.runs);
      double base = noop(noopQueue, baselineJobs, run == 0 ? "engine no-op c=" + c + " prefetch=" + opt.prefetch() : null);
      record("noop", run, base);
      System.out.printf(Locale.ROOT, "  engine no-op work rate, %d jobs without order key or limiter: %.0f jobs/s%n", baselineJobs, base);
      for (int chats : opt.chats) {
        int n = opt.messagesFor(chats);
        if (opt.shape) {
          double shaped = shapedNoop(chats, n, run == 0 ? "engine no-op, messages' shape, " + chats + " chats" : null);
          record("shape." + chats, run, shaped);
          System.out.printf(Locale.ROOT, "  engine no-op, %d jobs in the messages' shape (%d order keys + a limiter key): %.0f jobs/s (%.2f of no-op)%n",
              n, chats, shaped, shaped / base);
        }
        MessageResult m = messageRun(chats, n, run == 0 ? "messages, " + chats + " chats" : null);
        record("msg." + chats, run, m.rate());
        record("ratio." + chats, run, m.rate() / base);
        System.out.printf(Locale.ROOT, "  messages, %d to %d chats: %.0f msg/s (%.3f of no-op) in %.2f s; %s%n",
            n, chats, m.rate(), m.rate() / base, m.seconds(), m.notes());
      }
    }
    System.out.printf(Locale.ROOT, "%n== (1) results (median of %d runs; runs in brackets)%n", opt.runs);
    row("engine no-op work rate, c=" + c + " prefetch=" + opt.prefetch(), baselineJobs, "noop", "jobs/s");
    for (int chats : opt.chats) {
      int n = opt.messagesFor(chats);
      if (opt.shape) {
        row("engine no-op, messages' shape, " + chats + " chat" + (chats == 1 ? "" : "s"), n, "shape." + chats, "jobs/s");
      }
      row("messages enqueue-to-sent, " + chats + " chat" + (chats == 1 ? "" : "s"), n, "msg." + chats, "msg/s");
    }
    for (int chats : opt.chats) {
      double[] ratios = results.get("ratio." + chats);
      double medianRatio = EngineBenchmark.median(results.get("msg." + chats)) / EngineBenchmark.median(results.get("noop"));
      String target = chats >= 1_000 ? (medianRatio >= 0.5 ? "target >= 0.5  PASS" : "target >= 0.5  MISS")
          : chats == 1 ? "(information: one chat is one message at a time)" : "(information)";
      summary.add(String.format(Locale.ROOT, "  %-66s %6.3f  %s  (ratios per run: %s)",
          "messages/s at " + chats + " chat" + (chats == 1 ? "" : "s") + " / engine no-op jobs/s", medianRatio, target,
          fmt3(ratios)));
    }
    if (Arrays.stream(opt.chats).anyMatch(x -> x == 1)) {
      double one = EngineBenchmark.median(results.get("msg.1"));
      summary.add(String.format(Locale.ROOT, "  %-66s %6.2f ms (%.0f msg/s)", "one chat: time per message (claim, send, commit, hand-over)",
          1000 / one, one));
    }
  }

  private static void record(String key, int run, double value) {
    results.computeIfAbsent(key, k -> new double[opt.runs])[run] = value;
  }

  private static void row(String name, int n, String key, String unit) {
    double[] v = results.get(key);
    System.out.printf(Locale.ROOT, "  %-52s %7d  median %9.1f %-6s (runs %s)%n", name, n, EngineBenchmark.median(v), unit,
        EngineBenchmark.fmtRuns(v));
  }

  private static String fmt3(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (double d : v) {
      sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", d));
    }
    return sb.toString();
  }

  /** The engine's no-op work rate: {@code n} jobs bulk-loaded, drained by one node (EngineBenchmark's (b)). */
  private static double noop(QueueConfig q, int n, String profileTitle) throws Exception {
    String db = pg.freshDatabase(false);
    try {
      EngineBenchmark.preload(db, q.name(), 5, n);
      return EngineBenchmark.drain(db, q, n, profileTitle).rate();
    } finally {
      pg.dropDatabase(db);
    }
  }

  /**
   * No-op jobs shaped like the send jobs of {@code n} messages to {@code chats} chats of one
   * number: an order key per chat, the number's limiter key (a limiter without limits, as for a
   * simulator with {@code "limits": {}}), enqueued interleaved, then drained as {@link #noop}.
   */
  private static double shapedNoop(int chats, int n, String profileTitle) throws Exception {
    String db = pg.freshDatabase(false);
    try {
      QueueConfig q = new QueueConfig("default", opt.concurrency, opt.prefetch());
      try (HikariDataSource ds = pg.pool(db, 2, null)) {
        CourierQueue client = CourierQueue.builder(ds).knownKind("noop").runMaintenance(false).build();
        client.setLimiter("wa:ins_bench", LimiterConfig.none());
        List<JobRequest> batch = new ArrayList<>(1_000);
        for (int i = 0; i < n; i++) {
          batch.add(JobRequest.of("noop", new EngineBenchmark.Noop(i))
              .withOrderKey("wa:ins_bench:chat:" + phone(i % chats))
              .withLimiterKeys(List.of("wa:ins_bench"), phone(i % chats)));
          if (batch.size() == 1_000 || i == n - 1) {
            client.enqueueMany(batch);
            batch.clear();
          }
        }
      }
      vacuum(db);
      return EngineBenchmark.drain(db, q, n, profileTitle).rate();
    } finally {
      pg.dropDatabase(db);
    }
  }

  record MessageResult(double rate, double seconds, String notes) {}

  /**
   * {@code n} messages to {@code chats} chats of one simulator number, accepted through the
   * domain's API before the node starts; measured from the first claim of a send job to the commit
   * of the n-th (the send worker completes its job in the transaction that marks the message sent).
   */
  private static MessageResult messageRun(int chats, int n, String profileTitle) throws Exception {
    return messageRun(chats, n, profileTitle, Variant.SHIPPED);
  }

  private static MessageResult messageRun(int chats, int n, String profileTitle, Variant variant) throws Exception {
    String db = pg.freshDatabase(true);
    try {
      double loadRate = load(db, List.of(instanceBody("bench", null)), chats, n);
      vacuum(db);
      try (HikariDataSource ds = pg.pool(db, EngineBenchmark.POOL_SIZE, null)) {
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger otherTransitions = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        Node node = new Node(db, ds, variant, e -> {
          if (e.to() == JobState.RUNNING) {
            if (first.get() == 0) {
              first.compareAndSet(0, System.nanoTime());
            }
          } else if (e.to() == JobState.COMPLETED) {
            if (completed.incrementAndGet() == n) {
              last.set(System.nanoTime());
              done.countDown();
            }
          } else {
            otherTransitions.incrementAndGet(); // snoozed, retried, failed: none is expected here
          }
        });
        WaitSampler sampler = null;
        if (profileTitle != null) {
          pg.resetStats(db);
          sampler = new WaitSampler(pg.connect(db, null), db, 10);
        }
        long startedAt = System.nanoTime();
        node.wa.start();
        boolean ok = false;
        while (!ok) {
          long f = first.get();
          if (f != 0 && System.nanoTime() - f >= opt.maxRunSeconds * 1_000_000_000L) {
            break;
          }
          if (f == 0 && System.nanoTime() - startedAt > 120_000_000_000L) {
            throw new IllegalStateException("no send started in 120 s");
          }
          ok = done.await(50, TimeUnit.MILLISECONDS);
        }
        long end = ok ? last.get() : System.nanoTime();
        int count = ok ? n : completed.get();
        double secs = (end - first.get()) / 1e9;
        if (sampler != null) {
          String waits = sampler.summary(8);
          sampler.close();
          EngineBenchmark.profiles.add(pg.profile(db, profileTitle + " (" + n + " messages)" + (ok ? "" : " capped"), secs, Integer.getInteger("courier.bench.top", 14)) + waits);
        }
        node.close();
        String notes = String.format(Locale.ROOT, "statuses %s; %s%s; loaded at %.0f msg/s", statuses(ds),
            dbSpan(ds), otherTransitions.get() == 0 ? "" : "; " + otherTransitions.get() + " other send-job transitions",
            loadRate);
        if (!ok) {
          notes = "CAPPED at " + opt.maxRunSeconds + " s: " + count + " of " + n + "; " + notes;
        }
        return new MessageResult(count / secs, secs, notes);
      }
    } finally {
      pg.dropDatabase(db);
    }
  }

  /** Messages per status, e.g. {@code {sent=20000}}. */
  private static Map<String, Long> statuses(HikariDataSource ds) throws SQLException {
    Map<String, Long> m = new LinkedHashMap<>();
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT status, count(*) FROM courier_message GROUP BY status ORDER BY status")) {
      while (rs.next()) {
        m.put(rs.getString(1), rs.getLong(2));
      }
    }
    return m;
  }

  /** The same rate from the database: first attempt start to last sent_at. */
  private static String dbSpan(HikariDataSource ds) throws SQLException {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(
            """
            SELECT (SELECT count(*) FROM courier_message WHERE status = 'sent') AS sent,
                   extract(epoch FROM (SELECT max(sent_at) FROM courier_message)
                                      - (SELECT min(started_at) FROM courier_message_attempt)) AS span
            """)) {
      rs.next();
      double span = rs.getDouble("span");
      return String.format(Locale.ROOT, "database: first attempt to last sent_at %.2f s (%.0f msg/s)", span,
          span > 0 ? rs.getLong("sent") / span : 0);
    }
  }

  // ------------------------------------------------------------------ diagnosis: changes not shipped

  /** A provider built by the bench for one instance: (pool, the simulator's outbox store, instance id). */
  @FunctionalInterface
  interface BenchProvider {
    Provider apply(HikariDataSource ds, SimulatorStore outbox, String instanceId);
  }

  /**
   * The message path as shipped, and with a provider that writes nothing in Courier's database (as
   * the Cloud API or a gateway): what the simulator's own writes cost.
   */
  enum Variant {
    SHIPPED("as shipped (simulator)", null),
    /** The provider writes nothing in Courier's database, as the Cloud API or a gateway: Courier's own cost. */
    REMOTE_PROVIDER("a provider outside the database (accepts in memory, like a remote one)",
        (ds, outbox, id) -> new MemoryProvider());

    final String label;
    final BenchProvider provider;

    Variant(String label, BenchProvider provider) {
      this.label = label;
      this.provider = provider;
    }
  }

  private static void diagnose(List<String> summary) throws Exception {
    int chats = opt.diagnoseChats;
    int n = opt.messagesFor(chats);
    System.out.printf(Locale.ROOT, "%n== diagnosis: %d messages to %d chats, the simulator and a provider outside the database side by side (%d runs)%n",
        n, chats, opt.runs);
    for (int run = 0; run < opt.runs; run++) {
      for (Variant v : Variant.values()) {
        MessageResult m = messageRun(chats, n, run == 0 && v != Variant.SHIPPED ? "diagnosis: " + v.label + ", " + chats + " chats" : null, v);
        record("diag." + v, run, m.rate());
        System.out.printf(Locale.ROOT, "  run %d: %-80s %6.0f msg/s; %s%n", run + 1, v.label, m.rate(), m.notes());
      }
    }
    System.out.printf(Locale.ROOT, "%n== diagnosis results (median of %d runs)%n", opt.runs);
    double shipped = EngineBenchmark.median(results.get("diag." + Variant.SHIPPED));
    Double noop = results.containsKey("noop") ? EngineBenchmark.median(results.get("noop")) : null;
    for (Variant v : Variant.values()) {
      double[] r = results.get("diag." + v);
      double med = EngineBenchmark.median(r);
      String line = String.format(Locale.ROOT, "  %-82s median %6.0f msg/s (runs %s), x%.2f of shipped%s", v.label, med,
          EngineBenchmark.fmtRuns(r), med / shipped,
          noop == null ? "" : String.format(Locale.ROOT, ", %.3f of the engine's no-op rate", med / noop));
      System.out.println(line);
      summary.add("  diagnosis, " + chats + " chats: " + line.trim());
    }
  }

  /**
   * One WhatsApp node on a bench database, built for a variant, with the send concurrency of the
   * options; {@code onSendEvent} sees the send jobs' state changes until the node is closed
   * (closing hands unstarted jobs back, which is not reported).
   */
  static final class Node implements AutoCloseable {
    final WhatsApp wa;
    private final AtomicBoolean stopping = new AtomicBoolean();

    Node(String db, HikariDataSource ds, Variant variant, JobEventListener onSendEvent) throws SQLException {
      WhatsApp.Builder builder = WhatsApp.builder(ds).sendConcurrency(opt.concurrency).sendCommitters(opt.sendCommitters).engine(b -> b.listener(e -> {
        if (!Messages.SEND_KIND.equals(e.kind()) || stopping.get()) {
          return;
        }
        onSendEvent.onEvent(e);
      }));
      if (variant.provider != null) {
        SimulatorStore outbox = new SimulatorStore(ds);
        builder.providerFactory(i -> variant.provider.apply(ds, outbox, i.id()));
      }
      wa = builder.build();
    }

    @Override
    public void close() throws SQLException {
      stopping.set(true);
      wa.stop(Duration.ofSeconds(5));
    }
  }

  /** Accepts every message at once and writes nothing. */
  record MemoryProvider() implements Provider {
    @Override
    public SendReceipt send(OutboundMessage m) {
      return new SendReceipt("wamid.BENCH." + m.messageId());
    }

    @Override
    public void markRead(String providerMessageId) {}
  }

  // ------------------------------------------------------------------ (2) rate limits

  private static final Map<Variant, List<double[]>> rateRuns = new LinkedHashMap<>();

  private static void rate(int run, Variant variant) throws Exception {
    int k = opt.rateInstances;
    int perInstance = opt.rate * (opt.rateSkip + opt.rateSeconds + 5) + opt.rate;
    System.out.printf(Locale.ROOT,
        "%n== (2) %d simulator numbers limited to %d/s (burst %d), %d messages each to %d chats; steady window %d s from %d s after each number's first send (%srun %d of %d)%n",
        k, opt.rate, opt.rate, perInstance, opt.rateChats, opt.rateSeconds, opt.rateSkip,
        variant == Variant.SHIPPED ? "" : "diagnosis: " + variant.label + "; ", run + 1, opt.runs);
    String db = pg.freshDatabase(true);
    try {
      List<ObjectNode> bodies = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        ObjectNode limits = JSON.createObjectNode();
        limits.putObject("rate").put("count", opt.rate).put("per", "1s").put("burst", opt.rate);
        bodies.add(instanceBody(String.format(Locale.ROOT, "number-%d", i + 1), limits));
      }
      double loadRate = load(db, bodies, opt.rateChats, k * perInstance);
      vacuum(db);
      System.out.printf(Locale.ROOT, "  loaded %d messages at %.0f msg/s%n", k * perInstance, loadRate);
      try (HikariDataSource ds = pg.pool(db, EngineBenchmark.POOL_SIZE, null)) {
        AtomicInteger other = new AtomicInteger();
        Node node = new Node(db, ds, variant, e -> {
          if (e.to() != JobState.RUNNING && e.to() != JobState.COMPLETED) {
            other.incrementAndGet(); // snoozed, retried, failed
          }
        });
        WaitSampler sampler = null;
        if (run == 0) {
          pg.resetStats(db);
          sampler = new WaitSampler(pg.connect(db, null), db, 10);
        }
        long started = System.nanoTime();
        node.wa.start();
        // Wait until every number's window has passed: its first send plus skip plus window.
        Instant until = null;
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (until == null || Instant.now().isBefore(until)) {
          Thread.sleep(500);
          Instant latestFirst = latestFirstSend(ds, k);
          if (latestFirst != null) {
            until = latestFirst.plusSeconds(opt.rateSkip + opt.rateSeconds).plusMillis(500);
          } else if (System.nanoTime() > deadline) {
            throw new IllegalStateException("not every number sent within 120 s");
          }
        }
        if (sampler != null) {
          String waits = sampler.summary(8);
          sampler.close();
          EngineBenchmark.profiles.add(pg.profile(db, "rate limits, " + k + " numbers x " + opt.rate + "/s"
              + (variant == Variant.SHIPPED ? "" : ", " + variant.label), (System.nanoTime() - started) / 1e9, 10) + waits);
        }
        node.close();
        double[] rates = new double[k];
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(RATE_QUERY)) {
          ps.setInt(1, opt.rateSkip);
          ps.setInt(2, opt.rateSkip + opt.rateSeconds);
          try (ResultSet rs = ps.executeQuery()) {
            int i = 0;
            while (rs.next()) {
              double r = rs.getLong("in_window") / (double) opt.rateSeconds;
              double claims = rs.getLong("claims") / (double) opt.rateSeconds;
              rates[i++] = r;
              System.out.printf(Locale.ROOT,
                  "  %-9s sent %5d, first second %3d; window: %5d sent = %6.2f/s (%+.2f%%), per second %d-%d;"
                      + " claimed %6.2f/s, per second %d-%d; claim-to-sent p50 %.0f ms at window start, %.0f ms at its"
                      + " end, at most %.0f ms%s%n",
                  rs.getString("name"), rs.getLong("total"), rs.getLong("first_second"), rs.getLong("in_window"), r,
                  100 * (r / opt.rate - 1), rs.getLong("min_s"), rs.getLong("max_s"), claims, rs.getLong("claims_min_s"),
                  rs.getLong("claims_max_s"), rs.getDouble("lag_start"), rs.getDouble("lag_end"), rs.getDouble("lag_max"),
                  rs.getBoolean("covered") ? "" : "  WINDOW NOT COVERED (backlog ran out or the run ended early)");
            }
            if (i != k) {
              throw new IllegalStateException("only " + i + " of " + k + " numbers sent anything");
            }
          }
        }
        if (other.get() > 0) {
          System.out.printf(Locale.ROOT, "  %d send jobs were snoozed, retried or failed%n", other.get());
        }
        rateRuns.computeIfAbsent(variant, v -> new ArrayList<>()).add(rates);
      }
    } finally {
      pg.dropDatabase(db);
    }
  }

  /**
   * Per number, from the simulator's outbox: messages sent, in the first second, and in the window
   * [first send + skip, first send + skip + seconds) with the smallest and largest count of a second
   * in it; the number's claims (its send jobs' attempted_at, where the limiter acts) in the same
   * window, with the smallest and largest count of a second (seconds with none are not counted in
   * either minimum); the longest time from claim to sent in the window; and the median time from
   * claim to sent of the messages sent in the window's first and last second (a growing lag means
   * the node cannot keep up, a shrinking one that it is catching up, either of which moves the sent
   * rate away from the claimed one). Parameters: skip, skip + seconds.
   */
  private static final String RATE_QUERY =
      """
      WITH f AS (SELECT instance_id, min(accepted_at) AS t0, max(accepted_at) AS tl, count(*) AS total
                 FROM courier_simulator_outbox GROUP BY instance_id),
      w AS (SELECT instance_id, t0 + make_interval(secs => ?) AS ws, t0 + make_interval(secs => ?) AS we FROM f),
      o AS (SELECT o.instance_id, o.accepted_at, o.accepted_at - w.ws AS since, w.we - o.accepted_at AS until,
                   extract(epoch FROM o.accepted_at - j.attempted_at) * 1000 AS lag_ms
            FROM courier_simulator_outbox o JOIN w USING (instance_id)
            JOIN courier_message m ON m.id = o.message_id JOIN courier_job j ON j.id = m.job_id
            WHERE o.accepted_at >= w.ws AND o.accepted_at < w.we),
      per_second AS (SELECT instance_id, floor(extract(epoch FROM since)) AS s, count(*) AS n FROM o GROUP BY 1, 2),
      claims_per_second AS (SELECT w.instance_id, floor(extract(epoch FROM j.attempted_at - w.ws)) AS s, count(*) AS n
                            FROM w JOIN courier_job j ON j.limit_key = 'wa:' || w.instance_id
                            WHERE j.attempted_at >= w.ws AND j.attempted_at < w.we GROUP BY 1, 2)
      SELECT i.name, f.total,
             (SELECT count(*) FROM courier_simulator_outbox x
               WHERE x.instance_id = f.instance_id AND x.accepted_at < f.t0 + interval '1 second') AS first_second,
             (SELECT count(*) FROM o WHERE o.instance_id = f.instance_id) AS in_window,
             (SELECT min(n) FROM per_second p WHERE p.instance_id = f.instance_id) AS min_s,
             (SELECT max(n) FROM per_second p WHERE p.instance_id = f.instance_id) AS max_s,
             (SELECT min(n) FROM claims_per_second p WHERE p.instance_id = f.instance_id) AS claims_min_s,
             (SELECT max(n) FROM claims_per_second p WHERE p.instance_id = f.instance_id) AS claims_max_s,
             (SELECT max(lag_ms) FROM o WHERE o.instance_id = f.instance_id) AS lag_max,
             (SELECT coalesce(sum(n), 0) FROM claims_per_second p WHERE p.instance_id = f.instance_id) AS claims,
             (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) FROM o
               WHERE o.instance_id = f.instance_id AND o.since < interval '1 second') AS lag_start,
             (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) FROM o
               WHERE o.instance_id = f.instance_id AND o.until <= interval '1 second') AS lag_end,
             f.tl >= w.we AS covered
      FROM f JOIN w USING (instance_id) JOIN courier_instance i ON i.id = f.instance_id
      ORDER BY i.name
      """;

  /** The latest of the numbers' first sends, once each of the {@code k} numbers has sent one. */
  private static Instant latestFirstSend(HikariDataSource ds, int k) throws SQLException {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT count(*), max(t0) FROM (SELECT min(accepted_at) AS t0 FROM courier_simulator_outbox GROUP BY instance_id) f")) {
      rs.next();
      return rs.getInt(1) < k ? null : rs.getTimestamp(2).toInstant();
    }
  }

  private static void rateSummary(Variant variant, List<String> summary) {
    List<double[]> runs = rateRuns.get(variant);
    double worstOverall = 0;
    List<String> perRun = new ArrayList<>();
    double[] worstPerRun = new double[runs.size()];
    for (int r = 0; r < runs.size(); r++) {
      double worst = 0;
      StringBuilder sb = new StringBuilder();
      for (double x : runs.get(r)) {
        worst = Math.max(worst, Math.abs(x / opt.rate - 1));
        sb.append(sb.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.2f", x));
      }
      worstPerRun[r] = worst;
      worstOverall = Math.max(worstOverall, worst);
      perRun.add(sb.toString());
    }
    double median = EngineBenchmark.median(worstPerRun);
    String name = "worst per-number deviation from " + opt.rate + "/s (median of runs)";
    if (variant == Variant.SHIPPED) {
      summary.add(String.format(Locale.ROOT, "  %-66s %5.2f%%  target <= 2%%  %s  (worst of all runs %.2f%%; per-number sent/s by run: %s)",
          name, 100 * median, median <= 0.02 ? "PASS" : "MISS", 100 * worstOverall, String.join(" | ", perRun)));
    } else {
      summary.add(String.format(Locale.ROOT, "  diagnosis, %s: %s %.2f%% (worst of all runs %.2f%%; per-number sent/s by run: %s)",
          variant.label, name, 100 * median, 100 * worstOverall, String.join(" | ", perRun)));
    }
  }

  // ------------------------------------------------------------------ loading

  /** A simulator instance: latency 0ms, no simulated callbacks, the given limits (none when null). */
  private static ObjectNode instanceBody(String name, ObjectNode limits) {
    ObjectNode b = JSON.createObjectNode();
    b.put("name", name).put("provider", "simulator");
    b.putObject("settings").put("latency", "0ms").putObject("statuses");
    b.set("limits", limits == null ? JSON.createObjectNode() : limits);
    return b;
  }

  /** A valid Brazilian mobile number per chat: +55 11 99000-0000 + chat. */
  private static String phone(int chat) {
    return "+55119" + (90_000_000 + chat);
  }

  /**
   * Creates the instances and accepts {@code n} text messages through the domain's API ({@code
   * draft} + {@code accept}, one transaction each, from {@code --loaders} threads), message i to
   * instance i mod k and, within it, to chat (i / k) mod {@code chats}; on a pool whose commits
   * are asynchronous (loading is not measured; every row is committed before the node starts).
   * Returns messages accepted per second.
   */
  private static double load(String db, List<ObjectNode> instances, int chats, int n) throws Exception {
    return load(db, instances, chats, n, false, opt.loaders, null);
  }

  /** As above, with durable commits or not, from {@code threads} threads, profiled when titled. */
  private static double load(String db, List<ObjectNode> instances, int chats, int n, boolean durable, int threads,
      String profileTitle) throws Exception {
    try (HikariDataSource ds = pg.pool(db, threads + 1, durable ? null : ASYNC_COMMIT)) {
      WhatsApp loader = WhatsApp.builder(ds).build();
      List<String> ids = new ArrayList<>();
      for (ObjectNode body : instances) {
        Instance created = loader.instances().create(ORG, body);
        ids.add(created.id());
      }
      int k = ids.size();
      AtomicInteger next = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      WaitSampler sampler = null;
      if (profileTitle != null) {
        pg.resetStats(db);
        sampler = new WaitSampler(pg.connect(db, null), db, 10);
      }
      long t = System.nanoTime();
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
          fs.add(pool.submit(() -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
              ObjectNode body = JSON.createObjectNode();
              body.put("instanceId", ids.get(i % k)).put("to", phone((i / k) % chats)).put("type", "text");
              body.putObject("text").put("body", "bench message " + i);
              Messages.Draft d = loader.messages().draft(ORG, body, false);
              loader.messages().accept(ORG, d, null);
            }
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      double secs = (System.nanoTime() - t) / 1e9;
      if (sampler != null) {
        String waits = sampler.summary(8);
        sampler.close();
        EngineBenchmark.profiles.add(pg.profile(db, profileTitle + " (" + n + " messages)", secs, 10) + waits);
      }
      return n / secs;
    }
  }

  /** VACUUM ANALYZE after loading, as EngineBenchmark's preload does, so every run starts alike. */
  private static void vacuum(String db) throws SQLException {
    try (Connection c = pg.connect(db, null); Statement st = c.createStatement()) {
      st.execute("VACUUM ANALYZE");
    }
  }

  private MessageBenchmark() {}
}
