package dev.courier.whatsapp.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.whatsapp.provider.cloud.CloudApiErrors;
import dev.courier.whatsapp.provider.gateway.GatewayErrors;
import dev.courier.whatsapp.provider.support.ErrorRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/PROVIDERS.md's error table and the classification Courier runs ({@link CloudApiErrors},
 * {@link GatewayErrors}) have the same rows: same codes and conditions, same classes, same sources.
 */
class ProviderErrorTableDocTest {
  record DocRow(String key, String errorClass, String line) {}

  static List<ErrorRule> rules(String provider) {
    return switch (provider) {
      case "cloud_api" -> CloudApiErrors.rules();
      case "gateway" -> GatewayErrors.rules();
      default -> throw new IllegalArgumentException(provider);
    };
  }

  static Map<String, DocRow> docRows(String provider) throws Exception {
    Map<String, DocRow> rows = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("..", "docs", "PROVIDERS.md"))) {
      if (!line.startsWith("| `" + provider + "` |")) {
        continue;
      }
      String[] cells = line.substring(1, line.length() - 1).split("\\|");
      assertThat(cells).as("columns of %s", line).hasSize(6);
      String key = unquote(cells[1]);
      DocRow previous = rows.put(key, new DocRow(key, unquote(cells[3]), line));
      assertThat(previous).as("%s %s is listed twice in the doc", provider, key).isNull();
    }
    return rows;
  }

  static String unquote(String cell) {
    String c = cell.trim();
    assertThat(c).startsWith("`").endsWith("`");
    return c.substring(1, c.length() - 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cloud_api", "gateway"})
  void theDocumentedTableIsTheTableCourierRuns(String provider) throws Exception {
    Map<String, DocRow> doc = docRows(provider);
    List<ErrorRule> rules = rules(provider);

    assertThat(doc.keySet())
        .as("%s codes and conditions in docs/PROVIDERS.md", provider)
        .containsExactlyInAnyOrderElementsOf(rules.stream().map(ErrorRule::key).toList());
    for (ErrorRule rule : rules) {
      DocRow row = doc.get(rule.key());
      assertThat(row.errorClass()).as("class of %s %s", provider, rule.key())
          .isEqualTo(rule.errorClass().name());
      for (String source : rule.sources()) {
        assertThat(row.line()).as("sources of %s %s", provider, rule.key()).contains(source);
      }
    }
  }
}
