package dev.courier.server.config;

import dev.courier.whatsapp.validation.Durations;
import dev.courier.server.db.DatabaseUrl;
import dev.courier.whatsapp.organization.Plans;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Courier's settings, validated and immutable. Build one with {@link ConfigLoader}. {@link
 * #toString()} is safe to log: secrets are masked and the database password is left out.
 */
public record CourierConfig(
    int port,
    String host,
    Path dataDir,
    Optional<DatabaseUrl> databaseUrl,
    int databasePoolSize,
    int embeddedDbPort,
    boolean databaseAllowNonDurable,
    Optional<String> apiKey,
    Optional<Path> configFile,
    Role role,
    Duration shutdownTimeout,
    String logLevel,
    double apiRateLimit,
    int apiRateBurst,
    boolean groupCommit,
    int groupCommitMaxBatch,
    int groupCommitCommitters,
    int sendConcurrency,
    int sendCommitters,
    Plans plans) {

  public CourierConfig {
    Objects.requireNonNull(host);
    Objects.requireNonNull(dataDir);
    Objects.requireNonNull(databaseUrl);
    Objects.requireNonNull(apiKey);
    Objects.requireNonNull(configFile);
    Objects.requireNonNull(role);
    Objects.requireNonNull(shutdownTimeout);
    Objects.requireNonNull(logLevel);
    Objects.requireNonNull(plans);
    if (apiRateLimit < 0 || apiRateBurst < 1) {
      throw new IllegalArgumentException("apiRateLimit must be >= 0 and apiRateBurst >= 1");
    }
  }

  /** Whether Courier starts its own PostgreSQL. */
  public boolean embeddedDatabase() {
    return databaseUrl.isEmpty();
  }

  public CourierConfig withPort(int newPort) {
    return new CourierConfig(
        newPort, host, dataDir, databaseUrl, databasePoolSize, embeddedDbPort, databaseAllowNonDurable, apiKey, configFile,
        role, shutdownTimeout, logLevel, apiRateLimit, apiRateBurst, groupCommit, groupCommitMaxBatch, groupCommitCommitters,
        sendConcurrency, sendCommitters, plans);
  }

  public CourierConfig withDataDir(Path newDataDir) {
    return new CourierConfig(
        port, host, newDataDir, databaseUrl, databasePoolSize, embeddedDbPort, databaseAllowNonDurable, apiKey, configFile,
        role, shutdownTimeout, logLevel, apiRateLimit, apiRateBurst, groupCommit, groupCommitMaxBatch, groupCommitCommitters,
        sendConcurrency, sendCommitters, plans);
  }

  public CourierConfig withDatabaseUrl(Optional<DatabaseUrl> newUrl) {
    return new CourierConfig(
        port, host, dataDir, newUrl, databasePoolSize, embeddedDbPort, databaseAllowNonDurable, apiKey, configFile, role,
        shutdownTimeout, logLevel, apiRateLimit, apiRateBurst, groupCommit, groupCommitMaxBatch, groupCommitCommitters,
        sendConcurrency, sendCommitters, plans);
  }

  /** The same settings with group commit on or off (benchmarks, tests). */
  public CourierConfig withGroupCommit(boolean on) {
    return new CourierConfig(
        port, host, dataDir, databaseUrl, databasePoolSize, embeddedDbPort, databaseAllowNonDurable, apiKey, configFile,
        role, shutdownTimeout, logLevel, apiRateLimit, apiRateBurst, on, groupCommitMaxBatch, groupCommitCommitters,
        sendConcurrency, sendCommitters, plans);
  }

  public CourierConfig withApiKey(Optional<String> newKey) {
    return new CourierConfig(
        port, host, dataDir, databaseUrl, databasePoolSize, embeddedDbPort, databaseAllowNonDurable, newKey, configFile,
        role, shutdownTimeout, logLevel, apiRateLimit, apiRateBurst, groupCommit, groupCommitMaxBatch, groupCommitCommitters,
        sendConcurrency, sendCommitters, plans);
  }

  /** One line of key=value pairs, secrets masked, for the log. */
  @Override
  public String toString() {
    return "port=" + port
        + " host=" + host
        + " dataDir=" + dataDir
        + " database=" + databaseUrl.map(DatabaseUrl::redacted).orElse("embedded")
        + " databasePoolSize=" + databasePoolSize
        + " embeddedDbPort=" + embeddedDbPort
        + " databaseAllowNonDurable=" + databaseAllowNonDurable
        + " apiKey=" + (apiKey.isPresent() ? "****" : "<generated>")
        + " config=" + configFile.map(Path::toString).orElse("<none>")
        + " role=" + role.text()
        + " shutdownTimeout=" + Durations.format(shutdownTimeout)
        + " logLevel=" + logLevel
        + " apiRateLimit=" + ConfigLoader.formatRate(apiRateLimit)
        + " apiRateBurst=" + apiRateBurst
        + " groupCommit=" + groupCommit
        + " groupCommitMaxBatch=" + groupCommitMaxBatch
        + " groupCommitCommitters=" + groupCommitCommitters
        + " sendConcurrency=" + sendConcurrency
        + " sendCommitters=" + sendCommitters
        + " plans=" + plans.all().keySet();
  }
}
