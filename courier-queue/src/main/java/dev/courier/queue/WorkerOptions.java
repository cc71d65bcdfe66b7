package dev.courier.queue;

import java.time.Duration;
import java.util.Objects;

/**
 * How jobs of one kind run.
 *
 * @param timeout an attempt running longer is interrupted and counts as failed; null for none
 * @param retryPolicy the wait between failed attempts
 */
public record WorkerOptions(Duration timeout, RetryPolicy retryPolicy) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  public WorkerOptions {
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout: must be positive, was " + timeout);
    }
  }

  public static WorkerOptions defaults() {
    return new WorkerOptions(DEFAULT_TIMEOUT, RetryPolicy.exponential());
  }

  public WorkerOptions withTimeout(Duration t) {
    return new WorkerOptions(t, retryPolicy);
  }

  public WorkerOptions withRetryPolicy(RetryPolicy p) {
    return new WorkerOptions(timeout, p);
  }
}
