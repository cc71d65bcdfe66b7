package dev.courier.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COURIER_API_RATE_LIMIT and COURIER_API_RATE_BURST: defaults, sources and validation. */
class ApiRateLimitSettingsTest {
  @TempDir Path dir;

  private final Map<String, String> env = new HashMap<>();

  private CourierConfig load() {
    return ConfigLoader.load(Map.of(), env);
  }

  @Test
  void defaultsAreAGenerous1000PerSecondWithABurstOf2000() {
    CourierConfig c = load();
    assertThat(c.apiRateLimit()).isEqualTo(1000.0);
    assertThat(c.apiRateBurst()).isEqualTo(2000);
    assertThat(c.toString()).contains("apiRateLimit=1000").contains("apiRateBurst=2000");
  }

  @Test
  void theFileAndTheEnvironmentSetThemAndFractionsAndZeroAreAllowed() throws Exception {
    Path file = dir.resolve("courier.yml");
    Files.writeString(file, "api:\n  rateLimit: 10\n  rateBurst: 20\n");
    env.put("COURIER_CONFIG", file.toString());
    assertThat(load().apiRateLimit()).isEqualTo(10.0);
    assertThat(load().apiRateBurst()).isEqualTo(20);

    env.put("COURIER_API_RATE_LIMIT", "0.5");
    env.put("COURIER_API_RATE_BURST", "1");
    assertThat(load().apiRateLimit()).isEqualTo(0.5);
    assertThat(load().apiRateBurst()).isEqualTo(1);
    assertThat(load().toString()).contains("apiRateLimit=0.5");

    env.put("COURIER_API_RATE_LIMIT", "0");
    assertThat(load().apiRateLimit()).as("0 turns the limit off").isZero();
  }

  @Test
  void invalidValuesStopTheLoadNamingTheSettingAndWhatIsAllowed() {
    for (String bad : new String[] {"-1", "abc", "NaN", "Infinity", "1000001", ""}) {
      env.put("COURIER_API_RATE_LIMIT", bad.isEmpty() ? "1/s" : bad);
      assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
          .hasMessageContaining("COURIER_API_RATE_LIMIT=")
          .hasMessageContaining("requests per second");
    }
    env.remove("COURIER_API_RATE_LIMIT");
    for (String bad : new String[] {"0", "-5", "2.5", "1000001", "lots"}) {
      env.put("COURIER_API_RATE_BURST", bad);
      assertThatThrownBy(this::load).isInstanceOf(ConfigException.class)
          .hasMessageContaining("COURIER_API_RATE_BURST=" + bad)
          .hasMessageContaining("1-1000000");
    }
  }
}
