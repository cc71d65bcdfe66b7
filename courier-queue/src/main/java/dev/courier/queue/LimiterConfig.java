package dev.courier.queue;

import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * What a limiter allows. Every part is optional; a job starts only when all parts of all its
 * limiters allow it. Held-back jobs are not attempts and keep their place.
 *
 * @param rate token bucket: {@code count} starts per {@code per}, bursts up to {@code burst}
 * @param gap a minimum gap between two starts, random between {@code min} and {@code max}
 * @param daily at most {@code count} starts per calendar day in {@code timeZone} (or per rolling
 *     24 h), or, with {@code distinct}, at most {@code count} distinct values (jobs' {@code
 *     limitValue}, e.g. recipients)
 * @param rest after every {@code every} starts, pause a random time between {@code min} and {@code
 *     max}
 * @param window start only between {@code from} and {@code to} local time in {@code timeZone} (a
 *     window may cross midnight)
 * @param paused when true the limiter admits nothing until it is set again unpaused (e.g. a
 *     WhatsApp number the provider flagged); as a secondary limiter it holds jobs back a minute at
 *     a time
 */
public record LimiterConfig(Rate rate, Gap gap, Daily daily, Rest rest, Window window, boolean paused) {
  public record Rate(int count, Duration per, int burst) {
    public Rate {
      if (count < 1) {
        throw new IllegalArgumentException("rate.count: must be at least 1, was " + count);
      }
      if (per == null || per.isZero() || per.isNegative()) {
        throw new IllegalArgumentException("rate.per: must be positive, was " + per);
      }
      if (burst < 1) {
        throw new IllegalArgumentException("rate.burst: must be at least 1, was " + burst);
      }
    }
  }

  public record Gap(Duration min, Duration max) {
    public Gap {
      if (min == null || max == null || min.isNegative() || max.compareTo(min) < 0) {
        throw new IllegalArgumentException("gap: min must be >= 0 and max >= min, were " + min + " and " + max);
      }
    }
  }

  public record Daily(int count, ZoneId timeZone, boolean rolling, boolean distinct) {
    public Daily {
      if (count < 1) {
        throw new IllegalArgumentException("daily.count: must be at least 1, was " + count);
      }
      if (!rolling && timeZone == null) {
        throw new IllegalArgumentException("daily.timeZone: required unless the quota is rolling");
      }
    }
  }

  public record Rest(int every, Duration min, Duration max) {
    public Rest {
      if (every < 1) {
        throw new IllegalArgumentException("rest.every: must be at least 1, was " + every);
      }
      if (min == null || max == null || min.isNegative() || max.compareTo(min) < 0) {
        throw new IllegalArgumentException("rest: min must be >= 0 and max >= min, were " + min + " and " + max);
      }
    }
  }

  public record Window(LocalTime from, LocalTime to, ZoneId timeZone) {
    public Window {
      if (from == null || to == null || timeZone == null || from.equals(to)) {
        throw new IllegalArgumentException("window: from, to and timeZone are required and from must differ from to");
      }
    }
  }

  public static LimiterConfig none() {
    return new LimiterConfig(null, null, null, null, null, false);
  }

  public LimiterConfig withRate(int count, Duration per, int burst) {
    return new LimiterConfig(new Rate(count, per, burst), gap, daily, rest, window, paused);
  }

  /**
   * A rate as a pace, not a quota: the bucket holds about one second of starts (at least one), so
   * "100 per minute" starts one job every 0.6 s and never 100 at once, and a fetcher that wakes a
   * few milliseconds late loses nothing.
   */
  public LimiterConfig withPace(int count, Duration per) {
    double perSecond = count * 1000.0 / Math.max(1, per.toMillis());
    return withRate(count, per, (int) Math.max(1, Math.min(count, Math.ceil(perSecond))));
  }

  public LimiterConfig withGap(Duration min, Duration max) {
    return new LimiterConfig(rate, new Gap(min, max), daily, rest, window, paused);
  }

  public LimiterConfig withDaily(int count, ZoneId zone) {
    return new LimiterConfig(rate, gap, new Daily(count, zone, false, false), rest, window, paused);
  }

  public LimiterConfig withDaily(Daily d) {
    return new LimiterConfig(rate, gap, d, rest, window, paused);
  }

  public LimiterConfig withRest(int every, Duration min, Duration max) {
    return new LimiterConfig(rate, gap, daily, new Rest(every, min, max), window, paused);
  }

  public LimiterConfig withWindow(LocalTime from, LocalTime to, ZoneId zone) {
    return new LimiterConfig(rate, gap, daily, rest, new Window(from, to, zone), paused);
  }

  /** The same limits, paused or not. */
  public LimiterConfig withPaused(boolean p) {
    return new LimiterConfig(rate, gap, daily, rest, window, p);
  }
}
