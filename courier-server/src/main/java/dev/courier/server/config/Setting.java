package dev.courier.server.config;

import java.util.Optional;

/**
 * Every setting Courier reads, with its names in each source. The names are a contract: the
 * README's configuration table is this enum, and a test checks that they agree.
 */
public enum Setting {
  PORT("COURIER_PORT", "port", "--port", Defaults.PORT, "HTTP port to listen on (0 = any free port)."),
  HOST("COURIER_HOST", "host", "--host", Defaults.HOST, "Address the HTTP server binds to."),
  DATA_DIR(
      "COURIER_DATA_DIR",
      "dataDir",
      "--data-dir",
      Defaults.DATA_DIR,
      "Where Courier keeps its files: the embedded PostgreSQL in `<dir>/postgres`, the lock file `<dir>/courier.lock`."),
  DATABASE_URL(
      "COURIER_DATABASE_URL",
      "database.url",
      "--database-url",
      null,
      "External PostgreSQL 14+ as `postgres://user:pass@host:port/db` or `jdbc:postgresql://host:port/db`. Unset: start the embedded PostgreSQL 17. The password is never printed."),
  DATABASE_POOL_SIZE(
      "COURIER_DATABASE_POOL_SIZE",
      "database.poolSize",
      "--database-pool-size",
      Defaults.DATABASE_POOL_SIZE,
      "Maximum connections in Courier's pool (2-1000: schema migrations need two). Sends (256 at a time by default; a send holds a connection only while it reads or writes), group commits and HTTP requests share it."),
  EMBEDDED_DB_PORT(
      "COURIER_EMBEDDED_DB_PORT",
      "database.embeddedPort",
      "--embedded-db-port",
      Defaults.EMBEDDED_DB_PORT,
      "Port of the embedded PostgreSQL on localhost (0 = any free port). Ignored with a database URL."),
  DATABASE_ALLOW_NON_DURABLE(
      "COURIER_DATABASE_ALLOW_NON_DURABLE",
      "database.allowNonDurable",
      null,
      Defaults.DATABASE_ALLOW_NON_DURABLE,
      "`true` lets Courier run on an external PostgreSQL with `fsync`, `synchronous_commit` or `full_page_writes` off (tests, throwaway setups). The embedded PostgreSQL is always durable."),
  API_KEY(
      "COURIER_API_KEY",
      "apiKey",
      null,
      null,
      "Admin API key to use instead of a generated one (at least 20 characters, no spaces). Secret: only its SHA-256 hash is stored, and it is never printed."),
  API_RATE_LIMIT(
      "COURIER_API_RATE_LIMIT",
      "api.rateLimit",
      null,
      Defaults.API_RATE_LIMIT,
      "Requests per second each API key may make, on each node (a token bucket per key, in memory; 0 = no limit). Over it: 429 with `Retry-After`."),
  API_RATE_BURST(
      "COURIER_API_RATE_BURST",
      "api.rateBurst",
      null,
      Defaults.API_RATE_BURST,
      "Requests an API key may make at once before its rate applies (the bucket's size, 1-1000000)."),
  GROUP_COMMIT(
      "COURIER_GROUP_COMMIT",
      "api.groupCommit",
      null,
      Defaults.GROUP_COMMIT,
      "`true`: concurrent single-message sends (`POST /v1/messages`, the Cloud API endpoint) share transactions (group commit: one commit, one fsync, for many; every 202 still means committed). `false`: one transaction per message."),
  GROUP_COMMIT_MAX_BATCH(
      "COURIER_GROUP_COMMIT_MAX_BATCH",
      "api.groupCommitMaxBatch",
      null,
      Defaults.GROUP_COMMIT_MAX_BATCH,
      "Most messages one shared transaction of group commit holds (1-10000)."),
  GROUP_COMMIT_COMMITTERS(
      "COURIER_GROUP_COMMIT_COMMITTERS",
      "api.groupCommitCommitters",
      null,
      Defaults.GROUP_COMMIT_COMMITTERS,
      "Shared transactions of group commit in flight at once on each node (1-64; each holds a pool connection while it commits)."),
  SEND_CONCURRENCY(
      "COURIER_SEND_CONCURRENCY",
      "send.concurrency",
      null,
      Defaults.SEND_CONCURRENCY,
      "Messages each worker node sends at once (1-4096; virtual threads: a send waiting on the provider holds no pool connection). Enough to keep every number at its rate while the provider answers: 5 numbers at 80/s with a 0.5 s answer need 200."),
  SEND_COMMITTERS(
      "COURIER_SEND_COMMITTERS",
      "send.committers",
      null,
      Defaults.SEND_COMMITTERS,
      "Shared transactions in flight at once for each step of sending (message marked `sending`; provider's answer recorded with the job's completion; the simulator's outbox; provider status callbacks applied): concurrent sends and callbacks share their commits (0-64; 0 = each commits alone)."),
  PLANS(
      "COURIER_PLANS",
      "plans",
      null,
      Defaults.PLANS,
      "Plan tiers: the default priority (0-9) of an organization's single messages and of its campaigns, and an optional rate cap per organization, by the organization's `plan`; `name:priority=P,campaignPriority=C,rate=N/period` separated by `;` (a plan not named gets `basic`'s)."),
  CONFIG(
      "COURIER_CONFIG",
      null,
      "--config",
      Defaults.CONFIG,
      "Path of the YAML configuration file. The default file is read only if it exists; a file named explicitly must exist."),
  ROLE(
      "COURIER_ROLE",
      "role",
      "--role",
      Defaults.ROLE,
      "`all`, `api` or `worker`: what this node runs when several share one database. Every role serves the HTTP API and accepts messages; `worker` and `all` nodes also run the job engine (sends, callbacks, maintenance)."),
  SHUTDOWN_TIMEOUT(
      "COURIER_SHUTDOWN_TIMEOUT",
      "shutdownTimeout",
      "--shutdown-timeout",
      Defaults.SHUTDOWN_TIMEOUT,
      "How long in-flight HTTP requests get to finish at shutdown (duration such as `500ms`, `8s`)."),
  LOG_LEVEL(
      "COURIER_LOG_LEVEL",
      "logLevel",
      "--log-level",
      Defaults.LOG_LEVEL,
      "`error`, `warn`, `info`, `debug` or `trace`. Logs go to stderr.");

