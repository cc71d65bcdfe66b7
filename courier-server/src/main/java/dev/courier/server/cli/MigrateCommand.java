package dev.courier.server.cli;

import dev.courier.server.config.ConfigLoader;
import dev.courier.server.config.CourierConfig;
import dev.courier.server.db.Database;
import dev.courier.server.db.Migrations;
import java.io.PrintWriter;
import java.sql.Connection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code courier migrate}: applies the schema migrations and exits. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = {
      "Apply the database schema migrations, then exit.",
      "Uses the embedded PostgreSQL in the data directory unless a database URL is set."
    })
final class MigrateCommand implements Callable<Integer> {
  @ParentCommand CourierMain parent;
  @Spec CommandSpec spec;
  @Mixin DatabaseOptions database;

  @Override
  public Integer call() throws Exception {
    CourierConfig config = ConfigLoader.load(database.flags(), parent.env());
    Logging.setLevel(config.logLevel());
    PrintWriter out = spec.commandLine().getOut();
    try (Database db =
        Database.open(
            config.databaseUrl(), config.dataDir(), config.embeddedDbPort(), config.databasePoolSize(),
            config.databaseAllowNonDurable())) {
      Migrations.SchemaVersions v;
      try (Connection c = db.dataSource().getConnection()) {
        v = Migrations.applied(c);
      }
      out.println(
          "migrated " + db.kind().text() + " database " + db.description()
              + ": schema " + v.courier().orElse("none")
              + ", queue schema " + v.queue().orElse("none"));
      out.flush();
    }
    return 0;
  }
}
