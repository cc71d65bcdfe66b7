package dev.courier.server.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the schema with Flyway, twice: first the job engine's migrations ({@code
 * classpath:db/courier-queue}, history table {@code courier_queue_schema_history}), then the
 * domain's ({@code classpath:db/courier}, history table {@code flyway_schema_history}), under one
 * PostgreSQL advisory lock, so several nodes starting at once apply each migration exactly once.
 */
public final class Migrations {
  public static final String QUEUE_LOCATION = "classpath:db/courier-queue";
  public static final String QUEUE_TABLE = "courier_queue_schema_history";
  public static final String COURIER_LOCATION = "classpath:db/courier";
  public static final String COURIER_TABLE = "flyway_schema_history";

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  /** Advisory lock key held while this node migrates ("courier-migrate"). */
  private static final long MIGRATION_LOCK = 0x636f7572_6d696772L;

  private Migrations() {}

  /** Schema versions: the latest applied migration of each history, empty when none is. */
  public record SchemaVersions(Optional<String> queue, Optional<String> courier) {}

  /**
   * Migrates both schemas.
   *
   * @return the versions this build expects, which are now applied
   */
  public static SchemaVersions migrate(DataSource dataSource) {
    try (Connection lock = dataSource.getConnection()) {
      return migrate(dataSource, lock);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot lock the database for migrations: " + e.getMessage(), e);
    }
  }

  /**
   * Migrates both schemas through {@code dataSource} (Flyway needs two of its connections), while
   * {@code lockConnection}, a connection of its own, holds the migration lock.
   */
  public static SchemaVersions migrate(DataSource dataSource, Connection lockConnection) {
    // Flyway locks while it applies migrations, but not while it creates and baselines a history
    // table: two nodes starting at once can race there ("already exists, and is empty"). One
    // session-level advisory lock around both runs serializes nodes completely.
    try {
      advisory(lockConnection, "pg_advisory_lock");
      try {
        Optional<String> queue = migrate(dataSource, QUEUE_LOCATION, QUEUE_TABLE);
        Optional<String> courier = migrate(dataSource, COURIER_LOCATION, COURIER_TABLE);
        return new SchemaVersions(queue, courier);
      } finally {
        advisory(lockConnection, "pg_advisory_unlock");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot lock the database for migrations: " + e.getMessage(), e);
    }
  }

  private static void advisory(Connection c, String function) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(?)")) {
      ps.setLong(1, MIGRATION_LOCK);
      ps.execute();
    }
  }

  private static Optional<String> migrate(DataSource dataSource, String location, String table) {
    Flyway flyway =
        Flyway.configure()
            .dataSource(dataSource)
            .locations(location)
            .table(table)
            // The other history may already have created tables in the schema; start at 0 so
            // that every migration of this location still runs.
            .baselineOnMigrate(true)
            .baselineVersion("0")
            .load();
    var result = flyway.migrate();
    MigrationInfo current = flyway.info().current();
    Optional<String> version =
        current == null || current.getVersion() == null
            ? Optional.empty()
            : Optional.of(current.getVersion().getVersion()).filter(v -> !v.equals("0"));
    LOG.info(
        "migrations location={} table={} applied={} version={}",
        location, table, result.migrationsExecuted, version.orElse("none"));
    return version;
  }

  /** Reads the versions applied in the database, from both history tables. */
  public static SchemaVersions applied(Connection connection) throws SQLException {
    return new SchemaVersions(applied(connection, QUEUE_TABLE), applied(connection, COURIER_TABLE));
  }

  private static Optional<String> applied(Connection c, String table) throws SQLException {
    try (Statement st = c.createStatement()) {
      try (ResultSet exists = st.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
        exists.next();
        if (!exists.getBoolean(1)) {
          return Optional.empty();
        }
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT version FROM " + table
                  + " WHERE success AND version IS NOT NULL AND version <> '0'"
                  + " ORDER BY installed_rank DESC LIMIT 1")) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }
}