  private final String env;
  private final String yamlKey;
  private final String flag;
  private final String defaultValue;
  private final String description;

  Setting(String env, String yamlKey, String flag, String defaultValue, String description) {
    this.env = env;
    this.yamlKey = yamlKey;
    this.flag = flag;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** The environment variable. */
  public String env() {
    return env;
  }

  /** The key in courier.yml (dots are nested maps), if the file may set it. */
  public Optional<String> yamlKey() {
    return Optional.ofNullable(yamlKey);
  }

  /** The command-line flag of {@code courier serve}, if there is one. */
  public Optional<String> flag() {
    return Optional.ofNullable(flag);
  }

  /** The default as text, if there is one. */
  public Optional<String> defaultValue() {
    return Optional.ofNullable(defaultValue);
  }

  public String description() {
    return description;
  }

  /** Whether the value must never be printed or logged. */
  public boolean secret() {
    return this == API_KEY;
  }

  /** The defaults, as named constants. */
  public static final class Defaults {
    public static final String PORT = "8080";
    public static final String HOST = "0.0.0.0";
    public static final String DATA_DIR = "./data";
    public static final String DATABASE_POOL_SIZE = "30";
    public static final String EMBEDDED_DB_PORT = "0";
    public static final String DATABASE_ALLOW_NON_DURABLE = "false";
    public static final String API_RATE_LIMIT = "1000";
    public static final String API_RATE_BURST = "2000";
    public static final String GROUP_COMMIT = "true";
    public static final String GROUP_COMMIT_MAX_BATCH = "256";
    public static final String GROUP_COMMIT_COMMITTERS = "2";
    public static final String SEND_CONCURRENCY = "256";
    public static final String SEND_COMMITTERS = "2";
    public static final String PLANS =
        "premium:priority=1,campaignPriority=7;pro:priority=3,campaignPriority=8;basic:priority=5,campaignPriority=9";
    public static final String CONFIG = "./courier.yml";
    public static final String ROLE = "all";
    public static final String SHUTDOWN_TIMEOUT = "8s";
    public static final String LOG_LEVEL = "info";

    private Defaults() {}
  }
}
