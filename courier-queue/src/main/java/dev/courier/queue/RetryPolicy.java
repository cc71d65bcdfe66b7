package dev.courier.queue;

import java.time.Duration;

/** Decides how long a job waits after a failed attempt. */
@FunctionalInterface
public interface RetryPolicy {
  /**
   * @param attempt the attempt that just failed (1 for the first run)
   * @param error what it failed with
   * @return the wait before the next attempt
   */
  Duration backoff(int attempt, Throwable error);

  /** The default: exponential from 1 s doubling to a 1 h cap, each wait ±10% jitter. */
  static RetryPolicy exponential() {
    return ExponentialBackoff.DEFAULT;
  }
}
