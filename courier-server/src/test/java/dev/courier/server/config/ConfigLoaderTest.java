package dev.courier.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private final Map<Setting, String> flags = new EnumMap<>(Setting.class);
  private final Map<String, String> env = new HashMap<>();

  private Path yaml(String text) throws Exception {
    Path file = dir.resolve("courier.yml");
    Files.writeString(file, text);
    env.put("COURIER_CONFIG", file.toString());
    return file;
  }

  private CourierConfig load() {
    return ConfigLoader.load(flags, env);
  }

  @Test
  void defaultsApplyWhenNothingIsSet() {
    CourierConfig c = load();
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(c.embeddedDatabase()).isTrue();
    assertThat(c.databasePoolSize()).isEqualTo(30);
    assertThat(c.embeddedDbPort()).isZero();
    assertThat(c.apiKey()).isEmpty();
    assertThat(c.role()).isEqualTo(Role.ALL);
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(8));
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.databaseAllowNonDurable()).isFalse();
    assertThat(c.sendConcurrency()).isEqualTo(256);
  }

  @Test
  void fileOverridesDefaultEnvOverridesFileFlagOverridesEnv() throws Exception {
    yaml("port: 7001\nhost: 127.0.0.2\ndatabase:\n  poolSize: 4\nrole: api\n");
    env.put("COURIER_HOST", "127.0.0.3");
    env.put("COURIER_ROLE", "worker");
    flags.put(Setting.ROLE, "all");

    CourierConfig c = load();

    assertThat(c.databasePoolSize()).as("file over default").isEqualTo(4);
    assertThat(c.port()).as("file over default").isEqualTo(7001);
    assertThat(c.host()).as("env over file").isEqualTo("127.0.0.3");
    assertThat(c.role()).as("flag over env and file").isEqualTo(Role.ALL);
    assertThat(c.logLevel()).as("default").isEqualTo("info");
  }

  @Test
  void flagOverridesEnvForEverySettingWithAFlag() {
    env.put("COURIER_PORT", "1111");
    flags.put(Setting.PORT, "2222");
    env.put("COURIER_DATA_DIR", "/env-dir");
    flags.put(Setting.DATA_DIR, "/flag-dir");
    env.put("COURIER_SHUTDOWN_TIMEOUT", "1s");
    flags.put(Setting.SHUTDOWN_TIMEOUT, "1500ms");
    CourierConfig c = load();
    assertThat(c.port()).isEqualTo(2222);
    assertThat(c.dataDir()).isEqualTo(Path.of("/flag-dir"));
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void invalidPortInEnvironmentNamesTheVariableTheValueAndTheRange() {
    env.put("COURIER_PORT", "abc");
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessage("COURIER_PORT=abc: must be a port number 1-65535, or 0 for any free port");
  }

  @Test
  void sendConcurrencyIsReadAndOutOfRangeValuesNameTheVariable() {
    env.put("COURIER_SEND_CONCURRENCY", "32");
    assertThat(load().sendConcurrency()).isEqualTo(32);
    env.put("COURIER_SEND_CONCURRENCY", "0");
    assertThatThrownBy(this::load).hasMessage("COURIER_SEND_CONCURRENCY=0: must be a whole number 1-4096");
    env.put("COURIER_SEND_CONCURRENCY", "5000");
    assertThatThrownBy(this::load).hasMessage("COURIER_SEND_CONCURRENCY=5000: must be a whole number 1-4096");
  }

  @Test
  void outOfRangePortIsRejected() {
    env.put("COURIER_PORT", "70000");
    assertThatThrownBy(this::load).hasMessageStartingWith("COURIER_PORT=70000: must be a port number");
  }

  @Test
  void invalidValueInFileNamesTheFileAndKey() throws Exception {
    Path file = yaml("database:\n  poolSize: lots\n");
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + " database.poolSize=lots: must be a whole number 2-1000");
  }

  @Test
  void unknownKeyInFileIsRejectedWithTheKnownKeys() throws Exception {
    yaml("prot: 8080\n");
    assertThatThrownBy(this::load)
        .hasMessageContaining("unknown setting 'prot'")
        .hasMessageContaining("port");
  }

  @Test
  void explicitConfigFileThatDoesNotExistIsRejected() {
    flags.put(Setting.CONFIG, dir.resolve("missing.yml").toString());
    assertThatThrownBy(this::load).hasMessageContaining("--config=").hasMessageContaining("must name an existing YAML file");
  }

  @Test
  void invalidRoleLogLevelDurationAndBooleanNameWhatIsAllowed() {
    env.put("COURIER_ROLE", "boss");
    assertThatThrownBy(this::load).hasMessage("COURIER_ROLE=boss: must be one of all, api, worker");
    env.remove("COURIER_ROLE");
    env.put("COURIER_LOG_LEVEL", "loud");
    assertThatThrownBy(this::load).hasMessage("COURIER_LOG_LEVEL=loud: must be one of error, warn, info, debug, trace");
    env.remove("COURIER_LOG_LEVEL");
    env.put("COURIER_SHUTDOWN_TIMEOUT", "8");
    assertThatThrownBy(this::load).hasMessageStartingWith("COURIER_SHUTDOWN_TIMEOUT=8: must be a duration");
    env.remove("COURIER_SHUTDOWN_TIMEOUT");
    env.put("COURIER_DATABASE_ALLOW_NON_DURABLE", "maybe");
    assertThatThrownBy(this::load).hasMessage("COURIER_DATABASE_ALLOW_NON_DURABLE=maybe: must be true or false");
  }

  @Test
  void planTiersAreReadAndAWrongOneNamesThePlanAndTheSetting() {
    env.put("COURIER_PLANS", "basic:rate=50/1s;gold:priority=0,campaignPriority=6");
    CourierConfig c = load();
    assertThat(c.plans().of("basic").rateCount()).isEqualTo(50);
    assertThat(c.plans().of("gold").priority()).isZero();
    assertThat(c.plans().of("premium").priority()).isEqualTo(1);
    assertThat(c.plans().of("unheard-of").priority()).isEqualTo(5);
    env.put("COURIER_PLANS", "pro:priority=12");
    assertThatThrownBy(this::load).hasMessage("COURIER_PLANS=pro:priority=12: pro: priority '12' must be 0-9");
    env.put("COURIER_PLANS", "pro:speed=3");
    assertThatThrownBy(this::load)
        .hasMessage("COURIER_PLANS=pro:speed=3: pro: unknown setting 'speed' (priority, campaignPriority, rate)");
    env.put("COURIER_PLANS", "basic:rate=fast");
    assertThatThrownBy(this::load).hasMessageContaining("rate 'fast' must look like 50/1s");
  }

  @Test
  void invalidApiKeyIsRejectedWithoutShowingIt() {
    env.put("COURIER_API_KEY", "short secret");
    assertThatThrownBy(this::load)
        .hasMessageStartingWith("COURIER_API_KEY=****: must be at least 20")
        .hasMessageNotContaining("short secret");
  }

  @Test
  void invalidDatabaseUrlIsRejectedWithoutShowingItsPassword() {
    env.put("COURIER_DATABASE_URL", "mysql://bob:hunter2@db/x");
    assertThatThrownBy(this::load)
        .hasMessageStartingWith("COURIER_DATABASE_URL=mysql://bob:****@db/x: must be postgres://")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void logLineMasksTheApiKeyAndTheDatabasePassword() {
    env.put("COURIER_API_KEY", "ck_this-is-a-very-secret-key");
    env.put("COURIER_DATABASE_URL", "postgres://courier:s3cr3t-pw@db.example:5433/courier");
    CourierConfig c = load();
    assertThat(c.apiKey()).contains("ck_this-is-a-very-secret-key");
    assertThat(c.databaseUrl().orElseThrow().password()).isEqualTo("s3cr3t-pw");
    assertThat(c.toString())
        .doesNotContain("very-secret")
        .doesNotContain("s3cr3t")
        .contains("apiKey=****")
        .contains("database=postgres://courier:****@db.example:5433/courier");
  }

  @Test
  void blankEnvironmentVariablesCountAsUnset() {
    env.put("COURIER_DATABASE_URL", "");
    env.put("COURIER_PORT", " ");
    CourierConfig c = load();
    assertThat(c.embeddedDatabase()).isTrue();
    assertThat(c.port()).isEqualTo(8080);
  }

  @Test
  void everySettingHasAnEnvironmentNameAndADescription() {
    for (Setting s : Setting.values()) {
      assertThat(s.env()).startsWith("COURIER_");
      assertThat(s.description()).isNotBlank();
    }
    assertThat(Setting.API_KEY.secret()).isTrue();
    assertThat(Setting.API_KEY.flag()).as("secrets are not flags: ps shows flags").isEmpty();
  }
}
