package dev.courier.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-key token bucket, on a clock the test moves. */
class RateLimiterTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(42 * SECOND);

  @Test
  void aKeyMayBurstThenGetsOneRequestPerTokenAndIsToldHowLongToWait() {
    RateLimiter limiter = new RateLimiter(10, 5, now::get);
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.acquire("a")).as("request %d of the burst", i).isZero();
    }
    assertThat(limiter.acquire("a")).isEqualTo(SECOND / 10);
    now.addAndGet(SECOND / 20);
    assertThat(limiter.acquire("a")).as("half a token there").isEqualTo(SECOND / 20);
    now.addAndGet(SECOND / 20);
    assertThat(limiter.acquire("a")).isZero();
    assertThat(limiter.acquire("a")).isPositive();
    // Idle for long, the bucket is full again, never fuller.
    now.addAndGet(60 * SECOND);
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.acquire("a")).isZero();
    }
    assertThat(limiter.acquire("a")).isPositive();
  }

  @Test
  void keysHaveTheirOwnBuckets() {
    RateLimiter limiter = new RateLimiter(1, 2, now::get);
    assertThat(limiter.acquire("noisy")).isZero();
    assertThat(limiter.acquire("noisy")).isZero();
    for (int i = 0; i < 1000; i++) {
      assertThat(limiter.acquire("noisy")).isPositive();
    }
    assertThat(limiter.acquire("quiet")).isZero();
    assertThat(limiter.acquire("quiet")).isZero();
  }

  @Test
  void slowRatesWaitWholeSecondsAndZeroMeansNoLimit() {
    RateLimiter slow = new RateLimiter(0.5, 1, now::get);
    assertThat(slow.acquire("k")).isZero();
    assertThat(slow.acquire("k")).isEqualTo(2 * SECOND);
    RateLimiter off = new RateLimiter(0, 1, now::get);
    assertThat(off.enabled()).isFalse();
    for (int i = 0; i < 10_000; i++) {
      assertThat(off.acquire("k")).isZero();
    }
  }

  @Test
  void idleBucketsAreDroppedWithoutGivingAnyKeyMoreThanItsBurst() {
    RateLimiter limiter = new RateLimiter(100, 3, now::get);
    for (int i = 0; i < 10_000; i++) {
      limiter.acquire("key-" + i);
    }
    now.addAndGet(SECOND);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.acquire("key-1")).isZero();
    }
    assertThat(limiter.acquire("key-1")).isPositive();
  }
}
