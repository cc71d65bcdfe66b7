package dev.courier.queue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * One PostgreSQL server per test JVM and a fresh database per caller, so tests never see each
 * other's rows. The server is the embedded one unless the system property
 * {@code courier.test.database=external} asks for the one named by {@code
 * COURIER_TEST_DATABASE_URL}.
 */
public final class TestDatabase {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static volatile Server server;
  private static final java.util.List<String> CREATED = new java.util.concurrent.CopyOnWriteArrayList<>();

  private TestDatabase() {}

  /** Whether this JVM runs its database tests against the external server. */
  public static boolean external() {
    return "external".equals(System.getProperty("courier.test.database", "embedded"));
  }

  /** Creates an empty database and returns its JDBC URL, user and password. */
  public static Coordinates createDatabase() {
    Server s = server();
    String name = "courier_t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(s.adminUrl(), s.user(), s.password());
        Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + name);
      st.execute("CREATE DATABASE " + name);
      CREATED.add(name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return new Coordinates(s.urlFor(name), s.user(), s.password(), name);
  }

  /** A pooled data source on a fresh database with Courier's queue schema migrated. */
  public static HikariDataSource migratedDataSource(String... extraLocations) {
    Coordinates db = createDatabase();
    migrate(db, extraLocations);
    return dataSource(db, 20);
  }

  /** Applies the queue schema (and any extra migration locations, each with its own history). */
  public static void migrate(Coordinates db, String... extraLocations) {
    Flyway.configure()
        .dataSource(db.url(), db.user(), db.password())
        .locations("classpath:db/courier-queue")
        .table("courier_queue_schema_history")
        .load()
        .migrate();
    for (String location : extraLocations) {
      Flyway.configure()
          .dataSource(db.url(), db.user(), db.password())
          .locations(location)
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .load()
          .migrate();
    }
  }

  public static HikariDataSource dataSource(Coordinates db, int poolSize) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(db.url());
    config.setUsername(db.user());
    config.setPassword(db.password());
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    config.setPoolName("test-" + db.name());
    return new HikariDataSource(config);
  }

  /** Where a test database lives. */
  public record Coordinates(String url, String user, String password, String name) {}

  private static Server server() {
    Server s = server;
    if (s == null) {
      synchronized (TestDatabase.class) {
        s = server;
        if (s == null) {
          s = external() ? externalServer() : embeddedServer();
          server = s;
        }
      }
    }
    return s;
  }

  private static Server embeddedServer() {
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("timezone", "UTC")
              .start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (Exception ignored) {
                      // the JVM is going away; nothing to report to
                    }
                  }));
      String base = "jdbc:postgresql://localhost:" + pg.getPort() + "/";
      return new Server(base, "postgres", "postgres", null);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL for tests", e);
    }
  }

  /** The external server outlives this JVM: drop what the tests created there. */
  private static void dropCreatedDatabases(Server s) {
    try (Connection c = DriverManager.getConnection(s.adminUrl(), s.user(), s.password());
        Statement st = c.createStatement()) {
      for (String name : CREATED) {
        st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (SQLException e) {
      System.err.println("could not drop test databases on the external server: " + e.getMessage());
    }
  }

  private static Server externalServer() {
    String url = System.getenv("COURIER_TEST_DATABASE_URL");
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(
          "courier.test.database=external needs COURIER_TEST_DATABASE_URL");
    }
    Server s = Server.parse(url);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> dropCreatedDatabases(s)));
    return s;
  }

  /** A server and the credentials to create databases on it. */
  private record Server(String base, String user, String password, String adminDatabase) {
    String adminUrl() {
      return base + (adminDatabase == null ? "postgres" : adminDatabase);
    }

    String urlFor(String database) {
      return base + database;
    }

    static Server parse(String url) {
      if (url.startsWith("jdbc:")) {
        url = url.substring("jdbc:".length());
      }
      URI uri = URI.create(url.replaceFirst("^postgres(ql)?://", "postgresql://"));
      String user = "postgres";
      String password = null;
      if (uri.getRawUserInfo() != null) {
        String[] parts = uri.getRawUserInfo().split(":", 2);
        user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        if (parts.length > 1) {
          password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
        }
      }
      String db = uri.getPath() == null || uri.getPath().length() <= 1 ? null : uri.getPath().substring(1);
      int port = uri.getPort() < 0 ? 5432 : uri.getPort();
      String base = "jdbc:postgresql://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port + "/";
      return new Server(base, user, password, db);
    }
  }
}
