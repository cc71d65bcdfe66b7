package dev.courier.server;

import dev.courier.queue.CourierQueue;
import dev.courier.server.auth.ApiAccess;
import dev.courier.server.auth.ApiKeyStore;
import dev.courier.server.config.CourierConfig;
import dev.courier.server.config.Role;
import dev.courier.server.db.Database;
import dev.courier.server.http.HttpServer;
import dev.courier.server.http.ReadinessProbe;
import dev.courier.whatsapp.WhatsApp;
import dev.courier.whatsapp.message.Messages;
import java.io.IOException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Courier node. Start: data dir lock, embedded PostgreSQL (unless a database URL is
 * configured), durability check, migrations, admin key, job engine, HTTP. Stop, in reverse: HTTP
 * (stop accepting, drain), job engine (running jobs finish or are handed back), pool, embedded
 * PostgreSQL, lock.
 */
public final class CourierServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CourierServer.class);

  private final CourierConfig config;
  private final Database database;
  private final HttpServer http;
  private final CourierQueue engine;
  private final WhatsApp wa;
  private final Optional<String> generatedAdminKey;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private CourierServer(
      CourierConfig config,
      Database database,
      HttpServer http,
      CourierQueue engine,
      WhatsApp wa,
      Optional<String> generatedAdminKey) {
    this.config = config;
    this.database = database;
    this.http = http;
    this.engine = engine;
    this.wa = wa;
    this.generatedAdminKey = generatedAdminKey;
  }

  /** Starts a node; on failure everything started so far is stopped again. */
  public static CourierServer start(CourierConfig config) throws IOException, SQLException {
    long t0 = System.nanoTime();
    LOG.info("starting version={} {}", Version.current(), config);
    Database db =
        Database.open(
            config.databaseUrl(), config.dataDir(), config.embeddedDbPort(), config.databasePoolSize(),
            config.databaseAllowNonDurable());
    try {
      ApiKeyStore keys = new ApiKeyStore(db.dataSource());
      ApiKeyStore.Bootstrap admin = keys.bootstrapAdminKey(config.apiKey());
      ReadinessProbe probe = () -> readiness(config, db);
      // The job engine: worker and all-in-one nodes run its fetchers and take part in leader
      // election for maintenance (rescuer, promoter, retention, periodic jobs); api nodes only
      // enqueue through it.
      WhatsApp wa = WhatsApp.builder(db.dataSource())
          .engine(e -> e.runMaintenance(config.role() != Role.API))
          .groupCommit(new Messages.GroupCommit(
              config.groupCommit(), config.groupCommitMaxBatch(), config.groupCommitCommitters()))
          .sendConcurrency(config.sendConcurrency())
          .sendCommitters(config.sendCommitters())
          .plans(config.plans())
          .build();
      wa.createDemoInstanceIfFirstRun();
      if (config.role() != Role.API) {
        wa.start();
      }
      CourierQueue engine = wa.engine();
      HttpServer http;
      try {
        ApiAccess access = ApiAccess.of(keys, config.apiRateLimit(), config.apiRateBurst());
        http = HttpServer.start(config.host(), config.port(), config.shutdownTimeout(), probe, access, wa);
      } catch (RuntimeException e) {
        wa.messages().close();
        engine.stop(config.shutdownTimeout());
        throw e;
      }
      LOG.info(
          "ready url=http://{}:{} database={} adminKeyId={} startupMs={}",
          displayHost(config.host()), http.port(), db.kind().text(), admin.keyId(),
          (System.nanoTime() - t0) / 1_000_000);
      return new CourierServer(config, db, http, engine, wa, admin.generatedKey());
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw e;
    }
  }

  private static ReadinessProbe.Readiness readiness(CourierConfig config, Database db) {
    Database.Health h = db.health();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", h.ok() ? "ready" : "unavailable");
    body.put("version", Version.current());
    body.put("role", config.role().text());
    body.put("database", h.details());
    return new ReadinessProbe.Readiness(h.ok(), body);
  }

  static String displayHost(String host) {
    return host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
  }

  /** The URL to reach this node from this machine. */
  public String url() {
    return "http://" + displayHost(config.host()) + ":" + http.port();
  }

  public int port() {
    return http.port();
  }

  /** The job engine of this node. */
  public CourierQueue engine() {
    return engine;
  }

  public Database database() {
    return database;
  }

  /** The HTTP server (its route table, for tests and tools). */
  public HttpServer http() {
    return http;
  }

  public CourierConfig config() {
    return config;
  }

  /** The admin key, when this start generated it (show it once). */
  public Optional<String> generatedAdminKey() {
    return generatedAdminKey;
  }

  /** Stops the node; safe to call more than once and from several threads. */
  @Override
  public void close() {
    if (stopped.getAndSet(true)) {
      return;
    }
    long t0 = System.nanoTime();
    LOG.info("stopping");
    try {
      http.close();
    } catch (RuntimeException e) {
      LOG.warn("http server did not stop cleanly", e);
    }
    long httpMs = (System.nanoTime() - t0) / 1_000_000;
    wa.messages().close();
    try {
      engine.stop(config.shutdownTimeout());
    } catch (RuntimeException e) {
      LOG.warn("job engine did not stop cleanly", e);
    }
    database.close();
    LOG.info(
        "stopped shutdownMs={} httpMs={}", (System.nanoTime() - t0) / 1_000_000, httpMs);
  }
}
