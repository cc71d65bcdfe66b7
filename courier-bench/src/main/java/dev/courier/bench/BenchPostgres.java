package dev.courier.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;

/**
 * The PostgreSQL a benchmark runs on, shared by {@link EngineBenchmark} and {@link
 * MessageBenchmark}: an embedded PostgreSQL 17 (zonky) with durability forced on ({@code fsync},
 * {@code synchronous_commit} and {@code full_page_writes}; zonky's own default turns
 * synchronous_commit off) and {@code pg_stat_statements} preloaded, or an external server given by
 * URL. Every measurement gets a fresh migrated database; {@link #profile} reads the statement and
 * WAL statistics of one.
 */
final class BenchPostgres implements AutoCloseable {

  /** The engine's schema (always applied first). */
  static final String QUEUE_SCHEMA = "classpath:db/courier-queue";
  /** The WhatsApp domain's schema (applied after the engine's, as courier-server's Migrations does). */
  static final String DOMAIN_SCHEMA = "classpath:db/courier";

  /** Where databases are created: base URL (ending in '/'), admin database, credentials. */
  record Server(String base, String adminDb, String params, String user, String password) {
    String url(String db) {
      return base + db + params;
    }

    /** With extra driver parameters, e.g. prepareThreshold=0 (never server-prepare: a custom plan every time). */
    String url(String db, String extra) {
      if (extra == null || extra.isEmpty()) {
        return url(db);
      }
      return base + db + (params.isEmpty() ? "?" : params + "&") + extra;
    }
  }

  private final Server server;
  private final EmbeddedPostgres embedded;
  private final AtomicInteger dbCounter = new AtomicInteger();

  private BenchPostgres(Server server, EmbeddedPostgres embedded) {
    this.server = server;
    this.embedded = embedded;
  }

  /** The embedded server when {@code databaseUrl} is null, else the external one it names. */
  static BenchPostgres start(String databaseUrl) throws Exception {
    if (databaseUrl != null) {
      return new BenchPostgres(external(databaseUrl), null);
    }
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setPGStartupWait(Duration.ofSeconds(60))
            // Durability on: zonky's defaults turn synchronous_commit off; override and verify.
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("shared_buffers", "256MB")
            .setServerConfig("max_connections", "200")
            .setServerConfig("wal_buffers", "16MB")
            .setServerConfig("checkpoint_timeout", "15min")
            .setServerConfig("max_wal_size", "4GB")
            .setServerConfig("work_mem", "16MB")
            .setServerConfig("maintenance_work_mem", "256MB")
            .setServerConfig("timezone", "UTC")
            .setServerConfig("shared_preload_libraries", "pg_stat_statements")
            .setServerConfig("pg_stat_statements.track", "all")
            .setServerConfig("track_wal_io_timing", "on")
            .start();
    return new BenchPostgres(
        new Server("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/", "postgres", "", "postgres", "postgres"), pg);
  }

