package dev.courier.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database Courier runs on, open and ready to use: the embedded PostgreSQL (data dir locked,
 * server started) or an external one, a connection pool, durability verified, schema migrated.
 * {@link #close()} undoes it in reverse order.
 */
public final class Database implements AutoCloseable {
  /** How long to wait for an external database that does not answer yet at start. */
  public static final Duration CONNECT_WAIT = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  private static final long POOL_CONNECTION_TIMEOUT_MS = 3_000;

  /** {@code embedded} or {@code external}. */
  public enum Kind {
    EMBEDDED,
    EXTERNAL;

    public String text() {
      return this == EMBEDDED ? "embedded" : "external";
    }
  }

  private final Kind kind;
  private final DataDirLock lock;
  private final EmbeddedDatabase embedded;
  private final HikariDataSource pool;
  private final String description;
  private final Migrations.SchemaVersions expected;
  private final String serverVersion;
  private final boolean requireDurable;

  private Database(
      Kind kind,
      DataDirLock lock,
      EmbeddedDatabase embedded,
      HikariDataSource pool,
      String description,
      Migrations.SchemaVersions expected,
      String serverVersion,
      boolean requireDurable) {
    this.requireDurable = requireDurable;
    this.kind = kind;
    this.lock = lock;
    this.embedded = embedded;
    this.pool = pool;
    this.description = description;
    this.expected = expected;
    this.serverVersion = serverVersion;
  }

  /**
   * Opens the database: external when {@code url} is present, else the embedded one in {@code
   * dataDir}. Refuses a server that is not durable.
   *
   * @throws DataDirLock.HeldException when another Courier uses the data dir
   * @throws DurabilityCheck.NotDurableException when the server could lose commits
   */
  public static Database open(
      Optional<DatabaseUrl> url, Path dataDir, int embeddedPort, int poolSize, boolean allowNonDurable)
      throws IOException, SQLException {
    DataDirLock lock = null;
    EmbeddedDatabase embedded = null;
    HikariDataSource pool = null;
    try {
      HikariConfig hc = new HikariConfig();
      hc.setMaximumPoolSize(poolSize);
      hc.setMinimumIdle(Math.min(2, poolSize));
      hc.setConnectionTimeout(POOL_CONNECTION_TIMEOUT_MS);
      hc.setValidationTimeout(Math.min(2_000, POOL_CONNECTION_TIMEOUT_MS - 500));
      hc.setInitializationFailTimeout(-1);
      hc.setPoolName("courier");
      String description;
      Kind kind;
      if (url.isPresent()) {
        kind = Kind.EXTERNAL;
        hc.setJdbcUrl(url.get().jdbcUrl());
        hc.setUsername(url.get().user());
        hc.setPassword(url.get().password());
        description = url.get().redacted();
      } else {
        kind = Kind.EMBEDDED;
        lock = DataDirLock.acquire(dataDir);
        embedded = EmbeddedDatabase.start(dataDir, embeddedPort);
        hc.setJdbcUrl(embedded.jdbcUrl());
        hc.setUsername(EmbeddedDatabase.USER);
        description =
            "postgres://" + EmbeddedDatabase.USER + "@localhost:" + embedded.port() + "/"
                + EmbeddedDatabase.DATABASE + " (data in " + dataDir.resolve("postgres") + ")";
      }
      pool = new HikariDataSource(hc);
      String version = waitForServer(pool, description);
      // The embedded server is always checked; an external one unless the operator allowed it.
      boolean requireDurable = kind == Kind.EMBEDDED || !allowNonDurable;
      DurabilityCheck.Durability d =
          requireDurable ? DurabilityCheck.verify(pool) : DurabilityCheck.read(pool);
      if (!d.durable()) {
        LOG.warn(
            "database is not durable and COURIER_DATABASE_ALLOW_NON_DURABLE=true: {}",
            String.join(", ", d.problems()));
      }
      LOG.info(
          "database kind={} server={} version={} fsync={} synchronous_commit={} full_page_writes={}",
          kind.text(), description, version, d.fsync(), d.synchronousCommit(), d.fullPageWrites());
      Migrations.SchemaVersions expected;
      // The migration lock gets a connection outside the pool, so that a small pool still has
      // the two connections Flyway needs.
      try (Connection migrationLock =
          DriverManager.getConnection(hc.getJdbcUrl(), hc.getUsername(), hc.getPassword())) {
        expected = Migrations.migrate(pool, migrationLock);
      }
      return new Database(
          kind, lock, embedded, pool, description, expected, version, requireDurable);
    } catch (IOException | SQLException | RuntimeException e) {
      // Close with the interrupt flag cleared (a stop signal during startup sets it), so that the
      // pool and pg_ctl can wait for what they stop.
      boolean interrupted = Thread.interrupted();
      closeQuietly(pool, embedded, lock);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  private static String waitForServer(DataSource ds, String description) throws SQLException {
    long deadline = System.nanoTime() + CONNECT_WAIT.toNanos();
    SQLException last;
    boolean logged = false;
    do {
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SHOW server_version")) {
        rs.next();
        return rs.getString(1);
      } catch (SQLException e) {
        last = e;
        if (!logged) {
          LOG.warn("waiting for database server={} error={}", description, e.getMessage());
          logged = true;
        }
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new SQLException("interrupted while waiting for the database " + description, last);
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while waiting for the database " + description, last);
      }
    } while (System.nanoTime() < deadline);
    throw new SQLException(
        "cannot connect to the database " + description + " within " + CONNECT_WAIT.toSeconds()
            + " s: " + last.getMessage(),
        last);
  }

  public Kind kind() {
    return kind;
  }

  public DataSource dataSource() {
    return pool;
  }

  /** Where the database is, without password. */
  public String description() {
    return description;
  }

  /** The PostgreSQL version seen at start. */
  public String serverVersion() {
    return serverVersion;
  }

  /** The embedded server, when Courier runs one. */
  public Optional<EmbeddedDatabase> embedded() {
    return Optional.ofNullable(embedded);
  }

  /**
   * Checks the database now: reachable, durable, migrated to this build's versions. Never throws;
   * the answer says what is wrong.
   */
  public Health health() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("kind", kind.text());
    try (Connection c = pool.getConnection()) {
      String version;
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SHOW server_version")) {
        rs.next();
        version = rs.getString(1);
      }
      DurabilityCheck.Durability d = DurabilityCheck.read(c);
      Migrations.SchemaVersions applied = Migrations.applied(c);
      boolean migrated =
          applied.queue().equals(expected.queue()) && applied.courier().equals(expected.courier());
      body.put("reachable", true);
      body.put("serverVersion", version);
      body.put("schemaVersion", applied.courier().orElse(null));
      body.put("queueSchemaVersion", applied.queue().orElse(null));
      body.put("migrated", migrated);
      body.put("fsync", d.fsync());
      body.put("synchronous_commit", d.synchronousCommit());
      body.put("full_page_writes", d.fullPageWrites());
      boolean ok = migrated && (d.durable() || !requireDurable);
      if (!ok) {
        body.put(
            "error",
            migrated ? "not durable: " + String.join(", ", d.problems()) : "schema is not at this build's version");
      }
      return new Health(ok, body);
    } catch (SQLException | RuntimeException e) {
      body.put("reachable", false);
      body.put("error", "database unreachable: " + e.getMessage());
      return new Health(false, body);
    }
  }

  /** The outcome of {@link #health()}. */
  public record Health(boolean ok, Map<String, Object> details) {}

  @Override
  public void close() {
    closeQuietly(pool, embedded, lock);
  }

  private static void closeQuietly(
      HikariDataSource pool, EmbeddedDatabase embedded, DataDirLock lock) {
    if (pool != null) {
      pool.close();
    }
    if (embedded != null) {
      embedded.close();
    }
    if (lock != null) {
      try {
        lock.close();
      } catch (IOException e) {
        LOG.warn("cannot release data dir lock file={}", lock.file(), e);
      }
    }
  }
}
