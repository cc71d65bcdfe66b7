package dev.courier.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.campaign.Campaigns;
import dev.courier.whatsapp.instance.Instance;
import dev.courier.whatsapp.message.Messages;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;

/**
 * A campaign of N recipients (default 100,000) on a simulator instance without limits, against the
 * same N plain messages: time from start to the first send, expansion rate, and the campaign's send
 * rate as a ratio of the plain messages' rate. Then a campaign with a rate cap (default 100 per
 * minute): its observed rate over a steady window. Embedded PostgreSQL 17, durable ({@code fsync},
 * {@code synchronous_commit} on), a fresh database per scenario.
 *
 * <p>{@code java -cp "courier-bench/target/courier-bench.jar:courier-bench/target/lib/*"
 * dev.courier.bench.CampaignBenchmark [--recipients N] [--scenarios throughput,rate]
 * [--rate-per-minute 100] [--rate-window-seconds 180]}
 */
public final class CampaignBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedPostgres pg;
  private static int dbCounter;
  /** With --profile: the measured span's top statements and WAL figures, per scenario. */
  private static boolean profile;

  private CampaignBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = 100_000;
    String scenarios = "throughput,rate";
    int perMinute = 100;
    int windowSeconds = 180;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--recipients" -> n = Integer.parseInt(args[++i]);
        case "--scenarios" -> scenarios = args[++i];
        case "--rate-per-minute" -> perMinute = Integer.parseInt(args[++i]);
        case "--rate-window-seconds" -> windowSeconds = Integer.parseInt(args[++i]);
        case "--profile" -> profile = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--recipients N, --scenarios throughput,rate, --rate-per-minute R, --rate-window-seconds W, --profile)");
      }
    }
    EmbeddedPostgres.Builder server = EmbeddedPostgres.builder()
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on")
        .setServerConfig("shared_buffers", "256MB")
        .setServerConfig("max_connections", "200")
        .setServerConfig("max_wal_size", "4GB");
    if (profile) {
      // Off by default: the statistics cost both scenarios a little, and the ratio is the figure.
      server.setServerConfig("shared_preload_libraries", "pg_stat_statements")
          .setServerConfig("pg_stat_statements.track", "all")
          .setServerConfig("track_wal_io_timing", "on");
    }
    pg = server.start();
    try {
      System.out.printf(Locale.ROOT, "CampaignBenchmark: recipients=%d scenarios=%s java=%s cores=%d%n", n, scenarios,
          System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
      try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", null);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit'),"
              + " current_setting('full_page_writes'), current_setting('server_version')")) {
        rs.next();
        System.out.printf(Locale.ROOT, "server: fsync=%s synchronous_commit=%s full_page_writes=%s version=%s%n",
            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
      }
      if (scenarios.contains("throughput")) {
        double plain = plain(n);
        double campaign = campaign(n);
        System.out.printf(Locale.ROOT, "campaign send rate / plain send rate = %.2f  (target >= 0.8: %s)%n",
            campaign / plain, campaign / plain >= 0.8 ? "PASS" : "MISS");
      }
      if (scenarios.contains("rate")) {
        rate(perMinute, windowSeconds);
      }
    } finally {
      pg.close();
    }
  }

  /** N messages accepted in batches of 1,000 before the node starts; returns messages sent per second. */
  private static double plain(int n) throws Exception {
    try (HikariDataSource ds = fresh()) {
      WhatsApp w = WhatsApp.builder(ds).build();
      Instance i = instance(w);
      long t0 = System.nanoTime();
      List<Messages.Draft> batch = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        ObjectNode m = JSON.createObjectNode().put("instanceId", i.id()).put("to", number(k)).put("type", "text")
            .put("priority", "bulk");
        m.putObject("text").put("body", "Olá r" + k + ", seu código é " + k);
        batch.add(w.messages().draft(WhatsApp.DEFAULT_ORGANIZATION, m, false));
        if (batch.size() == 1_000) {
          w.messages().acceptMany(WhatsApp.DEFAULT_ORGANIZATION, batch);
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        w.messages().acceptMany(WhatsApp.DEFAULT_ORGANIZATION, batch);
      }
      double acceptSeconds = (System.nanoTime() - t0) / 1e9;
      profileReset(ds);
      long start = System.nanoTime();
      w.start();
      long first = waitFor(ds, 1, start);
      long last = waitFor(ds, n, start);
      w.stop(Duration.ofSeconds(5));
      double seconds = (last - start) / 1e9;
      System.out.printf(Locale.ROOT,
          "plain:    accepted %d in %.1f s (%.0f/s, acceptMany x1000); start -> first send %.0f ms; start -> last send %.1f s; send rate %.0f/s%n",
          n, acceptSeconds, n / acceptSeconds, (first - start) / 1e6, seconds, n / seconds);
      profilePrint(ds, "plain: start -> last send", seconds);
      return n / seconds;
    }
  }

  /** A campaign of N recipients created with them inline, then started; returns messages sent per second. */
  private static double campaign(int n) throws Exception {
    try (HikariDataSource ds = fresh()) {
      WhatsApp w = WhatsApp.builder(ds).build();
      Instance i = instance(w);
      ObjectNode body = JSON.createObjectNode().put("instanceId", i.id()).put("name", "bench").put("type", "text");
      body.putObject("text").put("body", "Olá {{name}}, seu código é {{code}}");
      ArrayNode list = body.putArray("recipients");
      for (int k = 0; k < n; k++) {
        list.addObject().put("to", number(k)).putObject("variables").put("name", "r" + k).put("code", k);
      }
      long t0 = System.nanoTime();
      Campaigns.Created c = w.campaigns().create(WhatsApp.DEFAULT_ORGANIZATION, body);
      double createSeconds = (System.nanoTime() - t0) / 1e9;
      // The request body (about 60 MB for 100,000 recipients) is the harness's, not the node's:
      // dropped before live memory is measured.
      body = null;
      list = null;
      w.start();
      System.gc();
      long heapBefore = heap();
      profileReset(ds);
      long start = System.nanoTime();
      w.campaigns().start(WhatsApp.DEFAULT_ORGANIZATION, c.campaign().id());
      long first = waitFor(ds, 1, start);
      long expanded;
      long maxHeap = heapBefore;
      // Live memory: the heap right after a full collection, every 10 s of the expansion (a
      // collection costs tens of milliseconds: well under 1% of the campaign's time).
      List<String> live = new ArrayList<>();
      long maxLive = 0;
      long nextLive = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        maxHeap = Math.max(maxHeap, heap());
        if (scalar(ds, "SELECT count(*) FROM courier_campaign WHERE expanded_at IS NOT NULL") == 1) {
          expanded = System.nanoTime();
          break;
        }
        if (System.nanoTime() >= nextLive) {
          System.gc();
          long l = heap();
          maxLive = Math.max(maxLive, l);
          live.add((l >> 20) + " MB at " + scalar(ds, "SELECT count(*) FROM courier_message") + " messages");
          nextLive = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        }
        Thread.sleep(50);
      }
      long last = waitFor(ds, n, start);
      w.stop(Duration.ofSeconds(5));
      double seconds = (last - start) / 1e9;
      double expandSeconds = (expanded - start) / 1e9;
      System.out.printf(Locale.ROOT,
          "campaign: created with %d inline recipients in %.1f s; start -> first send %.0f ms; expansion %.1f s (%.0f recipients/s);"
              + " start -> last send %.1f s; send rate %.0f/s; heap used during expansion (sampled every 50 ms) %d MB -> max %d MB%n",
          c.recipients().get("added").asInt(), createSeconds, (first - start) / 1e6, expandSeconds, n / expandSeconds,
          seconds, n / seconds, heapBefore >> 20, maxHeap >> 20);
      System.out.printf(Locale.ROOT,
          "campaign: live heap (after a full GC) before start %d MB; during the expansion, every 10 s: max %d MB (%s)%n",
          heapBefore >> 20, maxLive >> 20, String.join(", ", live));
      profilePrint(ds, "campaign: start -> last send", seconds);
      return n / seconds;
    }
  }

  /**
   * A campaign capped at {@code perMinute} per minute, with enough recipients to outlast the
   * window; the rate is counted from the simulator's outbox times over {@code windowSeconds},
   * starting 10 s after the first send.
   */
  private static void rate(int perMinute, int windowSeconds) throws Exception {
    int skip = 10;
    int n = (int) Math.ceil(perMinute * (skip + windowSeconds + 30) / 60.0);
    try (HikariDataSource ds = fresh()) {
      WhatsApp w = WhatsApp.builder(ds).build();
      Instance i = instance(w);
      ObjectNode body = JSON.createObjectNode().put("instanceId", i.id()).put("name", "paced").put("type", "text");
      body.putObject("text").put("body", "Olá {{name}}");
      body.putObject("rate").put("count", perMinute).put("per", "1m");
      ArrayNode list = body.putArray("recipients");
      for (int k = 0; k < n; k++) {
        list.addObject().put("to", number(k)).putObject("variables").put("name", "r" + k);
      }
      Campaigns.Created c = w.campaigns().create(WhatsApp.DEFAULT_ORGANIZATION, body);
      w.start();
      long start = System.nanoTime();
      w.campaigns().start(WhatsApp.DEFAULT_ORGANIZATION, c.campaign().id());
      waitFor(ds, 1, start);
      Thread.sleep((skip + windowSeconds + 2) * 1000L);
      w.stop(Duration.ofSeconds(5));
      long inWindow;
      long firstSecond;
      long maxMinute;
      try (Connection conn = ds.getConnection(); Statement st = conn.createStatement();
          ResultSet rs = st.executeQuery("""
              WITH f AS (SELECT min(accepted_at) AS t0 FROM courier_simulator_outbox)
              SELECT
                count(*) FILTER (WHERE accepted_at >= t0 + interval '%d seconds'
                                   AND accepted_at < t0 + interval '%d seconds'),
                count(*) FILTER (WHERE accepted_at < t0 + interval '1 second'),
                (SELECT max(c) FROM (
                   SELECT count(*) AS c FROM courier_simulator_outbox o2, f f2
                   WHERE o2.accepted_at < f2.t0 + interval '%d seconds'
                   GROUP BY floor(extract(epoch FROM o2.accepted_at - f2.t0) / 60)) m)
              FROM courier_simulator_outbox, f
              """.formatted(skip, skip + windowSeconds, 60 * ((skip + windowSeconds) / 60)))) {
        rs.next();
        inWindow = rs.getLong(1);
        firstSecond = rs.getLong(2);
        maxMinute = rs.getLong(3);
      }
      double observed = inWindow * 60.0 / windowSeconds;
      double deviation = Math.abs(observed - perMinute) / perMinute * 100;
      System.out.printf(Locale.ROOT,
          "rate:     cap %d/min, %d recipients; sent in the first second %d; most in one whole minute from the first send %d;"
              + " in the window (%d s from %d s after the first send) %d = %.2f/min; deviation %.2f%%  (target <= 2%%: %s)%n",
          perMinute, n, firstSecond, maxMinute, windowSeconds, skip, inWindow, observed, deviation,
          deviation <= 2 ? "PASS" : "MISS");
    }
  }

  private static long heap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static Instance instance(WhatsApp w) throws Exception {
    return w.instances().create(WhatsApp.DEFAULT_ORGANIZATION, JSON.readTree(
        "{\"name\": \"bench\", \"provider\": \"simulator\", \"limits\": {}}"));
  }

  private static String number(int k) {
    return "+5511" + (999_000_000 + k);
  }

  /**
   * Waits until the simulator's outbox holds {@code count} entries; returns when the last of them
   * was sent (nanoTime). Both scenarios wait through this, so it must not tax the one that waits
   * longer: counting the outbox every 100 ms over a 400 s run took a few percent of the machine
   * from the plain scenario's sends. It polls once a second, and the time of the last send is
   * taken from the outbox ({@code now - max(accepted_at)} on the server's clock).
   */
  private static long waitFor(HikariDataSource ds, long count, long since) throws Exception {
    String sql = "SELECT count(*), extract(epoch FROM clock_timestamp() - max(accepted_at)) FROM courier_simulator_outbox";
    while (true) {
      try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
        rs.next();
        if (rs.getLong(1) >= count) {
          long lagNanos = (long) (rs.getDouble(2) * 1e9);
          return Math.max(since, System.nanoTime() - Math.max(0, lagNanos));
        }
      }
      if (System.nanoTime() - since > Duration.ofMinutes(20).toNanos()) {
        throw new IllegalStateException("outbox did not reach " + count + " in 20 min");
      }
      Thread.sleep(count == 1 ? 5 : 1000);
    }
  }

  /** Starts the measured span of a profile (statement and WAL statistics reset), when profiling. */
  private static void profileReset(HikariDataSource ds) throws Exception {
    if (profile) {
      try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        st.execute("SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal')");
      }
    }
  }

  /** Prints the measured span's profile, when profiling. */
  private static void profilePrint(HikariDataSource ds, String title, double seconds) throws Exception {
    if (profile) {
      try (Connection c = ds.getConnection()) {
        System.out.print(BenchPostgres.profile(c, title, seconds, 25));
      }
    }
  }

  private static long scalar(HikariDataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static HikariDataSource fresh() throws Exception {
    String name = "campaign_bench_" + (++dbCounter);
    try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", null); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name);
      st.execute("CREATE DATABASE " + name);
    }
    Flyway.configure().dataSource(url(name), "postgres", null).locations("classpath:db/courier-queue")
        .table("courier_queue_schema_history").load().migrate();
    Flyway.configure().dataSource(url(name), "postgres", null).locations("classpath:db/courier")
        .baselineOnMigrate(true).baselineVersion("0").load().migrate();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url(name));
    config.setUsername("postgres");
    config.setMaximumPoolSize(40);
    return new HikariDataSource(config);
  }

  private static String url(String db) {
    return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + db;
  }
}
