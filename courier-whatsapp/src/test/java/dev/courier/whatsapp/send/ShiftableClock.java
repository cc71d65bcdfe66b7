package dev.courier.whatsapp.send;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock plus an offset a test moves forward: time passes as usual (snoozes, backoffs and
 * timeouts elapse), and a wait of a minute can be skipped by shifting the clock past it. Shift only
 * while no job runs: a running job's lease would look expired.
 */
final class ShiftableClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  synchronized void shift(Duration d) {
    offset = offset.plus(d);
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
