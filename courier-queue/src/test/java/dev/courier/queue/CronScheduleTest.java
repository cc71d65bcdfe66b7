package dev.courier.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final ZoneId SAO_PAULO = ZoneId.of("America/Sao_Paulo");

  @Test
  void everyMinuteAndPreviousTick() {
    CronSchedule c = CronSchedule.parse("* * * * *", SAO_PAULO);
    assertThat(c.next(Instant.parse("2026-03-01T10:00:30Z"))).isEqualTo(Instant.parse("2026-03-01T10:01:00Z"));
    assertThat(c.previousOrSame(Instant.parse("2026-03-01T10:01:30Z"))).isEqualTo(Instant.parse("2026-03-01T10:01:00Z"));
    assertThat(c.previousOrSame(Instant.parse("2026-03-01T10:01:00Z"))).isEqualTo(Instant.parse("2026-03-01T10:01:00Z"));
  }

  @Test
  void weekdaysAtNineInTheZone() {
    CronSchedule c = CronSchedule.parse("0 9 * * MON-FRI", SAO_PAULO);
    // Saturday 2026-11-21 10:00 in São Paulo (UTC-3) → Monday 09:00 local = 12:00Z.
    assertThat(c.next(Instant.parse("2026-11-21T13:00:00Z"))).isEqualTo(Instant.parse("2026-11-23T12:00:00Z"));
  }

  @Test
  void springForwardGapRunsAfterTheGapAndFallBackRunsOnce() {
    CronSchedule c = CronSchedule.parse("30 2 * * *", NEW_YORK);
    // 2026-03-08 02:30 does not exist in New York: it runs at 03:30 EDT (07:30Z).
    assertThat(c.next(Instant.parse("2026-03-08T05:00:00Z"))).isEqualTo(Instant.parse("2026-03-08T07:30:00Z"));
    CronSchedule c2 = CronSchedule.parse("30 1 * * *", NEW_YORK);
    // 2026-11-01 01:30 happens twice; it runs at the first (EDT, 05:30Z) only.
    Instant first = c2.next(Instant.parse("2026-11-01T04:00:00Z"));
    assertThat(first).isEqualTo(Instant.parse("2026-11-01T05:30:00Z"));
    assertThat(c2.next(first)).isEqualTo(Instant.parse("2026-11-02T06:30:00Z"));
  }

  @Test
  void stepsListsMacrosAndSeconds() {
    assertThat(CronSchedule.parse("*/15 * * * *", SAO_PAULO).next(Instant.parse("2026-01-01T00:01:00Z")))
        .isEqualTo(Instant.parse("2026-01-01T00:15:00Z"));
    assertThat(CronSchedule.parse("@daily", ZoneId.of("UTC")).next(Instant.parse("2026-01-01T00:01:00Z")))
        .isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
    assertThat(CronSchedule.parse("*/10 * * * * *", ZoneId.of("UTC")).next(Instant.parse("2026-01-01T00:00:01Z")))
        .isEqualTo(Instant.parse("2026-01-01T00:00:10Z"));
    assertThat(CronSchedule.parse("0 0 1,15 * *", ZoneId.of("UTC")).next(Instant.parse("2026-01-02T00:00:00Z")))
        .isEqualTo(Instant.parse("2026-01-15T00:00:00Z"));
  }

  @Test
  void rejectsBadExpressionsNamingTheField() {
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", SAO_PAULO)).hasMessageContaining("minute");
    assertThatThrownBy(() -> CronSchedule.parse("* * *", SAO_PAULO)).hasMessageContaining("5 fields");
    assertThatThrownBy(() -> CronSchedule.parse("* * * FOO *", SAO_PAULO)).hasMessageContaining("month");
  }
}
