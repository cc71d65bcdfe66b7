package dev.courier.queue;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code base × 2^(attempt-1)}, capped at {@code max}, with a random jitter of ± {@code jitter} of
 * the wait, so that jobs that failed together do not retry together.
 *
 * @param base the first wait
 * @param max the cap
 * @param jitter fraction 0-1 of the wait added or removed at random
 */
public record ExponentialBackoff(Duration base, Duration max, double jitter) implements RetryPolicy {
  static final ExponentialBackoff DEFAULT =
      new ExponentialBackoff(Duration.ofSeconds(1), Duration.ofHours(1), 0.1);

  public ExponentialBackoff {
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("base: must be positive, was " + base);
    }
    if (max.compareTo(base) < 0) {
      throw new IllegalArgumentException("max: must be at least base " + base + ", was " + max);
    }
    if (jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("jitter: must be between 0 and 1, was " + jitter);
    }
  }

  @Override
  public Duration backoff(int attempt, Throwable error) {
    int exponent = Math.min(Math.max(attempt - 1, 0), 40);
    double millis = Math.min((double) base.toMillis() * Math.pow(2, exponent), max.toMillis());
    double spread = millis * jitter;
    double withJitter = millis + (spread == 0 ? 0 : ThreadLocalRandom.current().nextDouble(-spread, spread));
    return Duration.ofMillis(Math.max(0, Math.round(withJitter)));
  }
}
