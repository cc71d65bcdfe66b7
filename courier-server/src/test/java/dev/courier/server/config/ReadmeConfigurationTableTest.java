package dev.courier.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's configuration table documents every setting, with its names and default. */
class ReadmeConfigurationTableTest {
  @Test
  void everySettingHasARowWithItsNamesAndDefault() throws Exception {
    Path readme = Path.of("..", "README.md");
    List<String> rows =
        Files.readAllLines(readme).stream().filter(l -> l.startsWith("| `COURIER_")).toList();
    assertThat(rows).hasSize(Setting.values().length);
    for (Setting s : Setting.values()) {
      String row =
          rows.stream()
              .filter(r -> r.startsWith("| `" + s.env() + "` |"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("README has no row for " + s.env()));
      s.yamlKey().ifPresent(k -> assertThat(row).contains("`" + k + "`"));
      s.flag().ifPresent(f -> assertThat(row).contains("`" + f + "`"));
      s.defaultValue().ifPresent(d -> assertThat(row).contains("`" + d + "`"));
    }
  }
}
