package dev.courier.server.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Per-key request rate limit: one token bucket per API key, in this node's memory. A bucket holds
 * up to {@code burst} tokens and refills at {@code perSecond}; each request takes one. Buckets are
 * independent, so one busy key never slows another. With several nodes, each node limits on its
 * own (a key may make up to N times the rate across N nodes).
 */
public final class RateLimiter {
  private static final int SWEEP_EVERY = 4096;

  private final double perSecond;
  private final double burst;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong calls = new AtomicLong();
  /** After this long unused, a bucket is full again: it can be dropped and made afresh. */
  private final long idleNanos;

  /**
   * @param perSecond tokens added per second; 0 turns limiting off
   * @param burst the bucket's size: how many requests may come at once
   */
  public RateLimiter(double perSecond, int burst) {
    this(perSecond, burst, System::nanoTime);
  }

  RateLimiter(double perSecond, int burst, LongSupplier nanoTime) {
    if (perSecond < 0 || burst < 1) {
      throw new IllegalArgumentException("perSecond must be >= 0 and burst >= 1");
    }
    this.perSecond = perSecond;
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.idleNanos = perSecond == 0 ? 0 : (long) Math.ceil(burst / perSecond * 1e9);
  }

  /** Whether requests are limited at all. */
  public boolean enabled() {
    return perSecond > 0;
  }

  /**
   * Takes a token from {@code key}'s bucket.
   *
   * @return 0 when the request may go, else how many nanoseconds until a token is there
   */
  public long acquire(String key) {
    if (!enabled()) {
      return 0;
    }
    long now = nanoTime.getAsLong();
    if (calls.incrementAndGet() % SWEEP_EVERY == 0) {
      buckets.values().removeIf(b -> b.idleSince(now) > idleNanos);
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(burst, now)).take(now);
  }

  private final class Bucket {
    private double tokens;
    private long refilledAt;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.refilledAt = now;
    }

    synchronized long take(long now) {
      long elapsed = now - refilledAt;
      if (elapsed > 0) {
        tokens = Math.min(burst, tokens + elapsed / 1e9 * perSecond);
        refilledAt = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * 1e9));
    }

    synchronized long idleSince(long now) {
      return now - refilledAt;
    }
  }
}