  /** jdbc:postgresql://host:port/db?user=u&password=p */
  static Server external(String url) {
    String u = url.startsWith("jdbc:") ? url : "jdbc:" + url;
    u = u.replaceFirst("^jdbc:postgres://", "jdbc:postgresql://");
    int slash = u.indexOf('/', "jdbc:postgresql://".length());
    String base = u.substring(0, slash + 1);
    String rest = u.substring(slash + 1);
    String db = rest;
    String params = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      db = rest.substring(0, q);
      params = rest.substring(q);
    }
    String user = "postgres";
    String password = null;
    if (!params.isEmpty()) {
      for (String kv : params.substring(1).split("&")) {
        String[] p = kv.split("=", 2);
        if (p[0].equals("user")) {
          user = p[1];
        } else if (p[0].equals("password")) {
          password = p[1];
        }
      }
    }
    return new Server(base, db.isEmpty() ? "postgres" : db, params, user, password);
  }

  boolean isEmbedded() {
    return embedded != null;
  }

  Connection admin() throws SQLException {
    return DriverManager.getConnection(server.url(server.adminDb()), server.user(), server.password());
  }

  /** Prints the durability and size settings as {@code SHOW}n by the server, and warns when it is not durable. */
  void printSettings() throws SQLException {
    try (Connection c = admin(); Statement st = c.createStatement()) {
      StringBuilder sb = new StringBuilder(isEmbedded() ? "server: embedded (zonky) " : "server: external ");
      for (String s : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method",
          "shared_buffers", "wal_buffers", "max_wal_size", "checkpoint_timeout", "max_connections")) {
        try (ResultSet rs = st.executeQuery("SHOW " + s)) {
          rs.next();
          sb.append(s).append('=').append(rs.getString(1)).append(' ');
        }
      }
      System.out.println(sb.toString().trim());
      for (String s : List.of("fsync", "synchronous_commit")) {
        try (ResultSet rs = st.executeQuery("SHOW " + s)) {
          rs.next();
          if (!rs.getString(1).equals("on")) {
            System.out.println("WARNING: " + s + " is not on: these numbers do not measure a durable setup");
          }
        }
      }
    }
  }

  /**
   * A fresh database with the engine's schema, and the domain's after it when {@code domain}
   * (and pg_stat_statements when available).
   */
  String freshDatabase(boolean domain) throws SQLException {
    String name = "courier_bench_" + ProcessHandle.current().pid() + "_" + dbCounter.incrementAndGet();
    try (Connection c = admin(); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name);
      st.execute("CREATE DATABASE " + name);
    }
    Flyway.configure()
        .dataSource(server.url(name), server.user(), server.password())
        .locations(QUEUE_SCHEMA)
        .table("courier_queue_schema_history")
        .load()
        .migrate();
    if (domain) {
      // The engine's tables are already there: baseline at 0 so every domain migration runs.
      Flyway.configure()
          .dataSource(server.url(name), server.user(), server.password())
          .locations(DOMAIN_SCHEMA)
          .table("flyway_schema_history")
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .load()
          .migrate();
    }
    try (Connection c = connect(name, null); Statement st = c.createStatement()) {
      st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    } catch (SQLException e) {
      // not preloaded on an external server: profiles are skipped
    }
    return name;
  }

  void dropDatabase(String name) {
    try (Connection c = admin(); Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("cannot drop " + name + ": " + e);
    }
  }

  Connection connect(String db, String jdbcExtra) throws SQLException {
    return DriverManager.getConnection(server.url(db, jdbcExtra), server.user(), server.password());
  }

  HikariDataSource pool(String db, int size, String jdbcExtra) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.url(db, jdbcExtra));
    config.setUsername(server.user());
    config.setPassword(server.password());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setConnectionTimeout(30_000);
    config.setPoolName("bench-" + db);
    return new HikariDataSource(config);
  }

  /** Zeroes pg_stat_statements and pg_stat_wal (nothing happens without pg_stat_statements). */
  void resetStats(String db) {
    try (Connection c = connect(db, null); Statement st = c.createStatement()) {
      st.execute("SELECT pg_stat_statements_reset()");
      st.execute("SELECT pg_stat_reset_shared('wal')");
    } catch (SQLException e) {
      // no pg_stat_statements
    }
  }

  /**
   * WAL flushes and the {@code top} statements by total execution time since {@link #resetStats},
   * as a printable block titled {@code title} for a run of {@code seconds}.
   */
  String profile(String db, String title, double seconds, int top) {
    try (Connection c = connect(db, null)) {
      return profile(c, title, seconds, top);
    } catch (SQLException e) {
      return String.format(Locale.ROOT, "%n[%s] (no statement profile: %s)%n", title, e.getMessage());
    }
  }

  /** As above, on a connection to the measured database (a server with pg_stat_statements preloaded). */
  static String profile(Connection c, String title, double seconds, int top) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%n[%s] wall %.2f s%n", title, seconds));
    try (Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery(
          "SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_sync_time FROM pg_stat_wal")) {
        if (rs.next()) {
          long syncs = rs.getLong("wal_sync");
          double syncMs = rs.getDouble("wal_sync_time");
          sb.append(String.format(Locale.ROOT,
              "  WAL: %d records, %.1f MB, %d writes, %d syncs, sync time %.0f ms (%.2f ms/sync, %.0f%% of wall)%n",
              rs.getLong("wal_records"), rs.getLong("wal_bytes") / 1e6, rs.getLong("wal_write"), syncs, syncMs,
              syncs == 0 ? 0 : syncMs / syncs, 100 * syncMs / 1000 / seconds));
        }
      }
      try (ResultSet rs = st.executeQuery(
          """
          SELECT calls, rows, total_exec_time, mean_exec_time, toplevel,
                 regexp_replace(query, '\\s+', ' ', 'g') AS q
          FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query NOT LIKE '%pg_stat%'
          ORDER BY total_exec_time DESC""" + " LIMIT " + top)) {
        sb.append(String.format(Locale.ROOT, "  %8s %9s %10s %9s %9s  %s%n", "calls", "rows", "total ms", "mean ms",
            "rows/call", "statement (nested = run by a trigger or a function)"));
        while (rs.next()) {
          long calls = rs.getLong("calls");
          String q = rs.getString("q");
          // Head and tail: a long column list would hide the WHERE clause that tells statements apart.
          q = q.length() > 160 ? q.substring(0, 90) + " ... " + q.substring(q.length() - 70) : q;
          sb.append(String.format(Locale.ROOT, "  %8d %9d %10.0f %9.3f %9.1f  %s%s%n", calls, rs.getLong("rows"),
              rs.getDouble("total_exec_time"), rs.getDouble("mean_exec_time"),
              calls == 0 ? 0 : (double) rs.getLong("rows") / calls, rs.getBoolean("toplevel") ? "" : "(nested) ", q));
        }
      }
    } catch (SQLException e) {
      sb.append("  (no statement profile: ").append(e.getMessage()).append(")\n");
    }
    return sb.toString();
  }

  @Override
  public void close() throws Exception {
    if (embedded != null) {
      embedded.close();
    }
  }
}
