package dev.courier.whatsapp.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEachUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("8s")).isEqualTo(Duration.ofSeconds(8));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse(" 0s ")).isZero();
  }

  @Test
  void rejectsNumbersWithoutUnitNegativeFractionsAndUnknownUnits() {
    for (String bad : new String[] {"8", "-1s", "1.5s", "3w", "s", "", "8 seconds"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("must be a duration such as 500ms, 8s, 2m, 1h or 7d");
    }
  }

  @Test
  void formatsBackToTheShortestText() {
    assertThat(Durations.format(Duration.ofSeconds(8))).isEqualTo("8s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
  }
}
