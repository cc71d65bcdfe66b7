package dev.courier.server.testing;

import dev.courier.server.db.Migrations;
import java.util.Arrays;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;

/** Schema versions as the build defines them, so tests need no edit when a migration is added. */
public final class Schemas {
  private Schemas() {}

  /** The newest migration of {@code db/courier} on the classpath: the version every node must end at. */
  public static String latestCourierVersion(DataSource ds) {
    return Arrays.stream(Flyway.configure().dataSource(ds)
            .locations(Migrations.COURIER_LOCATION).table(Migrations.COURIER_TABLE).load().info().all())
        .map(MigrationInfo::getVersion)
        .filter(Objects::nonNull)
        .max(Comparable::compareTo)
        .orElseThrow()
        .getVersion();
  }
}
