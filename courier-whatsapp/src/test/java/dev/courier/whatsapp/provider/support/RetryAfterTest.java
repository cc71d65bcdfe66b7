package dev.courier.whatsapp.provider.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  @Test
  void delaySecondsAreTheWait() {
    assertThat(RetryAfter.parse("120", NOW)).isEqualTo(Duration.ofMinutes(2));
    assertThat(RetryAfter.parse(" 0 ", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void anHttpDateIsTheTimeUntilItAndADateInThePastIsNoWait() {
    assertThat(RetryAfter.parse("Mon, 23 Nov 2026 12:01:00 GMT", NOW)).isEqualTo(Duration.ofMinutes(1));
    assertThat(RetryAfter.parse("Mon, 23 Nov 2026 11:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void anythingElseIsNoAnswer() {
    assertThat(RetryAfter.parse("soon", NOW)).isNull();
    assertThat(RetryAfter.parse("", NOW)).isNull();
    assertThat(RetryAfter.parse("99999999999999999999999", NOW)).isNull();
  }
}
