package dev.courier.queue;

import java.time.Duration;
import java.util.Objects;

/**
 * How jobs of one kind run.
 *
 * @param timeout an attempt running longer is interrupted and counts as failed; null for none
 * @param retryPolicy the wait between failed attempts
 * @param unavailableSnooze the wait after {@link ResourceUnavailable} (no attempt spent)
 */
public record WorkerOptions(Duration timeout, RetryPolicy retryPolicy, Duration unavailableSnooze) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
  public static final Duration DEFAULT_UNAVAILABLE_SNOOZE = Duration.ofSeconds(30);

  public WorkerOptions {
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    if (unavailableSnooze == null || unavailableSnooze.isNegative()) {
      throw new IllegalArgumentException("unavailableSnooze: must not be negative, was " + unavailableSnooze);
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout: must be positive, was " + timeout);
    }
  }

  public static WorkerOptions defaults() {
    return new WorkerOptions(DEFAULT_TIMEOUT, RetryPolicy.exponential(), DEFAULT_UNAVAILABLE_SNOOZE);
  }

  public WorkerOptions withTimeout(Duration t) {
    return new WorkerOptions(t, retryPolicy, unavailableSnooze);
  }

  public WorkerOptions withRetryPolicy(RetryPolicy p) {
    return new WorkerOptions(timeout, p, unavailableSnooze);
  }

  public WorkerOptions withUnavailableSnooze(Duration d) {
    return new WorkerOptions(timeout, retryPolicy, d);
  }
}
