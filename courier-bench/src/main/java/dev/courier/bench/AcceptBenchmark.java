package dev.courier.bench;

import dev.courier.server.CourierServer;
import dev.courier.server.config.ConfigLoader;
import dev.courier.server.config.CourierConfig;
import dev.courier.server.config.Setting;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * The HTTP accept benchmark: group commit of single-message sends against one commit per request.
 *
 * <p>Each run starts a real Courier node in this JVM ({@link CourierServer#start}) on a fresh
 * embedded PostgreSQL 17 (durable: {@code fsync}, {@code synchronous_commit} and {@code
 * full_page_writes} on, as Courier always runs it), role {@code api} (the job engine does not run:
 * only accepting is measured), per-key rate limit off. It creates a simulator instance, then drives
 * {@code POST /v1/messages} with C concurrent clients, each a virtual thread with its own HTTP/1.1
 * keep-alive connection sending one request after the other (closed loop), for a warm-up and then a
 * measured window. Latency is taken client side from writing the request to reading the whole
 * answer. Group commit off and on are measured in the same run, each on a freshly started node with a
 * fresh database, in alternating order.
 */
public final class AcceptBenchmark {
  static final String KEY = "ck_bench_admin_key_for_accept_benchmark";

  static final class Options {
    int runs = 1;
    int clients = 64;
    int warmupSeconds = 5;
    int seconds = 20;
    int poolSize = 10;
    int chats = 10_000;
    int maxBatch = 256;
    int committers = 2;
    List<String> modes = List.of("off", "on");
    boolean profile;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--runs" -> o.runs = Integer.parseInt(args[++i]);
          case "--clients" -> o.clients = Integer.parseInt(args[++i]);
          case "--warmup" -> o.warmupSeconds = Integer.parseInt(args[++i]);
          case "--seconds" -> o.seconds = Integer.parseInt(args[++i]);
          case "--pool-size" -> o.poolSize = Integer.parseInt(args[++i]);
          case "--chats" -> o.chats = Integer.parseInt(args[++i]);
          case "--max-batch" -> o.maxBatch = Integer.parseInt(args[++i]);
          case "--committers" -> o.committers = Integer.parseInt(args[++i]);
          case "--modes" -> o.modes = List.of(args[++i].split(","));
          case "--profile" -> o.profile = true;
          case "--help", "-h" -> {
            System.out.println(
                """
                AcceptBenchmark [--runs N] [--clients 64] [--warmup 5] [--seconds 20] [--pool-size 10]
                  [--chats 10000] [--max-batch 256] [--committers 2] [--modes off,on] [--profile]
                --profile: each node runs on a server of the harness's own (same durable settings) with
                  pg_stat_statements, and the measured window's top statements are printed""");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
        }
      }
      return o;
    }
  }

  /** One measured window. */
  record Result(String mode, long accepted, long errors, double seconds, double[] latencyMs, long commits,
      double syncMs, Map<String, String> settings) {
    /** Mean time of one WAL fsync in the window. */
    double meanSyncMs() {
      return commits == 0 ? Double.NaN : syncMs / commits;
    }

    double rate() {
      return accepted / seconds;
    }

    double pct(double p) {
      if (latencyMs.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.ceil(p / 100.0 * latencyMs.length) - 1;
      return latencyMs[Math.max(0, Math.min(latencyMs.length - 1, i))];
    }

    double perCommit() {
      return commits == 0 ? Double.NaN : (double) accepted / commits;
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    System.out.printf(Locale.ROOT, "# Courier HTTP accept benchmark (group commit)%n%n");
    System.out.printf(Locale.ROOT,
        "clients=%d (closed loop, one HTTP/1.1 keep-alive connection each) warmup=%ds measured=%ds runs=%d"
            + " pool=%d chats=%d maxBatch=%d committers=%d cpus=%d java=%s%n%n",
        o.clients, o.warmupSeconds, o.seconds, o.runs, o.poolSize, o.chats, o.maxBatch, o.committers,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    Map<String, List<Result>> byMode = new LinkedHashMap<>();
    for (String m : o.modes) {
      byMode.put(m, new ArrayList<>());
    }
    for (int run = 1; run <= o.runs; run++) {
      List<String> order = new ArrayList<>(o.modes);
      if (run % 2 == 0) {
        java.util.Collections.reverse(order);
      }
      for (String mode : order) {
        String load = loadAverage();
        Result r = measure(o, mode);
        byMode.get(mode).add(r);
        System.out.printf(Locale.ROOT,
            "run %d group commit %-3s: %8.0f accepted/s  p50 %6.1f ms  p95 %6.1f ms  p99 %6.1f ms  max %7.1f ms"
                + "  errors %d  WAL fsyncs/s %6.0f  messages/fsync %5.1f  mean fsync %5.2f ms  load before %s%n",
            run, mode, r.rate(), r.pct(50), r.pct(95), r.pct(99), r.pct(100), r.errors(), r.commits() / r.seconds(),
            r.perCommit(), r.meanSyncMs(), load);
        if (run == 1 && mode.equals(order.get(0))) {
          System.out.println("  database: " + r.settings());
        }
      }
    }
    System.out.println();
    System.out.println("| group commit | accepted/s (median, min-max) | p50 ms | p95 ms | p99 ms (median, min-max) | messages/WAL fsync | mean fsync ms | errors |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    Map<String, Double> medianRate = new HashMap<>();
    Map<String, Double> medianP99 = new HashMap<>();
    for (Map.Entry<String, List<Result>> e : byMode.entrySet()) {
      List<Result> rs = e.getValue();
      double rate = median(rs.stream().mapToDouble(Result::rate).toArray());
      double p99 = median(rs.stream().mapToDouble(r -> r.pct(99)).toArray());
      medianRate.put(e.getKey(), rate);
      medianP99.put(e.getKey(), p99);
      System.out.printf(Locale.ROOT, "| %s | %.0f (%.0f-%.0f) | %.1f | %.1f | %.1f (%.1f-%.1f) | %.1f | %.2f | %d |%n",
          e.getKey(), rate, min(rs, Result::rate), max(rs, Result::rate),
          median(rs.stream().mapToDouble(r -> r.pct(50)).toArray()),
          median(rs.stream().mapToDouble(r -> r.pct(95)).toArray()),
          p99, min(rs, r -> r.pct(99)), max(rs, r -> r.pct(99)),
          median(rs.stream().mapToDouble(Result::perCommit).toArray()),
          median(rs.stream().mapToDouble(Result::meanSyncMs).toArray()),
          rs.stream().mapToLong(Result::errors).sum());
    }
    if (medianRate.containsKey("on") && medianRate.containsKey("off")) {
      double ratio = medianRate.get("on") / medianRate.get("off");
      List<Result> on = byMode.get("on");
      List<Result> off = byMode.get("off");
      double[] perRun = new double[Math.min(on.size(), off.size())];
      for (int i = 0; i < perRun.length; i++) {
        perRun[i] = on.get(i).rate() / off.get(i).rate();
      }
      Arrays.sort(perRun);
      System.out.println();
      System.out.printf(Locale.ROOT, "ratio on/off (medians): %.2f (per run %s)  target >= 5: %s%n", ratio,
          Arrays.toString(Arrays.stream(perRun).map(x -> Math.round(x * 100) / 100.0).toArray()),
          ratio >= 5 ? "PASS" : "MISS");
      System.out.printf(Locale.ROOT, "p99 with group commit (median): %.1f ms  target <= 25 ms: %s%n",
          medianP99.get("on"), medianP99.get("on") <= 25 ? "PASS" : "MISS");
    }
    System.exit(0);
  }

  interface Metric {
    double of(Result r);
  }

  static double min(List<Result> rs, Metric m) {
    return rs.stream().mapToDouble(m::of).min().orElse(Double.NaN);
  }

  static double max(List<Result> rs, Metric m) {
    return rs.stream().mapToDouble(m::of).max().orElse(Double.NaN);
  }

  /** The machine's 1-minute load average (shared machine: how busy the others kept it). */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  // ------------------------------------------------------------------ one measurement

  static Result measure(Options o, String mode) throws Exception {
    Path dir = Files.createTempDirectory("courier-accept-bench");
    Map<String, String> env = new HashMap<>();
    env.put(Setting.HOST.env(), "127.0.0.1");
    env.put(Setting.PORT.env(), "0");
    env.put(Setting.DATA_DIR.env(), dir.toString());
    env.put(Setting.CONFIG.env(), "");
    env.put(Setting.API_KEY.env(), KEY);
    env.put(Setting.API_RATE_LIMIT.env(), "0");
    env.put(Setting.ROLE.env(), "api");
    env.put(Setting.LOG_LEVEL.env(), "warn");
    env.put(Setting.DATABASE_POOL_SIZE.env(), Integer.toString(o.poolSize));
    env.put(Setting.GROUP_COMMIT.env(), Boolean.toString(mode.equals("on")));
    env.put(Setting.GROUP_COMMIT_MAX_BATCH.env(), Integer.toString(o.maxBatch));
    env.put(Setting.GROUP_COMMIT_COMMITTERS.env(), Integer.toString(o.committers));
    io.zonky.test.db.postgres.embedded.EmbeddedPostgres profiled = null;
    if (o.profile) {
      // Courier's own embedded server does not preload pg_stat_statements: start one that does.
      profiled = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
          .setPGStartupWait(java.time.Duration.ofSeconds(60))
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          .setServerConfig("shared_preload_libraries", "pg_stat_statements")
          .setServerConfig("pg_stat_statements.track", "all")
          .start();
      env.put(Setting.DATABASE_URL.env(), "jdbc:postgresql://127.0.0.1:" + profiled.getPort() + "/postgres?user=postgres");
    }
    CourierConfig config = ConfigLoader.load(Map.of(), env);
    try (io.zonky.test.db.postgres.embedded.EmbeddedPostgres closeLater = profiled;
        CourierServer server = CourierServer.start(config)) {
      DataSource ds = harnessConnections(server.database().dataSource());
      Map<String, String> settings = new LinkedHashMap<>();
      try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        // Times each WAL fsync (pg_stat_wal.wal_sync_time): what a commit waits for.
        st.execute("ALTER SYSTEM SET track_wal_io_timing = on");
        st.execute("SELECT pg_reload_conf()");
        for (String s : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method",
            "shared_buffers")) {
          try (ResultSet rs = st.executeQuery("SHOW " + s)) {
            rs.next();
            settings.put(s, rs.getString(1));
          }
        }
      }
      String instance = createInstance(server.port());
      return drive(o, mode, server.port(), instance, ds, settings);
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Connections of the harness's own (settings, WAL counters, profiles), outside the node's pool: a
   * node whose pool is exhausted (group commit off) must not time out the harness's readings.
   */
  static DataSource harnessConnections(DataSource nodePool) {
    com.zaxxer.hikari.HikariDataSource pool = (com.zaxxer.hikari.HikariDataSource) nodePool;
    org.postgresql.ds.PGSimpleDataSource own = new org.postgresql.ds.PGSimpleDataSource();
    own.setURL(pool.getJdbcUrl());
    if (pool.getUsername() != null) {
      own.setUser(pool.getUsername());
    }
    if (pool.getPassword() != null) {
      own.setPassword(pool.getPassword());
    }
    return own;
  }

  static String createInstance(int port) throws IOException {
    try (Client c = new Client(port)) {
      Client.Response r = c.post("/v1/instances", "{\"name\": \"bench\", \"provider\": \"simulator\", \"limits\": {}}");
      if (r.status() != 201 && r.status() != 200) {
        throw new IllegalStateException("cannot create the instance: " + r.status() + " " + r.body());
      }
      int i = r.body().indexOf("\"id\":\"");
      return r.body().substring(i + 6, r.body().indexOf('"', i + 6));
    }
  }

  static Result drive(Options o, String mode, int port, String instance, DataSource ds, Map<String, String> settings)
      throws Exception {
    long warmupEnd = System.nanoTime() + o.warmupSeconds * 1_000_000_000L;
    long end = warmupEnd + o.seconds * 1_000_000_000L;
    AtomicLong accepted = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<long[]> latencies = new ArrayList<>();
    int[] counts = new int[o.clients];
    CountDownLatch done = new CountDownLatch(o.clients);
    List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < o.clients; t++) {
      long[] lat = new long[1 << 16];
      latencies.add(lat);
      int client = t;
      Thread.ofVirtual().name("client-" + t).start(() -> {
        long[] mine = lat;
        int n = 0;
        long seq = 0;
        try (Client c = new Client(port)) {
          while (true) {
            long t0 = System.nanoTime();
            if (t0 >= end) {
              break;
            }
            long chat = (client + seq * o.clients) % o.chats;
            String body = "{\"instanceId\":\"" + instance + "\",\"to\":\"+55119" + String.format(Locale.ROOT, "%08d", chat)
                + "\",\"type\":\"text\",\"text\":{\"body\":\"benchmark message " + client + "-" + seq + "\"}}";
            seq++;
            Client.Response r = c.post("/v1/messages", body);
            long t1 = System.nanoTime();
            if (t0 >= warmupEnd && t1 <= end) {
              if (r.status() == 202) {
                accepted.incrementAndGet();
                if (n == mine.length) {
                  mine = Arrays.copyOf(mine, n * 2);
                  latencies.set(client, mine);
                }
                mine[n++] = t1 - t0;
              } else {
                errors.incrementAndGet();
                if (firstErrors.size() < 3) {
                  firstErrors.add(r.status() + " " + r.body());
                }
              }
            }
          }
        } catch (IOException | RuntimeException e) {
          errors.incrementAndGet();
          if (firstErrors.size() < 3) {
            firstErrors.add(e.toString());
          }
        } finally {
          counts[client] = n;
          done.countDown();
        }
      });
    }
    long sleep = (warmupEnd - System.nanoTime()) / 1_000_000;
    if (sleep > 0) {
      Thread.sleep(sleep);
    }
    long[] wal0 = wal(ds);
    if (o.profile) {
      try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        st.execute("SELECT pg_stat_statements_reset()");
      }
    }
    long sleepMeasured = (end - System.nanoTime()) / 1_000_000;
    if (sleepMeasured > 0) {
      Thread.sleep(sleepMeasured);
    }
    long[] wal1 = wal(ds);
    if (o.profile) {
      try (Connection c = ds.getConnection()) {
        System.out.print(BenchPostgres.profile(c, "group commit " + mode + ": measured window", o.seconds, 25));
      }
    }
    done.await();
    if (!firstErrors.isEmpty()) {
      System.out.println("  first errors (" + mode + "): " + firstErrors);
    }
    int total = 0;
    for (int c : counts) {
      total += c;
    }
    double[] ms = new double[total];
    int k = 0;
    for (int t = 0; t < o.clients; t++) {
      long[] l = latencies.get(t);
      for (int i = 0; i < counts[t]; i++) {
        ms[k++] = l[i] / 1e6;
      }
    }
    Arrays.sort(ms);
    return new Result(mode, accepted.get(), errors.get(), o.seconds, ms, wal1[0] - wal0[0],
        (wal1[1] - wal0[1]) / 1000.0, settings);
  }

  /**
   * WAL flushes to disk so far and their time in microseconds ({@code pg_stat_wal.wal_sync},
   * {@code wal_sync_time}: the fsyncs that commits wait for).
   */
  static long[] wal(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
      st.execute("SELECT pg_stat_force_next_flush()");
      try (ResultSet rs = st.executeQuery("SELECT wal_sync, (wal_sync_time * 1000)::bigint FROM pg_stat_wal")) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  // ------------------------------------------------------------------ the load tool's client

  /**
   * A minimal HTTP/1.1 keep-alive client on one socket: writes a request, reads the status line,
   * the headers and a {@code Content-Length} body. Cheaper than the JDK HttpClient (no selector
   * thread shared by all connections), so that on a small machine the load tool takes as little
   * CPU from the server as possible.
   */
  static final class Client implements AutoCloseable {
    record Response(int status, String body) {}

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final int port;

    Client(int port) throws IOException {
      this.port = port;
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(60_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    }

    Response post(String path, String json) throws IOException {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + KEY
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
      byte[] h = head.getBytes(StandardCharsets.US_ASCII);
      byte[] req = Arrays.copyOf(h, h.length + body.length);
      System.arraycopy(body, 0, req, h.length, body.length);
      out.write(req);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.substring(9, 12));
      int length = -1;
      boolean chunked = false;
      String l;
      while (!(l = line()).isEmpty()) {
        int colon = l.indexOf(':');
        String name = l.substring(0, colon).trim();
        if (name.equalsIgnoreCase("Content-Length")) {
          length = Integer.parseInt(l.substring(colon + 1).trim());
        } else if (name.equalsIgnoreCase("Transfer-Encoding") && l.toLowerCase(Locale.ROOT).contains("chunked")) {
          chunked = true;
        }
      }
      byte[] b;
      if (chunked) {
        java.io.ByteArrayOutputStream acc = new java.io.ByteArrayOutputStream();
        while (true) {
          int size = Integer.parseInt(line().split(";")[0].trim(), 16);
          if (size == 0) {
            while (!line().isEmpty()) {
              // trailers
            }
            break;
          }
          acc.write(in.readNBytes(size));
          line();
        }
        b = acc.toByteArray();
      } else {
        b = in.readNBytes(Math.max(0, length));
      }
      return new Response(code, new String(b, StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder(64);
      int c;
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          int n = sb.length();
          return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
        }
        sb.append((char) c);
      }
      throw new IOException("connection closed");
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private AcceptBenchmark() {}
}
