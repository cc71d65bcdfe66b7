package dev.courier.server.cli;

import dev.courier.server.config.Setting;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Flags that choose the configuration file and the database; shared by serve and migrate. */
final class DatabaseOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default ./courier.yml if present). Env: COURIER_CONFIG.")
  String config;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default ./data). Env: COURIER_DATA_DIR.")
  String dataDir;

  @Option(names = "--database-url", paramLabel = "URL", description = "External PostgreSQL (postgres://... or jdbc:postgresql:...); unset: embedded. Env: COURIER_DATABASE_URL.")
  String databaseUrl;

  @Option(names = "--database-pool-size", paramLabel = "N", description = "Connection pool size (default 10). Env: COURIER_DATABASE_POOL_SIZE.")
  String databasePoolSize;

  @Option(names = "--embedded-db-port", paramLabel = "PORT", description = "Embedded PostgreSQL port (default 0: any free port). Env: COURIER_EMBEDDED_DB_PORT.")
  String embeddedDbPort;

  @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info, debug or trace (default info). Env: COURIER_LOG_LEVEL.")
  String logLevel;

  void addTo(Map<Setting, String> flags) {
    flags.put(Setting.CONFIG, config);
    flags.put(Setting.DATA_DIR, dataDir);
    flags.put(Setting.DATABASE_URL, databaseUrl);
    flags.put(Setting.DATABASE_POOL_SIZE, databasePoolSize);
    flags.put(Setting.EMBEDDED_DB_PORT, embeddedDbPort);
    flags.put(Setting.LOG_LEVEL, logLevel);
  }

  Map<Setting, String> flags() {
    Map<Setting, String> flags = new EnumMap<>(Setting.class);
    addTo(flags);
    return flags;
  }
}
