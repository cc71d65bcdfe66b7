package dev.courier.server.testing;

import dev.courier.queue.testing.TestDatabase;
import dev.courier.server.config.ConfigLoader;
import dev.courier.server.config.CourierConfig;
import dev.courier.server.config.Setting;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Configurations for in-JVM servers: loopback, any free port, a temporary data dir. */
public final class Configs {
  private Configs() {}

  /** Environment for a server with the embedded database in {@code dataDir}. */
  public static Map<String, String> embeddedEnv(Path dataDir) {
    Map<String, String> env = new HashMap<>();
    env.put("COURIER_HOST", "127.0.0.1");
    env.put("COURIER_PORT", "0");
    env.put("COURIER_DATA_DIR", dataDir.toString());
    env.put("COURIER_CONFIG", "");
    return env;
  }

  /**
   * Environment for a server on the test database {@code db} (external mode). The embedded test
   * server runs with fsync off, so non-durable databases are allowed here.
   */
  public static Map<String, String> externalEnv(Path dataDir, TestDatabase.Coordinates db) {
    Map<String, String> env = embeddedEnv(dataDir);
    env.put("COURIER_DATABASE_URL", databaseUrl(db));
    env.put("COURIER_DATABASE_ALLOW_NON_DURABLE", "true");
    return env;
  }

  /** A {@code jdbc:postgresql:} URL with user and password for {@code db}. */
  public static String databaseUrl(TestDatabase.Coordinates db) {
    String url = db.url() + (db.url().contains("?") ? "&" : "?") + "user=" + db.user();
    if (db.password() != null) {
      url += "&password=" + db.password();
    }
    return url;
  }

  public static CourierConfig load(Map<String, String> env) {
    return ConfigLoader.load(Map.<Setting, String>of(), env);
  }
}
